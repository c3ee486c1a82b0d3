"""Rules on the cookie list: every cookie has an expiry and a category; cookies in use are listed."""

from __future__ import annotations

from ...manifest import Channel
from ..engine import Context, rule


@rule("DEF-06", severity="warning",
      citation=("ekomloven 2024; personvernforordningen art. 13; Datatilsynets vedtak 24/01055-10 (2025)",
                "Electronic Communications Act 2024; GDPR Art. 13; Datatilsynet decision 24/01055-10 (2025)"),
      summary="Cookies are listed when used, each with an expiry and a category, and non-necessary ones "
              "linked to the activity that gives their basis.")
def cookies_described(ctx: Context):
    reg = ctx.reg
    if not reg.cookies:
        for i, a in ctx.activities():
            if Channel.COOKIES in a.channels:
                yield ctx.finding(
                    ("activities", i, "channels"),
                    (f"«{a.name.nb}» bruker informasjonskapsler, men registeret lister ingen.",
                     f'"{a.name.get("en")}" uses cookies, but the register lists none.'),
                    ("List hver informasjonskapsel med navn, leverandør, formål, varighet og kategori.",
                     "List every cookie with name, provider, purpose, expiry and category."))
                break
        return
    linked = {c.activity for c in reg.cookies}
    if None not in linked:  # every cookie is linked: an activity that sets cookies should have its own
        for i, a in ctx.activities():
            if Channel.COOKIES in a.channels and a.id not in linked:
                yield ctx.finding(
                    ("activities", i, "channels"),
                    (f"«{a.name.nb}» samler inn opplysninger gjennom informasjonskapsler, men ingen "
                     "informasjonskapsel i listen hører til behandlingen.",
                     f'"{a.name.get("en")}" collects data through cookies, but no cookie in the list belongs '
                     "to it."),
                    ("List informasjonskapslene og pikslene behandlingen bruker (navn, leverandør, formål, "
                     "varighet, kategori) og knytt dem til den (activity: <id>).",
                     "List the cookies and pixels the activity uses (name, provider, purpose, expiry, "
                     "category) and link them to it (activity: <id>)."))
    for i, c in enumerate(reg.cookies):
        if c.expiry is None:
            yield ctx.finding(
                ("cookies", i, "expiry"),
                (f"Informasjonskapselen «{c.name}» har ingen varighet.", f'The cookie "{c.name}" has no expiry.'),
                ("Oppgi hvor lenge den lagres (f.eks. P13M, PT24H eller session).",
                 "Say how long it is stored (e.g. P13M, PT24H or session)."))
        if c.category is None:
            yield ctx.finding(
                ("cookies", i, "category"),
                (f"Informasjonskapselen «{c.name}» har ingen kategori.", f'The cookie "{c.name}" has no category.'),
                ("Velg necessary, functional, statistics eller marketing; bare necessary kan settes uten samtykke.",
                 "Choose necessary, functional, statistics or marketing; only necessary may be set without consent."))
        elif c.category.value != "necessary" and c.activity is None:
            yield ctx.finding(
                ("cookies", i, "activity"),
                (f"Informasjonskapselen «{c.name}» ({c.category.value}) er ikke knyttet til en behandling.",
                 f'The cookie "{c.name}" ({c.category.value}) is not linked to an activity.'),
                ("Knytt den til behandlingen som gir formål og grunnlag (activity: <id>).",
                 "Link it to the activity that gives its purpose and basis (activity: <id>)."),
                severity="info")
