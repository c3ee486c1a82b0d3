"""Demo data for `personvern demo`: each example organisation's notice published once,
so its public pages (/p/<org>/personvern, /privacy) can be opened straight away.

The examples keep the defects of the notices they were made from, so most have linter
errors: the demo publishes over them with a logged override that says so, as a real
editor would have to.
"""

from django.conf import settings

from personvern.accounts.models import Organisation

from .services import current_notice, notice_publish

OVERRIDE = "Demo: publisert slik eksemplet står, med linterens funn, for å vise de offentlige sidene."


def load_demo() -> list[str]:
    lines = []
    for org in Organisation.objects.filter(register_versions__isnull=False).distinct().order_by("slug"):
        if current_notice(org) is not None:
            continue  # published before: never publish over someone's work
        notice = notice_publish(org=org, override_reason=OVERRIDE, base_url=settings.SITE_URL)
        lines.append(f"{org.slug:<14} erklæring v{notice.number} publisert: /p/{org.slug}/personvern")
    return lines
