"""Regenerate the real application schemas under tests/realschemas/<app>/schema.sql.

Each application is installed from PyPI into a throwaway virtualenv (never into the
project's own dependencies), its Django migrations run against a fresh SQLite file with
minimal settings, and the resulting DDL is written out with the package and version it
came from. The tests only read the committed DDL, so they stay fast and offline.

    python tests/realschemas/build.py [oscar] [helpdesk]
"""

from __future__ import annotations

import sqlite3
import subprocess
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


def build(app: str) -> Path:
    spec = APPS[app]
    with tempfile.TemporaryDirectory(prefix=f"realschema-{app}-") as tmp:
        work = Path(tmp)
        venv = work / "venv"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
        subprocess.run(pip + [spec["package"], DJANGO], check=True)
        db = work / "schema.sqlite3"
        (work / "schema_settings.py").write_text(
            SETTINGS.format(db=str(db), apps=spec["installed_apps"], extra=spec["extra"])
        )
        env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(work), "DJANGO_SETTINGS_MODULE": "schema_settings"}
        subprocess.run([str(venv / "bin" / "django-admin"), "migrate", "--noinput", "--skip-checks", "-v0"], check=True, env=env, cwd=work)
        statements = schema_sql(db)
    out = HERE / app / "schema.sql"
    out.parent.mkdir(exist_ok=True)
    header = textwrap.dedent(
        f"""\
        -- Schema of {spec['what']}: {spec['package']} with {DJANGO},
        -- made by its own migrations on SQLite (tests/realschemas/build.py; do not edit by hand).
        """
    )
    out.write_text(header + "".join(s.strip() + ";\n" for s in statements), encoding="utf-8")
    return out


if __name__ == "__main__":
    for name in sys.argv[1:] or list(APPS):
        path = build(name)
        print(f"{name}: {path.relative_to(HERE.parents[1])}")
