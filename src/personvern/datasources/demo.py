"""Demo data for `personvern demo`: a small shop database connected to Backe.

The shop's tables carry what the Backe notice promises: job applications
deleted after 12 months, store sales and newsletters. The register gets the
rules that tie those promises to the tables, as a new version.
"""

import sys
from pathlib import Path

from django.conf import settings

from personvern.accounts.models import Organisation
from personvern.core.manifest import EnforcementRule, System, Text
from personvern.registry.services import current_register, register_save

from .models import Connection

DEMO_ORG = "backe"
SHOP_SYSTEM = "nettbutikk"
SHOP_ACTIVITIES = {"butikksalg", "kundeoppfolging", "jobbsoknader", "nyhetsbrev"}
SHOP_CUSTOMERS = 500


def load_demo() -> list[str]:
    org = Organisation.objects.filter(slug=DEMO_ORG).first()
    repo = Path(settings.BASE_DIR).parent.parent
    if org is None or not (repo / "examples" / "shop").is_dir():
        return []
    # A folder of its own, which development settings allow (PERSONVERN_SQLITE_DIRS): the
    # connection policy never opens a file directly in the var directory.
    db = Path(settings.VAR_DIR) / "demo-databases" / "shop.sqlite3"
    db.parent.mkdir(exist_ok=True)
    earlier = Path(settings.VAR_DIR) / "demo-shop.sqlite3"  # where demos before the policy kept it
    if earlier.exists() and not db.exists():
        earlier.rename(db)
    Connection.objects.filter(organisation=org, slug="shop", url=f"sqlite:///{earlier}").update(url=f"sqlite:///{db}")
    if not db.exists():
        sys.path.insert(0, str(repo))
        from examples.shop.generate import build_shop

        build_shop(f"sqlite:///{db}", SHOP_CUSTOMERS, 42)
    connection, _ = Connection.objects.get_or_create(
        organisation=org,
        slug="shop",
        defaults={"name": "Nettbutikk (demo)", "url": f"sqlite:///{db}", "system_id": SHOP_SYSTEM},
    )
    if not connection.datamap:
        connection.datamap = (repo / "examples" / "shop" / "datamap.yaml").read_text(encoding="utf-8")
        connection.save()
    register = current_register(org)
    if register.system(SHOP_SYSTEM) is None:
        register.systems.append(System(id=SHOP_SYSTEM, name="Nettbutikkens database", description=Text(nb="Kunder, ordre, fakturaer, nyhetsbrev, jobbsøknader og kundeservice", en="Customers, orders, invoices, newsletter, job applications and customer service")))
        for activity in register.activities:
            if activity.id in SHOP_ACTIVITIES and SHOP_SYSTEM not in activity.systems:
                activity.systems.append(SHOP_SYSTEM)
        applications = register.activity("jobbsoknader")
        if applications and applications.retention and not applications.retention.enforcement:
            applications.retention.enforcement.append(
                EnforcementRule(connection="shop", table="job_applications", timestamp="submitted_at")
            )
        register_save(org=org, register=register, message="Nettbutikkens database koblet til protokollen; jobbsøknader slettes etter 12 måneder")
    return [f"{org.slug:<14} connected to a demo shop database ({SHOP_CUSTOMERS} customers): {db}"]
