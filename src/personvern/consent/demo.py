"""Demo data for `personvern demo`: the banner set up for every website in each example
register, so the site page shows its snippet, preview and (empty) ledger at once."""

from personvern.accounts.models import Organisation
from personvern.registry.services import current_register

from .services import site_create


def load_demo() -> list[str]:
    lines = []
    for org in Organisation.objects.filter(register_versions__isnull=False).distinct().order_by("slug"):
        if org.consent_sites.exists():
            continue  # set up before (by the demo or by someone): leave it as it is
        register = current_register(org)
        for website in register.controller.websites if register else []:
            site = site_create(org=org, url=website.url)
            lines.append(f"{org.slug:<14} samtykkebanner for {site.url}: /c/{site.key}.js")
    return lines
