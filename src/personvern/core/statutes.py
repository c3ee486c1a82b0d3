"""Norwegian statutes a register may cite as the law behind a legal obligation or a public task (GDPR Art. 6(3)).

The one list of them: the linter checks `legal_bases[].law` against it, so that "regnskap" or "loven" is not taken
for a statute just because it contains "lov". Short names as Lovdata gives them (bokmål, definite form).
"""

from __future__ import annotations

import re

STATUTES: tuple[str, ...] = (
    "alkoholloven", "arbeidsmiljøloven", "arkivloven", "aksjeloven", "allmennaksjeloven", "avhendingslova",
    "barnehageloven", "barnevernsloven", "bokføringsloven", "diskrimineringsloven", "eiendomsskatteloven",
    "ekomloven", "finansavtaleloven", "folkehelseloven", "folkeregisterloven", "folketrygdloven", "forbrukerkjøpsloven",
    "forvaltningsloven", "forsikringsavtaleloven", "ferieloven", "helsepersonelloven", "helseregisterloven",
    "hvitvaskingsloven", "husleieloven", "inkassoloven", "kjøpsloven", "kommuneloven", "likestillings- og "
    "diskrimineringsloven", "markedsføringsloven", "merverdiavgiftsloven", "offentleglova", "opplæringslova",
    "pasient- og brukerrettighetsloven", "pasientjournalloven", "personopplysningsloven", "politiregisterloven",
    "regnskapsloven", "revisorloven", "sikkerhetsloven", "skatteforvaltningsloven", "skatteloven",
    "spesialisthelsetjenesteloven", "helse- og omsorgstjenesteloven", "statsansattelova", "straffeloven",
    "strafferegistreringsloven", "tannhelsetjenesteloven", "tolloven", "universitets- og høyskoleloven",
    "vergemålsloven", "yrkesskadeforsikringsloven", "a-opplysningsloven", "angrerettloven", "e-handelsloven",
    "finansforetaksloven", "verdipapirhandelloven", "valgloven", "plan- og bygningsloven", "utlendingsloven",
    "sosialtjenesteloven", "smittevernloven", "introduksjonsloven", "integreringsloven", "pengespilloven",
)

# A statute by its short name (also without the definite ending: "bokføringslov"), a regulation cited by date and
# number ("forskrift 2. juli 2018 nr. 1107"), an act by date and number ("lov 15. juni 2018 nr. 38"), or an EU act.
_STEMS = sorted({re.sub(r"(?:en|a)$", "", s) for s in STATUTES}, key=len, reverse=True)
STATUTE_RE = re.compile(
    r"(?<![\wæøå])(?:" + "|".join(re.escape(s) for s in _STEMS) + r")(?:en|a|ens)?(?![\wæøå])"
    r"|(?:lov|forskrift)\s+(?:av\s+)?\d{1,2}\.\s*\w+\s+\d{4}\s+nr\.?\s*\d+"
    r"|\blov\s+om\s+[\wæøå]{4,}"
    r"|\b(?:LOV|FOR)-\d{4}-\d{2}-\d{2}-\d+"
    r"|\((?:EU|EF|EØS)\)\s*(?:nr\.\s*)?\d{2,4}/\d+|\b(?:forordning|regulation|direktiv|directive)\b[^.]{0,20}\d{2,4}/\d+",
    re.IGNORECASE)


def names_statute(text: str | None) -> bool:
    """The text names a Norwegian statute of the list, a regulation or act by date and number, or an EU act."""
    return bool(text) and STATUTE_RE.search(text) is not None
