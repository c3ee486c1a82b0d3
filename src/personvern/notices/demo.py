"""Demo data for `personvern demo`: each example organisation's register gets a second version with
the linter's mechanical fixes (the first stays as the example was found, defects and all, so the
history shows the way out), and that version's notice is published, so the public pages
(/p/<org>/personvern, /privacy) can be opened straight away.

Findings that need the organisation's own judgement stay open: the demo publishes over them with a
logged override that says so, as a real editor would have to.
"""

from django.conf import settings

from personvern.accounts.models import Organisation
from personvern.registry.services import current_version, register_apply_fixes

from .services import current_notice, notice_publish

OVERRIDE = ("Demo: publisert med de mekaniske rettelsene lagt inn; funnene som krever en vurdering fra "
            "organisasjonen, står åpne på erklæringssiden.")


def load_demo() -> list[str]:
    lines = []
    for org in Organisation.objects.filter(register_versions__isnull=False).distinct().order_by("slug"):
        if current_notice(org) is not None:
            continue  # published before: never publish over someone's work
        version = current_version(org)
        if version.number == 1:  # as loaded from the example: nobody has edited it
            fixed = register_apply_fixes(org=org, base=1)
            if fixed is not None:
                lines.append(f"{org.slug:<14} protokoll v{fixed.number}: {fixed.message}")
        notice = notice_publish(org=org, override_reason=OVERRIDE, base_url=settings.SITE_URL)
        lines.append(f"{org.slug:<14} erklæring v{notice.number} publisert: /p/{org.slug}/personvern")
    return lines
