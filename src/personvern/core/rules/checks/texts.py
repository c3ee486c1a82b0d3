"""Rules on the literal text a register carries (notes, statements, law strings, addresses): outdated law,
invalid transfer mechanisms, the old Datatilsynet address, the wrong child age.

The patterns follow legal-rules.md N6 (linter regex pack). Each field is reported once per rule.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import cache
from typing import get_args, get_origin

from pydantic import BaseModel

from ...fixes import REMOVE, Edit, regex_substitute, text_edit
from ...manifest import Channel, RecipientRole, Register, Text
from ..engine import Context, rule, text_of

# --------------------------------------------------------------------------
# The texts of a register, each with its location and its neighbours
# --------------------------------------------------------------------------


# Plain-string fields worth reading (law strings, references, street names); other strings are ids, names, URLs,
# e-mail addresses, codes and durations, and Text fields are always read.
STRING_FIELDS = frozenset({"law", "reference", "street", "postbox"})


def _holds(annotation, kinds: tuple) -> bool:
    if isinstance(annotation, type) and issubclass(annotation, kinds):
        return True
    return any(_holds(a, kinds) for a in get_args(annotation))


@cache
def _plan(cls: type[BaseModel]) -> tuple[tuple[str, str], ...]:
    """The fields of a model class to read: ('text', name) for Text, ('str', name) for the string fields above,
    ('model', name) for nested models or lists of them. Computed once per class from the annotations."""
    plan = []
    for name, f in cls.model_fields.items():
        if name == "internal_note":  # the organisation's own note: never published, so never read as notice text
            continue
        if get_origin(f.annotation) is list:
            if _holds(f.annotation, (BaseModel,)):  # Text is a BaseModel too
                plan.append(("model", name))
        elif _holds(f.annotation, (Text,)):
            plan.append(("text", name))
        elif _holds(f.annotation, (BaseModel,)):
            plan.append(("model", name))
        elif name in STRING_FIELDS:
            plan.append(("str", name))
    return tuple(plan)


def _walk(obj, loc: tuple, out: list) -> None:
    for kind, name in _plan(type(obj)):
        value = getattr(obj, name)
        if value is None:
            continue
        if kind == "model":
            if isinstance(value, list):
                for i, item in enumerate(value):
                    if isinstance(item, Text):
                        out.append((loc + (name, i), text_of(item)))
                    elif isinstance(item, BaseModel):
                        _walk(item, loc + (name, i), out)
            elif isinstance(value, BaseModel):
                _walk(value, loc + (name,), out)
        elif kind == "text":
            out.append((loc + (name,), text_of(value)))
        elif isinstance(value, str):
            out.append((loc + (name,), value))


def register_texts(reg: Register) -> list[tuple[tuple, str]]:
    """(location, text) for every text in the register worth reading (both languages in one string)."""
    out: list[tuple[tuple, str]] = []
    _walk(reg, (), out)
    return out


class _Corpus:
    """All texts joined into one lower-case string, so each pattern runs once per register."""

    SEP = "\n\x00\n"

    def __init__(self, reg: Register):
        self.items = register_texts(reg)
        self.starts: list[int] = []
        pos, parts = 0, []
        for _, text in self.items:
            self.starts.append(pos)
            low = text.lower()
            parts.append(low if len(low) == len(text) else text)  # offsets must stay the same
            pos += len(text) + len(self.SEP)
        self.lower = self.SEP.join(parts)
        self._siblings: dict[tuple, str] | None = None

    def context(self, k: int) -> str:
        """The lower-case text of the fields next to text k (a law string's note and description)."""
        if self._siblings is None:
            groups: dict[tuple, list[str]] = {}
            for loc, text in self.items:
                groups.setdefault(loc[:-1], []).append(text)
            self._siblings = {parent: "\n".join(texts).lower() for parent, texts in groups.items()}
        return self._siblings[self.items[k][0][:-1]]


def _corpus(ctx: Context) -> _Corpus:
    corpus = ctx.memo.get("texts")
    if corpus is None:
        corpus = ctx.memo["texts"] = _Corpus(ctx.reg)
    return corpus


def _scan(ctx: Context, needles: tuple[str, ...], pattern: re.Pattern, context_pattern: re.Pattern | None = None,
          window: int = 200):
    """(loc, matches) for each text where `pattern` matches, with `context_pattern` within `window` characters
    (in the text or its neighbouring fields). The texts are searched in lower case, and only when one of the
    `needles` occurs at all."""
    corpus = _corpus(ctx)
    if not any(n in corpus.lower for n in needles):
        return
    found: dict[int, list] = {}
    for m in pattern.finditer(corpus.lower):
        k = bisect_right(corpus.starts, m.start()) - 1
        if context_pattern is not None:
            near = corpus.lower[max(corpus.starts[k], m.start() - window): m.end() + window]
            if not context_pattern.search(near) and not context_pattern.search(corpus.context(k)):
                continue
        found.setdefault(k, []).append(m)
    for k, matches in found.items():
        yield corpus.items[k][0], matches


# --------------------------------------------------------------------------
# Repealed Norwegian law
# --------------------------------------------------------------------------

OLD_ACT_RE = re.compile(r"personopplysningslov(?:en)?\s*(?:av\s*|fra\s*)?(?:\(\s*)?2000|14\.\s*april\s*2000|"
                        r"2000-04-14-31|nl-20000414-031")


@rule("NO-POL-2", severity="warning",
      summary="No reference to the repealed Personal Data Act of 2000.",
      citation=("personopplysningsloven 2000 (LOV-2000-04-14-31), opphevet 20. juli 2018 ved lov 15. juni "
                "2018 nr. 38",
                "Personal Data Act 2000 (LOV-2000-04-14-31), repealed on 20 July 2018 by lov 15. juni 2018 "
                "nr. 38"))
def old_act(ctx: Context):
    for loc, _ in _scan(ctx, ("2000",), OLD_ACT_RE):
        yield ctx.finding(
            loc,
            ("Teksten viser til personopplysningsloven av 2000, som ble opphevet 20. juli 2018.",
             "The text refers to the Personal Data Act of 2000, repealed on 20 July 2018."),
            ("Vis til personvernforordningen og personopplysningsloven (lov 15. juni 2018 nr. 38).",
             "Refer to the GDPR and the Personal Data Act (lov 15. juni 2018 nr. 38)."),
            fix=text_edit(ctx.reg, loc, OLD_ACT_FIX))


# "personopplysningsloven (av) 2000" names the Act by its year: the Act in force has the same short name.
OLD_ACT_FIX = regex_substitute(
    re.compile(r"personopplysningslov(en|ens)?\s*(?:av\s*|fra\s*)?(?:\(\s*2000\s*\)|2000)", re.I),
    lambda m, lang: f"personopplysningslov{m.group(1) or ''} (lov 15. juni 2018 nr. 38)")


OLD_SECTION_RE = re.compile(r"personopplysningslov(?:en|ens)?\s*§+\s*(18|19|20|27|28)\b")
OLD_SECTION_CONTEXT = re.compile(r"innsyn|informasjon|rett(?:ing|et|e)\b|slett|access|informa|rectif|correct|"
                                 r"erasure|delet")
OLD_SECTION_TODAY = {"18": "artikkel 15", "19": "artikkel 13", "20": "artikkel 14", "27": "artikkel 16",
                     "28": "artikkel 17"}


@rule("NO-POL-3", severity="warning",
      citation=("personopplysningsloven 2000 §§ 18–20, 27 og 28 (opphevet 20. juli 2018); nå "
                "personvernforordningen art. 13–17",
                "Personal Data Act 2000 §§ 18-20, 27 and 28 (repealed 20 July 2018); now GDPR Art. 13-17"),
      summary="No old section numbers of the 2000 Act (§ 18 access, § 19/20 information, § 27 rectification, "
              "§ 28 erasure) where the text is about those rights.")
def old_sections(ctx: Context):
    for loc, matches in _scan(ctx, ("personopplysningslov",), OLD_SECTION_RE, OLD_SECTION_CONTEXT):
        sections = sorted({m.group(1) for m in matches}, key=int)
        old = ", ".join(f"§ {s}" for s in sections)
        today_nb = ", ".join(f"§ {s} → {OLD_SECTION_TODAY[s]}" for s in sections)
        today_en = ", ".join(f"§ {s} → Article {OLD_SECTION_TODAY[s].split()[1]}" for s in sections)
        yield ctx.finding(
            loc,
            (f"Teksten viser til personopplysningsloven {old} i loven av 2000, som er opphevet.",
             f"The text cites personopplysningsloven {old} of the repealed Act of 2000."),
            (f"Vis til personvernforordningen i stedet ({today_nb}).",
             f"Cite the GDPR instead ({today_en})."),
            fix=text_edit(ctx.reg, loc, OLD_SECTION_FIX))


# The 2000 Act's sections that have one provision of the GDPR in their place. § 18 first paragraph (general
# information to anyone who asks) has none: cited in brackets, the citation is dropped (it only supported the
# sentence); cited in the sentence itself, the text needs the organisation's own words, so there is no fix.
OLD_SECTION_IN_FORCE = {"18-2": 15, "19": 13, "20": 14, "27": 16, "28": 17}
_OLD_SECTION = (r"personopplysningslov(?:en|ens)?\s*§+\s*(18|19|20|27|28)\b"
                r"(?:\s*,?\s*(?:(1|2)\.|(første|andre|first|second))\s*(?:ledd|paragraph))?")
_ORDINAL = {"første": "1", "first": "1", "andre": "2", "second": "2"}


def _section_in_force(m: re.Match) -> int | None:
    section, paragraph = m.group(1), m.group(2) or _ORDINAL.get((m.group(3) or "").lower())
    return OLD_SECTION_IN_FORCE.get(section if section != "18" else f"18-{paragraph}")


def _old_section_fix(text: str, lang: str) -> str:
    def bracketed(m: re.Match) -> str:
        article = _section_in_force(m)
        if article is None:
            return ""
        return f" ({'personvernforordningen artikkel' if lang == 'nb' else 'GDPR Article'} {article})"

    def inline(m: re.Match) -> str:
        article = _section_in_force(m)
        if article is None:
            return m.group(0)
        return f"{'personvernforordningen artikkel' if lang == 'nb' else 'GDPR Article'} {article}"

    text = re.sub(r"\s*\(\s*" + _OLD_SECTION + r"\s*\)", bracketed, text, flags=re.I)
    return re.sub(_OLD_SECTION, inline, text, flags=re.I)


OLD_SECTION_FIX = _old_section_fix


OLD_CAMERA_RE = re.compile(r"personopplysningsforskriften\s*(?:kap(?:ittel)?\.?\s*[89]\b|§\s*[89]-)|"
                           r"personopplysningsloven\s*§+\s*(?:3[6-9]|4[01])\b")


@rule("NO-CAM-4", severity="warning",
      citation=("personopplysningsforskriften 2000 (FOR-2000-12-15-1265) kap. 8 og 9, opphevet; nå "
                "forskrift 2. juli 2018 nr. 1107 og nr. 1108",
                "Personal Data Regulation 2000 (FOR-2000-12-15-1265) ch. 8 and 9, repealed; now forskrift "
                "2. juli 2018 nr. 1107 and nr. 1108"),
      summary="No camera or e-mail rules cited from the repealed 2000 regulation (ch. 8/9) or Act §§ 36-41.")
def old_camera_rules(ctx: Context):
    for loc, _ in _scan(ctx, ("personopplysnings",), OLD_CAMERA_RE):
        yield ctx.finding(
            loc,
            ("Teksten viser til kamera- eller e-postreglene i 2000-regelverket, som er opphevet.",
             "The text cites the camera or e-mail rules of the repealed 2000 rules."),
            ("Kamera på arbeidsplassen: forskrift 2. juli 2018 nr. 1107; ellers personvernforordningen. "
             "E-post: forskrift 2. juli 2018 nr. 1108.",
             "Workplace cameras: forskrift 2. juli 2018 nr. 1107; otherwise the GDPR. "
             "E-mail: forskrift 2. juli 2018 nr. 1108."))


# --------------------------------------------------------------------------
# Cookies: the old ekomlov rule and browser-settings "consent"
# --------------------------------------------------------------------------

OLD_EKOM_RE = re.compile(r"§\s*2-7\s*b\b")
EKOM_CONTEXT = re.compile(r"ekom|elektronisk kommunikasjon|electronic communications|informasjonskaps|cookie")


@rule("NO-EKOM-2", severity="warning",
      citation=("ekomloven 2024 (i kraft 1. januar 2025), som erstattet ekomloven 2003 § 2-7 b; "
                "paragrafnummeret § 3-15 er ikke verifisert",
                "Electronic Communications Act 2024 (in force 1 January 2025), replacing ekomloven 2003 § 2-7 b; "
                "the section number § 3-15 is not verified"),
      summary="No reference to the old cookie rule, ekomloven § 2-7 b (replaced 1 January 2025).")
def old_cookie_rule(ctx: Context):
    for loc, _ in _scan(ctx, ("2-7",), OLD_EKOM_RE, EKOM_CONTEXT, window=120):
        yield ctx.finding(
            loc,
            ("Teksten viser til ekomloven § 2-7 b, som ble erstattet av den nye ekomloven 1. januar 2025.",
             "The text cites ekomloven § 2-7 b, replaced by the new Electronic Communications Act on 1 January 2025."),
            ("Vis til den nye ekomloven (lov 2024, i kraft 1. januar 2025). Bestemmelsen omtales ofte som § 3-15, "
             "men nummeret er ikke bekreftet mot Lovdata; kontroller før dere skriver det.",
             "Cite the new Electronic Communications Act (2024, in force 1 January 2025). Its cookie provision is "
             "often cited as § 3-15, but the number is not confirmed against Lovdata; check before writing it."),
            fix=text_edit(ctx.reg, loc, OLD_EKOM_FIX))


# The Act in force is cited by its name and year, as the notice does, not by a section number that is not
# confirmed (legal-rules NO-EKOM-2).
OLD_EKOM_FIX = regex_substitute(
    re.compile(r"(?:(?:ekomlov(?:en|a)|(?:the\s+)?electronic\s+communications\s+act|lov\s+om\s+elektronisk\s+"
               r"kommunikasjon)\s*[-–]?\s*)?§\s*2-7\s*b\b", re.I),
    lambda m, lang: ("ekomloven (lov om elektronisk kommunikasjon av 2024)" if lang == "nb"
                     else "the Electronic Communications Act of 2024 (ekomloven)"))


BROWSER_CONSENT_RE = re.compile(
    r"(?:nettleser|browser)[^.]{0,100}(?:innstilling|skrudd av|slått av|setting|turned off|disabled)|"
    r"(?:innstilling|skrudd av|slått av|setting|turned off|disabled)[^.]{0,100}(?:nettleser|browser)",)
CONSENT_CONTEXT = re.compile(r"samtykke|consent")


@rule("NO-EKOM-1", severity="warning",
      citation=("ekomloven 2024 (i kraft 1. januar 2025); personvernforordningen art. 4 nr. 11 og art. 7",
                "Electronic Communications Act 2024 (in force 1 January 2025); GDPR Art. 4(11) and 7"),
      summary="Consent to cookies is not inferred from browser settings (ekomloven 2024).")
def browser_settings_consent(ctx: Context):
    for loc, _ in _scan(ctx, ("nettleser", "browser"), BROWSER_CONSENT_RE, CONSENT_CONTEXT, window=150):
        yield ctx.finding(
            loc,
            ("Teksten behandler nettleserinnstillinger som samtykke til informasjonskapsler.",
             "The text treats browser settings as consent to cookies."),
            ("Siden 1. januar 2025 må samtykke til informasjonskapsler oppfylle personvernforordningens krav: en "
             "aktiv, frivillig og spesifikk handling, like lett å avslå som å godta.",
             "Since 1 January 2025 consent to cookies must meet the GDPR standard: an active, free and specific "
             "act, as easy to refuse as to accept."))


# --------------------------------------------------------------------------
# Transfers, Datatilsynet, children
# --------------------------------------------------------------------------

INVALID_US_RE = re.compile(r"privacy\s*shield|safe\s*harbou?r")
OLD_REGIME_RE = re.compile(r"meldeplikt|konsesjon")
DT_CONTEXT = re.compile(r"datatilsynet")


@rule("DEF-02", severity="warning",
      citation=("EU-domstolen C-362/14 (Schrems I) og C-311/18 (Schrems II); personvernforordningen art. 30 "
                "og 35",
                "CJEU C-362/14 (Schrems I) and C-311/18 (Schrems II); GDPR Art. 30 and 35"),
      summary="No Privacy Shield or Safe Harbor, and no pre-2018 notification or licence to Datatilsynet; an "
              "error when a transfer rests on them.")
def outdated_mechanisms(ctx: Context):
    for loc, _ in _scan(ctx, ("shield", "safe"), INVALID_US_RE):
        in_transfer = "transfer" in loc
        yield ctx.finding(
            loc,
            ("Privacy Shield og Safe Harbor er kjent ugyldige (Schrems I og II) og er ikke grunnlag for overføring.",
             "Privacy Shield and Safe Harbor were declared invalid (Schrems I and II) and are no transfer mechanism."),
            ("For amerikanske mottakere: dpf hvis selskapet står på DPF-listen, ellers standardklausulene 2021/914.",
             "For US recipients: dpf if the company is on the DPF List, otherwise SCC 2021/914."),
            severity="error" if in_transfer else "warning")
    for loc, _ in _scan(ctx, ("meldeplikt", "konsesjon"), OLD_REGIME_RE, DT_CONTEXT, window=150):
        yield ctx.finding(
            loc,
            ("Teksten nevner meldeplikt eller konsesjon hos Datatilsynet, en ordning som falt bort i 2018.",
             "The text mentions notification to or a licence from Datatilsynet, a scheme that ended in 2018."),
            ("Fjern henvisningen; i dag gjelder protokoll (artikkel 30) og eventuelt vurdering av personvernkonsekvenser.",
             "Remove it; today the record (Article 30) and, where needed, a data protection impact assessment apply."))


OLD_SCC_RE = re.compile(r"2010/87|2001/497|2004/915")


@rule("T-46-SCC", summary="Standard contractual clauses are the 2021/914 set, not the repealed 2001/2004/2010 sets.",
      citation=("Kommisjonens gjennomføringsbeslutning (EU) 2021/914, art. 4 (overgang til 27. desember "
                "2022)",
                "Commission Implementing Decision (EU) 2021/914, Art. 4 (transition until 27 December 2022)"))
def old_scc(ctx: Context):
    for loc, _ in _scan(ctx, ("2010/87", "2001/497", "2004/915"), OLD_SCC_RE):
        yield ctx.finding(
            loc,
            ("Teksten viser til gamle standardklausuler (2001/497, 2004/915 eller 2010/87), som ikke har gitt "
             "garantier siden 27. desember 2022.",
             "The text cites old standard clauses (2001/497, 2004/915 or 2010/87), which have given no safeguards "
             "since 27 December 2022."),
            ("Bruk standardklausulene i beslutning 2021/914 med riktig modul.",
             "Use the standard clauses of Decision 2021/914 with the right module."),
            severity="error" if "transfer" in loc else "warning")


OLD_DT_RE = re.compile(r"tollbugat(?:a|en)\s*3")


@rule("NO-DT-1", severity="warning",
      citation=("personvernforordningen art. 13 nr. 2 d og art. 77; Datatilsynet, Postboks 458 Sentrum, "
                "0105 Oslo",
                "GDPR Art. 13(2)(d) and 77; Datatilsynet, Postboks 458 Sentrum, 0105 Oslo"),
      summary="Datatilsynet's address is Postboks 458 Sentrum, 0105 Oslo; flags a complaint address outside Norway "
              "and the old 'Tollbugata 3' (an error in the complaint address).")
def datatilsynet_address(ctx: Context):
    a = ctx.reg.rights.complaint_address
    if a is not None and ctx.reg.controller.country == "NO" and a.country != "NO":
        yield ctx.finding(
            ("rights", "complaint_address", "country"),
            ("Klageadressen er ikke i Norge; for en norsk virksomhet er Datatilsynet tilsynsmyndigheten.",
             "The complaint address is not in Norway; for a Norwegian organisation the supervisory authority is "
             "Datatilsynet."),
            ("Oppgi Datatilsynet (Postboks 458 Sentrum, 0105 Oslo), eller la complaint_address stå tom. Den "
             "registrerte kan også klage i landet der hen bor eller arbeider (artikkel 77).",
             "Give Datatilsynet (Postboks 458 Sentrum, 0105 Oslo), or leave complaint_address empty. The person may "
             "also complain in the country where they live or work (Article 77)."))
    for loc, _ in _scan(ctx, ("tollbugat",), OLD_DT_RE):
        complaint = loc[:2] == ("rights", "complaint_address")
        fix = (Edit(loc[:2], REMOVE),) if complaint else text_edit(ctx.reg, loc, OLD_DT_FIX)
        yield ctx.finding(
            loc[:2] if complaint else loc,
            ("«Tollbugata 3» er Datatilsynets gamle adresse.", '"Tollbugata 3" is Datatilsynet\'s former address.'),
            ("Datatilsynet: Postboks 458 Sentrum, 0105 Oslo (besøk: Trelastgata 3, 0191 Oslo), www.datatilsynet.no. "
             "La complaint_address stå tom, så bruker erklæringen gjeldende adresse.",
             "Datatilsynet: Postboks 458 Sentrum, 0105 Oslo (visits: Trelastgata 3, 0191 Oslo), www.datatilsynet.no. "
             "Leave complaint_address empty and the notice uses the current address."),
            severity="error" if complaint else "warning", fix=fix)


OLD_DT_FIX = regex_substitute(re.compile(r"tollbugat(?:a|en)\s*3(?:\s*,\s*0152\s*oslo)?", re.I),
                              lambda m, lang: "Postboks 458 Sentrum, 0105 Oslo")


CHILD_16_RE = re.compile(r"(?<![\d,.])16\s*(?:år|years?)\b|under\s*16\b")
CHILD_CONTEXT = re.compile(r"samtykk|consent|barn|child|foreldre|parent")


@rule("DEF-13", severity="warning", summary="No age of 16 for children's consent: Norway's age is 13.")
def child_age(ctx: Context):
    for loc, _ in _scan(ctx, ("16",), CHILD_16_RE, CHILD_CONTEXT, window=120):
        yield ctx.finding(
            loc,
            ("Teksten nevner 16 år i forbindelse med samtykke; i Norge er aldersgrensen 13 år.",
             "The text mentions 16 years in connection with consent; Norway's age is 13."),
            ("Personopplysningsloven § 5: barn kan samtykke selv fra 13 år til informasjonssamfunnstjenester. "
             "(Et forslag om 15 år har vært på høring.)",
             "Personopplysningsloven § 5: children can consent alone from 13 to information society services. "
             "(A proposal for 15 has been on consultation.)"))


# --------------------------------------------------------------------------
# Statements the register itself contradicts
# --------------------------------------------------------------------------

SHARE_NONE_RE = re.compile(
    r"(?:vil|skal)?\s*(?:ikke|aldri)\s+(?:dele|selge|utlevere|gi)[^.]{0,80}(?:andre|tredjepart|noen)|"
    r"deler\s+(?:ikke|aldri|ingen)[^.]{0,60}(?:andre|tredjepart|noen)|"
    r"(?:not|never)\s+(?:share|sell|disclose|pass)[^.]{0,80}(?:others|third part|anyone)|share[^.]{0,30}with no one")


@rule("A13-1e", severity="warning",
      summary="No statement that data is shared with no one (or no third party) beside the processors and other "
              "recipients the register lists.")
def sharing_contradicted(ctx: Context):
    if not ctx.reg.recipients:
        return
    names = [r.name for r in ctx.reg.recipients][:5]
    beyond_processors = any(r.role != RecipientRole.PROCESSOR for r in ctx.reg.recipients)
    for loc, matches in _scan(ctx, ("ikke", "aldri", "ingen", "not", "never", "no one"), SHARE_NONE_RE):
        # A processor is not a "third party" (Art. 4(10)): "no third parties" beside processors only is true.
        if not beyond_processors and all(re.search(r"tredjepart|third part", m.group(0)) for m in matches):
            continue
        yield ctx.finding(
            loc,
            ("Teksten sier at opplysninger ikke deles med andre, men registeret har mottakere "
             f"({', '.join(names)}).",
             f"The text says data is not shared with others, but the register has recipients ({', '.join(names)})."),
            ("Skriv det som faktisk skjer: hvem som får opplysninger (databehandlere, andre mottakere) og hvorfor; "
             "«vi selger ikke opplysningene» kan stå, «vi deler ikke» kan ikke.",
             "Say what actually happens: who receives data (processors, other recipients) and why; \"we do not "
             "sell data\" may stand, \"we do not share\" may not."))


NO_RECORDS_RE = re.compile(r"(?:oppbevarer|lagrer|har|fører)\s+ingen\s+(?:registrering|register|opplysning|data)"
                           r"[^.]{0,40}(?:besøk|kunde|visitor)|"
                           r"keeps?\s+no\s+(?:record|register|data)[^.]{0,40}visitor|no\s+records?\s+of\s+visitors")


# What a copied web page or a template leaves behind: Cloudflare's stand-in for an e-mail address it hid, and a
# template's blanks. A reader cannot use them.
LEFTOVER_RE = re.compile(r"\[\s*email\s*(?:&#160;|\s)*protected\s*\]|lorem ipsum|\[\s*(?:sett inn|insert|navn på|"
                         r"firmanavn|company name)[^\]]{0,40}\]|\bxx\.xx\.xxxx\b")


@rule("A12-1", severity="warning",
      summary="Texts a reader can use: no template leftover or hidden e-mail address ('[email protected]'), and "
              "no statement that no records of visitors are kept beside activities that record them (cameras, web "
              "statistics, cookies).")
def unintelligible_texts(ctx: Context):
    for loc, matches in _scan(ctx, ("protected", "lorem", "[", "xx.xx"), LEFTOVER_RE):
        found = matches[0].group(0)
        yield ctx.finding(
            loc,
            (f"Teksten har en rest fra en mal eller en kopiert nettside («{found}»), som leseren ikke kan bruke.",
             f"The text has a leftover of a template or a copied web page (\"{found}\") that the reader cannot use."),
            ("Skriv inn det som skal stå der (for eksempel e-postadressen), eller fjern setningen.",
             "Write what belongs there (the e-mail address, for instance), or remove the sentence."))
    recording = [a for a in ctx.reg.activities
                 if {Channel.CAMERA, Channel.COOKIES} & set(a.channels) or ctx.cookies_by_activity.get(a.id)]
    if not recording:
        return
    names = ", ".join(f"«{a.name.nb}»" for a in recording[:4])
    names_en = ", ".join(f'"{a.name.get("en")}"' for a in recording[:4])
    for loc, _ in _scan(ctx, ("ingen", "no "), NO_RECORDS_RE):
        yield ctx.finding(
            loc,
            (f"Teksten sier at det ikke lagres opplysninger om besøkende, men registeret har {names}.",
             f"The text says no records of visitors are kept, but the register has {names_en}."),
            ("Fjern utsagnet eller avgrens det (f.eks. «vi fører ingen besøksliste»); kameraopptak og "
             "nettstatistikk er opplysninger om besøkende.",
             'Remove the statement or narrow it (e.g. "we keep no visitor log"); camera recordings and web '
             "statistics are records of visitors."))


# The patterns whose match makes a sentence say something that is wrong today: a published notice leaves such
# sentences out until the organisation rewrites them (core.fixes.published).
WRONG_SENTENCES = {
    "NO-POL-2": OLD_ACT_RE, "NO-POL-3": OLD_SECTION_RE, "NO-CAM-4": OLD_CAMERA_RE, "NO-EKOM-2": OLD_EKOM_RE,
    "DEF-02": re.compile(f"{INVALID_US_RE.pattern}|{OLD_REGIME_RE.pattern}"), "T-46-SCC": OLD_SCC_RE,
    "NO-DT-1": OLD_DT_RE, "DEF-13": CHILD_16_RE,
    # statements the register itself contradicts
    "A13-1e": SHARE_NONE_RE, "A12-1": re.compile(f"{NO_RECORDS_RE.pattern}|{LEFTOVER_RE.pattern}"),
}
