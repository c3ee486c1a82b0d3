"""Settings, all read from environment variables (documented in docs/configuration.md)."""

import os
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from personvern.core.inputs import Limits

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("PERSONVERN_VAR_DIR", Path.cwd() / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)  # the embedded database and export files live here


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).lower() in ("1", "true", "yes", "on")


DEBUG = env_bool("DEBUG")
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG or os.environ.get("PERSONVERN_DEV") or "pytest" in sys.modules:
        SECRET_KEY = "dev-only-insecure-key-never-use-in-production"
    else:
        raise ImproperlyConfigured("Set SECRET_KEY (or DEBUG=1 for development).")

# Keys for data encrypted at rest (connection secrets, export files). Kept apart
# from SECRET_KEY so rotating one does not destroy the other. Comma-separated
# Fernet keys; the first encrypts, all decrypt.
ENCRYPTION_KEYS = [k for k in os.environ.get("ENCRYPTION_KEYS", "").split(",") if k]
if not ENCRYPTION_KEYS and (DEBUG or os.environ.get("PERSONVERN_DEV") or "pytest" in sys.modules):
    ENCRYPTION_KEYS = ["ZGV2LW9ubHktZW5jcnlwdGlvbi1rZXktMzItYnl0ZXM="]

ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = [SITE_URL]
# Addresses of reverse proxies whose X-Forwarded-For is believed (accounts.middleware).
TRUSTED_PROXIES = [h.strip() for h in os.environ.get("TRUSTED_PROXIES", "").split(",") if h.strip()]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks",
    "django_tasks_db",
    "personvern.accounts",
    "personvern.audit",
    "personvern.registry",
    "personvern.notices",
    "personvern.rights",
    "personvern.consent",
    "personvern.datasources",
    "personvern.jobs",
    "personvern.outbox",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "personvern.accounts.middleware.ContentSecurityPolicy",
    "personvern.accounts.middleware.ClientAddressFromTrustedProxy",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "personvern.accounts.middleware.RequireTwoFactor",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "personvern.urls"
WSGI_APPLICATION = "personvern.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],  # every template lives in its app (the page frame, base.html, in accounts)
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "personvern.accounts.context.current_org",
                "personvern.outbox.backend.outbox_context",
            ],
        },
    }
]

# SQLite (WAL, immediate transactions so writers queue instead of failing)
# unless DATABASE_URL says otherwise.
_default_db = f"sqlite:///{VAR_DIR / 'personvern.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", _default_db), conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
if os.environ.get("TEST_DB_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": os.environ["TEST_DB_NAME"]}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
AUTHENTICATION_BACKENDS = ["personvern.accounts.backends.EmailOrUsernameBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:orgs"
OTP_TOTP_ISSUER = "personvern"

LANGUAGE_CODE = "nb"
LANGUAGES = [("nb", "Norsk bokmål"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Oslo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = VAR_DIR / "media"
WHITENOISE_USE_FINDERS = True

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# ---- Access and transport security (issue 10; docs/configuration.md, "Security") ----
# Who may create organisations from the web: off (the operators, i.e. superusers, only), members (also staff of
# an existing organisation) or open (any account). Creating one always takes a verified second factor.
PERSONVERN_ORG_CREATION = os.environ.get("PERSONVERN_ORG_CREATION", "off")
if PERSONVERN_ORG_CREATION not in ("off", "members", "open"):
    raise ImproperlyConfigured(f"PERSONVERN_ORG_CREATION={PERSONVERN_ORG_CREATION!r}: use off, members or open.")
# An installation meant as a public demo: `personvern demo` may create its published owner account with DEBUG off.
PERSONVERN_DEMO_INSTALLATION = env_bool("PERSONVERN_DEMO_INSTALLATION")

# HTTPS unless the operator turns it off: redirects to https, HSTS for a year, cookies only over TLS.
# Development (DEBUG), the command line's offline verbs and the test run are plain http. Behind a proxy that
# terminates TLS, SECURE_PROXY_SSL_HEADER names the header it sets to "https" (it must overwrite the client's).
_PLAIN_HTTP = DEBUG or bool(os.environ.get("PERSONVERN_DEV")) or "pytest" in sys.modules


def env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        raise ImproperlyConfigured(f"{name}={os.environ[name]!r}: a whole number is needed.") from None


SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not _PLAIN_HTTP)
SECURE_REDIRECT_EXEMPT = [r"^api/consent/health$"]  # a load balancer's probe over plain http
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if _PLAIN_HTTP else 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
if os.environ.get("SECURE_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + os.environ["SECURE_PROXY_SSL_HEADER"].upper().replace("-", "_"), "https")
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not _PLAIN_HTTP or SITE_URL.startswith("https://"))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Every page carries a Content-Security-Policy: accounts.middleware.ContentSecurityPolicy.
# ---- end of access and transport security ----

# Limits on text from outside, checked before any parser sees it (personvern.core.inputs).
try:
    INPUT_LIMITS = Limits(
        max_depth=int(os.environ.get("PERSONVERN_INPUT_MAX_DEPTH", "32")),
        max_number_length=int(os.environ.get("PERSONVERN_INPUT_MAX_NUMBER_LENGTH", "40")),
        max_values=int(os.environ.get("PERSONVERN_INPUT_MAX_YAML_VALUES", "200000")),
        register_bytes=int(os.environ.get("PERSONVERN_MAX_REGISTER_BYTES", str(1024 * 1024))),
        datamap_bytes=int(os.environ.get("PERSONVERN_MAX_DATAMAP_BYTES", str(512 * 1024))),
        rows_bytes=int(os.environ.get("PERSONVERN_MAX_ROWS_BYTES", str(5 * 1024 * 1024))),
    )
except ValueError as exc:  # a limit that is not a number, or a depth past the ceiling
    raise ImproperlyConfigured(f"input limits (PERSONVERN_INPUT_*, PERSONVERN_MAX_*_BYTES): {exc}") from None

EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))  # seconds: a hung mail server must not hang a page
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "personvern@localhost")
# A development or demo installation (DEBUG) keeps its mail in the outbox page (/outbox/) instead of
# sending it, so the whole tour works with no mail server; production sends over SMTP.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND", "personvern.outbox.backend.OutboxBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend"
)

TASKS = {"default": {"BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# ---- Connection policy (issue 9) ------------------------------------------------------
# What the databases that organisation staff connect may be: the operator decides, staff
# never do (docs/configuration.md, docs/connectors.md; applied in datasources/policy.py).
# personvern's own database and files are refused whatever is set here.


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# Networks (CIDR), addresses or host names that may be reached although they are
# loopback, private, link-local or otherwise not public (e.g. "10.20.0.0/16,db.internal").
PERSONVERN_CONNECTOR_ALLOW = env_list("PERSONVERN_CONNECTOR_ALLOW")
PERSONVERN_CONNECTOR_PUBLIC = env_bool("PERSONVERN_CONNECTOR_PUBLIC", True)  # public addresses at all
PERSONVERN_CONNECTOR_PORTS = os.environ.get("PERSONVERN_CONNECTOR_PORTS", "5432,3306")  # e.g. "5432-5439,3306,6432"
# Directories whose existing SQLite files may be connected; the demo shop's in a demo or development.
PERSONVERN_SQLITE_DIRS = env_list("PERSONVERN_SQLITE_DIRS") + (
    [str(VAR_DIR / "demo-databases")] if DEBUG or PERSONVERN_DEMO_INSTALLATION else []
)
PERSONVERN_CONNECTOR_CONNECT_TIMEOUT = float(os.environ.get("PERSONVERN_CONNECTOR_CONNECT_TIMEOUT", "10"))
PERSONVERN_CONNECTOR_STATEMENT_TIMEOUT = float(os.environ.get("PERSONVERN_CONNECTOR_STATEMENT_TIMEOUT", "300"))
PERSONVERN_CONNECTOR_TEST_TIMEOUT = float(os.environ.get("PERSONVERN_CONNECTOR_TEST_TIMEOUT", "5"))  # "Test connection"
# ---- end of the connection policy ------------------------------------------------------

# Newsletter webhooks (consent/webhook.py): public addresses only, unless a network or address
# is listed here (e.g. "10.20.0.5" for a mailing tool next door); no redirects are followed.
PERSONVERN_WEBHOOK_ALLOW = env_list("PERSONVERN_WEBHOOK_ALLOW")
PERSONVERN_WEBHOOK_TIMEOUT = float(os.environ.get("PERSONVERN_WEBHOOK_TIMEOUT", "10"))  # seconds, the whole exchange
PERSONVERN_WEBHOOK_MAX_ANSWER = int(os.environ.get("PERSONVERN_WEBHOOK_MAX_ANSWER", str(64 * 1024)))  # bytes read
