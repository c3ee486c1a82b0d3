"""Rules on each processing activity: purpose, basis, legitimate interest, retention, consent, marketing."""

from __future__ import annotations

import re

from ...manifest import Channel, LegalBasisCode, RetentionRule, parse_duration
from ...statutes import names_statute
from ..engine import Context, rule, text_of

A, B, C, E, F = (LegalBasisCode.CONSENT, LegalBasisCode.CONTRACT, LegalBasisCode.LEGAL_OBLIGATION,
                 LegalBasisCode.PUBLIC_TASK, LegalBasisCode.LEGITIMATE_INTERESTS)


def _name(a) -> str:
    return a.name.nb


def _basis_index(a, code) -> int:
    return next(i for i, b in enumerate(a.legal_bases) if b.basis == code)


def _claims_anonymous(a) -> bool:
    """The register says the data is anonymised, or kept only in aggregate and never linked to a person.
    Then a missing basis or period may mean no personal data is kept, so the gap is a warning, not an error."""
    d = {x.value for x in a.deidentification}
    return "anonymisation" in d or {"aggregation_only", "no_linking"} <= d


ANONYMOUS_HINT = (" Registeret sier at opplysningene anonymiseres eller bare brukes samlet: lagres ingen "
                  "personopplysninger på noe trinn, si det i beskrivelsen; ellers trengs dette også her.",
                  " The register says the data is anonymised or used only in aggregate: if no personal data is "
                  "kept at any stage, say so in the description; otherwise this is needed here too.")


def _soft(a, hint: tuple[str, str]) -> tuple[tuple[str, str], str | None]:
    """(hint, severity): a warning with a note for activities that claim to be anonymous, else as the rule says."""
    if _claims_anonymous(a):
        return (hint[0] + ANONYMOUS_HINT[0], hint[1] + ANONYMOUS_HINT[1]), "warning"
    return hint, None


# --------------------------------------------------------------------------
# Purpose and legal basis
# --------------------------------------------------------------------------


@rule("A13-1c", summary="Every activity states a purpose and at least one legal basis (Art. 6(1)(a)-(f)).")
def purpose_and_basis(ctx: Context):
    for i, a in ctx.activities():
        if a.purpose is None:
            yield ctx.finding(
                ("activities", i, "purpose"),
                (f"«{_name(a)}» har ikke noe formål.", f'"{a.name.get("en")}" states no purpose.'),
                ("Skriv formålet konkret: hva opplysningene brukes til og hvorfor.",
                 "Write the purpose concretely: what the data is used for and why."))
        if not a.legal_bases:
            hint, severity = _soft(a, (
                "Velg grunnlaget i personvernforordningen artikkel 6 nr. 1 (a–f) som gjelder for akkurat dette formålet.",
                "Choose the basis in GDPR Article 6(1)(a)-(f) that applies to this purpose."))
            yield ctx.finding(
                ("activities", i, "legal_bases"),
                (f"«{_name(a)}» har ikke noe behandlingsgrunnlag.", f'"{a.name.get("en")}" states no legal basis.'),
                hint, severity)


@rule("DEF-07", severity="warning",
      summary="One activity lists consent together with legitimate interest, or three or more bases: "
              "the person cannot tell which applies.")
def bases_per_purpose(ctx: Context):
    for i, a in ctx.activities():
        codes = [b.basis for b in a.legal_bases]
        if len(set(codes)) >= 3 or (A in codes and F in codes):
            listed = ", ".join(f"({c.value})" for c in codes)
            yield ctx.finding(
                ("activities", i, "legal_bases"),
                (f"«{_name(a)}» oppgir flere grunnlag på en gang ({listed}); den registrerte kan ikke se hvilket "
                 "som gjelder.",
                 f'"{a.name.get("en")}" gives several bases at once ({listed}); the person cannot tell which applies.'),
                ("Del aktiviteten etter grunnlag, eller si for hvem og hva hvert grunnlag gjelder. Samtykke og "
                 "berettiget interesse kan ikke byttes om hverandre for samme formål.",
                 "Split the activity by basis, or say to whom and to what each basis applies. Consent and "
                 "legitimate interest cannot be swapped for the same purpose."))


GENERIC_INTEREST = {
    "berettiget interesse", "berettigede interesser", "legitim interesse", "legitime interesser",
    "vår berettigede interesse", "våre berettigede interesser", "legitimate interest", "legitimate interests",
    "our legitimate interest", "our legitimate interests", "business purposes", "forretningsformål",
    "forretningsmessige formål", "drift av virksomheten",
}


@rule("A13-1d", summary="Basis (f) comes with a specific description of the legitimate interest.")
def legitimate_interest(ctx: Context):
    for i, a in ctx.activities():
        for j, b in enumerate(a.legal_bases):
            if b.basis != F:
                continue
            loc = ("activities", i, "legal_bases", j, "legitimate_interest")
            if b.legitimate_interest is None:
                yield ctx.finding(
                    loc,
                    (f"«{_name(a)}» bygger på berettiget interesse uten å si hvilken interesse.",
                     f'"{a.name.get("en")}" relies on legitimate interest without saying which interest.'),
                    ("Beskriv interessen konkret (hva dere oppnår, hvorfor det veier tyngre enn personvernet), og "
                     "ha interesseavveiningen dokumentert.",
                     "Describe the interest concretely (what you achieve, why it outweighs the person's privacy), "
                     "and keep the balancing test on file."))
                continue
            text = b.legitimate_interest.nb.strip().rstrip(".").lower()
            if text in GENERIC_INTEREST or len(text.split()) < 4:
                yield ctx.finding(
                    loc,
                    (f"Den berettigede interessen for «{_name(a)}» er generell («{b.legitimate_interest.nb}»).",
                     f'The legitimate interest for "{a.name.get("en")}" is generic ("{b.legitimate_interest.get("en")}").'),
                    ("Si hvilken konkret interesse behandlingen ivaretar.", "Say which specific interest the processing serves."),
                    severity="warning")
            elif re.search(r"samtykke|\bconsent", text):
                yield ctx.finding(
                    loc,
                    (f"Den berettigede interessen for «{_name(a)}» beskriver samtykke, ikke en interesse "
                     f"(«{b.legitimate_interest.nb}»).",
                     f'The legitimate interest for "{a.name.get("en")}" describes consent, not an interest '
                     f'("{b.legitimate_interest.get("en")}").'),
                    ("Samtykke (a) og berettiget interesse (f) er to ulike grunnlag; velg ett og beskriv det.",
                     "Consent (a) and legitimate interest (f) are different bases; choose one and describe it."),
                    severity="warning")


# What counts as a statute lives in core.statutes (one list of Norwegian laws).
# The general data protection act (and the GDPR) are never the obligation behind basis (c) on their own.
GENERAL_ACT_RE = re.compile(r"personopplysningslov\w*|personvernforordning\w*|\bgdpr\b", re.IGNORECASE)


@rule("LB-6-3", summary="Basis (c) or (e) names the law it rests on, as a statute (e.g. 'bokføringsloven § 13').")
def basis_in_law(ctx: Context):
    for i, a in ctx.activities():
        for j, b in enumerate(a.legal_bases):
            if b.basis not in (C, E):
                continue
            loc = ("activities", i, "legal_bases", j, "law")
            kind = ("rettslig forpliktelse", "legal obligation") if b.basis == C else ("offentlig oppgave", "public task")
            if not b.law:
                yield ctx.finding(
                    loc,
                    (f"«{_name(a)}» bygger på {kind[0]} ({b.basis.value}) uten å nevne loven.",
                     f'"{a.name.get("en")}" relies on {kind[1]} ({b.basis.value}) without naming the law.'),
                    ("Oppgi lov og paragraf, f.eks. «bokføringsloven § 13» eller «skatteforvaltningsloven § 7-1».",
                     "Give the act and section, e.g. 'bokføringsloven § 13' or 'skatteforvaltningsloven § 7-1'."))
            elif GENERAL_ACT_RE.search(b.law) and "§" not in b.law:
                yield ctx.finding(
                    loc,
                    (f"«{b.law}»: personopplysningsloven pålegger ingen plikt til å behandle opplysningene i "
                     f"«{_name(a)}».",
                     f'"{b.law}": personopplysningsloven imposes no obligation to process the data of '
                     f'"{a.name.get("en")}".'),
                    ("Oppgi loven som krever behandlingen, f.eks. «bokføringsloven § 13» for regnskapsmateriale.",
                     "Name the act that requires the processing, e.g. 'bokføringsloven § 13' for accounting records."),
                    severity="warning")
            elif not names_statute(b.law):
                yield ctx.finding(
                    loc,
                    (f"«{b.law}» er ikke navnet på en lov; grunnlaget for «{_name(a)}» må fastsettes i lov.",
                     f'"{b.law}" does not name a statute; the basis for "{a.name.get("en")}" must be laid down by law.'),
                    ("Skriv lovens navn og paragraf, f.eks. «bokføringsloven § 13», «skatteforvaltningsloven § 7-1» "
                     "eller «arbeidsmiljøloven § 14-5».",
                     "Write the act and section, e.g. 'bokføringsloven § 13', 'skatteforvaltningsloven § 7-1' or "
                     "'arbeidsmiljøloven § 14-5'."),
                    severity="warning")


@rule("LB-6", severity="warning",
      summary="A public authority does not use legitimate interest (Art. 6(1) last subparagraph).")
def public_authority_interest(ctx: Context):
    if not ctx.reg.controller.public_authority:
        return
    for i, a in ctx.activities():
        if a.has_basis(F):
            yield ctx.finding(
                ("activities", i, "legal_bases", _basis_index(a, F)),
                (f"Offentlige myndigheter kan ikke bruke berettiget interesse for sine oppgaver («{_name(a)}»).",
                 f'A public authority cannot rely on legitimate interest for its tasks ("{a.name.get("en")}").'),
                ("Bruk (e) med hjemmel i lov, eller forklar hvorfor behandlingen ligger utenfor myndighetsoppgavene.",
                 "Use (e) with a basis in law, or explain why the processing is outside the authority's tasks."))


# --------------------------------------------------------------------------
# Retention
# --------------------------------------------------------------------------

VAGUE_RETENTION_RE = re.compile(
    r"så lenge (?:det er |det |som )?(?:nødvendig|påkrevd)|ikke lenger (?:er )?nødvendig|den enhver tid gjeldende|"
    r"as long as (?:it is |is )?necessary|no longer (?:needed|necessary)", re.IGNORECASE)


def _months(period: str) -> float:
    p = parse_duration(period)
    return (p.get("years", 0) * 12 + p.get("months", 0) + p.get("weeks", 0) * 7 / 30.44
            + p.get("days", 0) / 30.44 + p.get("hours", 0) / 730.5)


@rule("A13-2a", summary="Every activity has a retention period or rule.")
def retention_stated(ctx: Context):
    for i, a in ctx.activities():
        if a.retention is None:
            hint, severity = _soft(a, (
                "Oppgi en periode (f.eks. P12M) eller en regel med hendelsen perioden regnes fra "
                "(f.eks. «12 måneder etter siste kontakt»).",
                "Give a period (e.g. P12M) or a rule with the event it counts from (e.g. '12 months after the "
                "last contact')."))
            yield ctx.finding(
                ("activities", i, "retention"),
                (f"«{_name(a)}» sier ikke hvor lenge opplysningene lagres.",
                 f'"{a.name.get("en")}" does not say how long the data is kept.'),
                hint, severity)
        elif a.retention.law and not names_statute(a.retention.law):
            yield ctx.finding(
                ("activities", i, "retention", "law"),
                (f"«{a.retention.law}» er ikke navnet på en lov («{_name(a)}»).",
                 f'"{a.retention.law}" does not name a statute ("{a.name.get("en")}").'),
                ("Skriv loven og paragrafen som krever lagringen, f.eks. «bokføringsloven § 13».",
                 "Write the act and section that require keeping the data, e.g. 'bokføringsloven § 13'."),
                severity="warning")
        elif a.retention.rule == RetentionRule.STATUTORY and not a.retention.law and not a.retention.period:
            yield ctx.finding(
                ("activities", i, "retention", "law"),
                (f"«{_name(a)}» lagrer «så lenge loven krever» uten å si hvilken lov eller hvor lenge.",
                 f'"{a.name.get("en")}" keeps data "as long as the law requires" without saying which law or how long.'),
                ("Oppgi loven (f.eks. bokføringsloven § 13) og perioden (f.eks. P5Y).",
                 "Give the law (e.g. bokføringsloven § 13) and the period (e.g. P5Y)."),
                severity="warning")


@rule("DEF-01", summary="Retention is not just 'as long as necessary' with no period, event or statute.")
def retention_not_vague(ctx: Context):
    for i, a in ctx.activities():
        r = a.retention
        if r is None or r.period:
            continue
        vague_text = bool(r.description and VAGUE_RETENTION_RE.search(text_of(r.description)))
        if r.rule in (None, RetentionRule.UNTIL_PURPOSE_FULFILLED) and (vague_text or r.rule is not None):
            yield ctx.finding(
                ("activities", i, "retention"),
                (f"Lagringstiden for «{_name(a)}» er bare «så lenge det er nødvendig»; den registrerte kan ikke "
                 "se hvor lenge.",
                 f'The retention for "{a.name.get("en")}" is only "as long as necessary"; the person cannot tell '
                 "how long."),
                ("Oppgi en periode, eller kriteriene: hendelsen perioden regnes fra og lengden "
                 "(f.eks. «slettes 12 måneder etter at kundeforholdet opphører»).",
                 "Give a period, or the criteria: the event it counts from and the length (e.g. 'deleted 12 months "
                 "after the customer relationship ends')."),
                severity="error" if vague_text else "warning")


ACCOUNTING_RE = re.compile(r"bokf[øo]ring|regnskap|accounting|bookkeeping", re.IGNORECASE)


def _is_accounting(a) -> bool:
    texts = [b.law or "" for b in a.legal_bases] + [a.retention.law or "" if a.retention else "", a.name.nb,
                                                    text_of(a.purpose) if a.purpose else ""]
    return ACCOUNTING_RE.search("\n".join(texts)) is not None


@rule("NO-BOKF-1", severity="warning",
      citation=("bokføringsloven § 13 (5 år for primærdokumentasjon, 3 år og 6 måneder for sekundærdokumentasjon)",
                "bokføringsloven § 13 (5 years for primary documentation, 3 years 6 months for secondary)"),
      summary="An accounting activity keeps data at least 5 years (bokføringsloven § 13); warns when it keeps "
              "less or gives no period, notes when it keeps much longer.")
def accounting_retention(ctx: Context):
    for i, a in ctx.activities():
        if not _is_accounting(a):
            continue
        r = a.retention
        period = r.period if r else None
        if period is None:
            yield ctx.finding(
                ("activities", i, "retention", "period"),
                (f"«{_name(a)}» gjelder regnskap, men oppgir ingen lagringsperiode.",
                 f'"{a.name.get("en")}" concerns accounting but gives no retention period.'),
                ("Primærdokumentasjon skal oppbevares i 5 år etter regnskapsårets slutt (bokføringsloven § 13), "
                 "sekundærdokumentasjon i 3 år og 6 måneder: skriv f.eks. period: P5Y og law: bokføringsloven § 13.",
                 "Primary documentation is kept 5 years after the end of the financial year (bokføringsloven § 13), "
                 "secondary documentation 3 years 6 months: write e.g. period: P5Y and law: bokføringsloven § 13."))
        elif _months(period) < 60 - 0.01:
            yield ctx.finding(
                ("activities", i, "retention", "period"),
                (f"«{_name(a)}» lagrer regnskapsopplysninger kortere enn bokføringslovens 5 år ({period}).",
                 f'"{a.name.get("en")}" keeps accounting data for less than the 5 years of bokføringsloven ({period}).'),
                ("Primærdokumentasjon: 5 år etter regnskapsårets slutt. Gjelder perioden bare sekundærdokumentasjon "
                 "(3 år og 6 måneder), si det i beskrivelsen.",
                 "Primary documentation: 5 years after the end of the financial year. If the period covers only "
                 "secondary documentation (3 years 6 months), say so in the description."))
        elif _months(period) > 120:
            yield ctx.finding(
                ("activities", i, "retention", "period"),
                (f"«{_name(a)}» lagrer i {period}, langt ut over bokføringslovens 5 år.",
                 f'"{a.name.get("en")}" keeps data for {period}, far beyond the 5 years of bokføringsloven.'),
                ("Det som lagres lenger enn loven krever, trenger et eget formål og grunnlag, og en begrunnelse for "
                 "lengden (lagringsbegrensning, artikkel 5 nr. 1 bokstav e).",
                 "What is kept longer than the law requires needs its own purpose, basis and a reason for the "
                 "length (storage limitation, Article 5(1)(e))."),
                severity="info")


@rule("NO-CAM-1", severity="warning",
      citation=("personvernforordningen art. 5 nr. 1 e; Prop. 56 LS (2017–2018) kap. 18; Datatilsynets "
                "veiledning om kameraovervåking (7 dager som tommelfingerregel); EDPB-retningslinjer 3/2019",
                "GDPR Art. 5(1)(e); Prop. 56 LS (2017-2018) ch. 18; Datatilsynet guidance on camera "
                "surveillance (7 days as a rule of thumb); EDPB Guidelines 3/2019"),
      summary="Camera recordings kept longer than 7 days need a documented reason (Datatilsynet's rule of thumb).")
def camera_retention(ctx: Context):
    for i, a in ctx.activities():
        if Channel.CAMERA not in a.channels or not a.retention or not a.retention.period:
            continue
        if _months(a.retention.period) * 30.44 > 7.01 and not a.retention.description:
            yield ctx.finding(
                ("activities", i, "retention", "period"),
                (f"Kameraopptak i «{_name(a)}» lagres lenger enn 7 dager uten begrunnelse.",
                 f'Camera recordings in "{a.name.get("en")}" are kept longer than 7 days with no reason given.'),
                ("Datatilsynet regner 7 dager som en tommelfingerregel; lengre lagring må dokumenteres som nødvendig.",
                 "Datatilsynet treats 7 days as a rule of thumb; longer storage must be documented as necessary."))


EMPLOYEES_RE = re.compile(r"ansatt|arbeidstaker|medarbeider|employee|staff|personale", re.IGNORECASE)
CAMERA_REGULATION_RE = re.compile(r"1107|kameraovervåking i virksomhet|camera surveillance in (?:the )?workplace",
                                  re.IGNORECASE)
SIGNAGE_RE = re.compile(r"skilt|merk(?:et|ing)|\bsign(?:s|age)?\b", re.IGNORECASE)


def _activity_text(a) -> str:
    parts = [a.name, a.purpose, a.notes, a.retention.description if a.retention else None,
             *(b.note for b in a.legal_bases)]
    return "\n".join([text_of(t) for t in parts if t] + [b.law or "" for b in a.legal_bases]
                     + [a.retention.law or "" if a.retention else ""])


@rule("NO-CAM-2", severity="warning",
      citation=("forskrift 2. juli 2018 nr. 1107 om kameraovervåking i virksomhet; arbeidsmiljøloven § 9-6",
                "Regulation of 2 July 2018 No. 1107 on camera surveillance in workplaces (forskrift om "
                "kameraovervåking i virksomhet); Working Environment Act (arbeidsmiljøloven) § 9-6"),
      summary="Camera surveillance at a workplace (the register has employees) cites forskrift 2. juli 2018 nr. 1107 "
              "and says that signs show the surveillance, whether sound is recorded and who the controller is.")
def workplace_camera(ctx: Context):
    cameras = [(i, a) for i, a in ctx.activities() if Channel.CAMERA in a.channels]
    if not cameras:
        return
    employees = any(EMPLOYEES_RE.search(text_of(d)) for a in ctx.reg.activities for d in a.data_subjects)
    for i, a in cameras:
        text = _activity_text(a)
        in_view = employees or any(EMPLOYEES_RE.search(text_of(d)) for d in a.data_subjects)
        if not in_view or (CAMERA_REGULATION_RE.search(text) and SIGNAGE_RE.search(text)):
            continue
        yield ctx.finding(
            ("activities", i),
            (f"«{_name(a)}» er kameraovervåking i en virksomhet med ansatte, men registeret viser ikke til "
             "forskriften om kameraovervåking i virksomhet eller til skiltingen.",
             f'"{a.name.get("en")}" is camera surveillance at a workplace with employees, but the register cites '
             "neither the regulation on camera surveillance in workplaces nor the signage."),
            ("Kameraovervåking som også fanger ansatte følger forskrift 2. juli 2018 nr. 1107 (gitt med hjemmel i "
             "arbeidsmiljøloven § 9-6): bare for å forebygge farlige situasjoner, ivareta sikkerheten eller et "
             "annet særlig behov, og skilt skal vise at området overvåkes, om lyd tas opp og hvem som er "
             "behandlingsansvarlig. Skriv forskriften og skiltingen i aktiviteten (legal_bases/notes).",
             "Camera surveillance that also covers employees is governed by the regulation of 2 July 2018 No. 1107 "
             "(under arbeidsmiljøloven § 9-6): only to prevent dangerous situations, safeguard safety or another "
             "special need, and signs must show that the area is monitored, whether sound is recorded and who the "
             "controller is. Record the regulation and the signage in the activity (legal_bases/notes)."))


# --------------------------------------------------------------------------
# Consent, marketing and trackers
# --------------------------------------------------------------------------


@rule("A13-2c", severity="warning",
      summary="A consent-based activity says how consent is withdrawn (Art. 7(3), 13(2)(c)).")
def withdrawal_route(ctx: Context):
    for i, a in ctx.activities():
        if not (a.has_basis(A) or (a.art9_condition and a.art9_condition.value == "9.2.a")):
            continue
        if a.withdrawal is None:
            yield ctx.finding(
                ("activities", i, "withdrawal"),
                (f"«{_name(a)}» bygger på samtykke, men sier ikke hvordan samtykket trekkes tilbake.",
                 f'"{a.name.get("en")}" relies on consent but does not say how to withdraw it.'),
                ("Beskriv en vei som er like enkel som å gi samtykket (avmeldingslenke, cookie-innstillinger, "
                 "e-post), og at tilbaketrekking ikke påvirker behandlingen før det.",
                 "Describe a route as easy as giving consent (unsubscribe link, cookie settings, e-mail), and that "
                 "withdrawal does not affect processing before it."),
                severity="warning" if ctx.has_contact_route else "error")


AD_RE = re.compile(r"annons|konverter|målrett|retarget|remarket|piksel|pixel|advertis|conversion|ad targeting",
                   re.IGNORECASE)


def tracking(ctx: Context, a) -> tuple[str, bool] | None:
    """('marketing'|'statistics'|'functional', third_party) when the activity stores or reads on the visitor's
    device (cookies, pixels, tags) for advertising, statistics or functions beyond the strictly necessary;
    None otherwise."""
    cookies = ctx.cookies_by_activity.get(a.id, [])
    categories = {c.category.value for c in cookies if c.category}
    vendors = ctx.activity_vendors(a)
    kinds = {m.kind for m in vendors}
    on_device = Channel.COOKIES in a.channels or bool(cookies)
    on_site = on_device or Channel.WEBSITE in a.channels
    text = a.name.nb + " " + (a.purpose.nb if a.purpose else "")
    third = any(m.kind in ("advertising", "analytics") for m in vendors) or any(c.party == "third" for c in cookies)
    if on_site and ("marketing" in categories or "advertising" in kinds or (on_device and AD_RE.search(text))):
        return "marketing", True
    if on_device and ("statistics" in categories or "analytics" in kinds):
        return "statistics", third
    if "functional" in categories:
        return "functional", any(c.party == "third" for c in cookies)
    return None


@rule("DEF-03",
      citation=("ekomloven (lov 2024, i kraft 1. januar 2025) om lagring av og tilgang til informasjon på "
                "brukerens utstyr; personvernforordningen art. 6 nr. 1 a og art. 7; Datatilsynets pikselvedtak "
                "10. juni 2025",
                "Electronic Communications Act (ekomloven 2024, in force 1 January 2025) on storing and reading "
                "information on the user's device; GDPR Art. 6(1)(a), 7; Datatilsynet's pixel decisions of "
                "10 June 2025"),
      summary="Marketing and advertising trackers (cookies, pixels, tags), and third-party statistics cookies, "
              "rest on consent, never on legitimate interest; first-party statistics and functional cookies warn.")
def trackers_need_consent(ctx: Context):
    for i, a in ctx.activities():
        kind = tracking(ctx, a)
        if kind is None:
            continue
        what, third = kind
        label = {"marketing": ("markedsføring/annonsering", "marketing/advertising"),
                 "statistics": ("statistikk", "statistics"),
                 "functional": ("funksjoner som ikke er strengt nødvendige", "functions that are not strictly "
                                                                            "necessary")}[what]
        # Functional cookies may be strictly necessary for a service the user asked for: a warning at most.
        severity = "warning" if what == "functional" or not (what == "marketing" or third) else "error"
        hint = ("Siden 1. januar 2025 krever ekomloven samtykke etter personvernforordningens standard for å lagre "
                "eller lese informasjon på brukerens utstyr, med mindre det er strengt nødvendig for tjenesten "
                "brukeren ber om. Bruk samtykke (a) gitt i cookie-banneret, og send ikke data før samtykket.",
                "Since 1 January 2025 the Electronic Communications Act requires GDPR-standard consent to store or "
                "read information on the user's device unless strictly necessary for the service requested. Use "
                "consent (a) given in the cookie banner, and send nothing before it.")
        if a.has_basis(F):
            yield ctx.finding(
                ("activities", i, "legal_bases", _basis_index(a, F)),
                (f"«{_name(a)}» bruker sporing til {label[0]} på grunnlag av berettiget interesse.",
                 f'"{a.name.get("en")}" uses tracking for {label[1]} on the basis of legitimate interest.'),
                hint, severity=severity)
        elif not a.has_basis(A) and (a.legal_bases or what == "marketing"):
            yield ctx.finding(
                ("activities", i, "legal_bases"),
                (f"«{_name(a)}» bruker sporing til {label[0]} uten å bygge på samtykke.",
                 f'"{a.name.get("en")}" uses tracking for {label[1]} without relying on consent.'),
                hint, severity=severity)


@rule("NO-MFL-15", severity="warning",
      citation=("markedsføringsloven § 15; Forbrukertilsynets veiledning om markedsføring via e-post og SMS",
                "Marketing Control Act (markedsføringsloven) § 15; Consumer Authority guidance on e-mail "
                "and SMS marketing"),
      summary="Electronic direct marketing rests on consent (or the existing-customer exception, stated).")
def email_marketing_consent(ctx: Context):
    electronic = {Channel.EMAIL, Channel.SMS, Channel.SIGNUP_FORM}
    for i, a in ctx.activities():
        if not a.direct_marketing:
            continue
        text = (a.name.nb + " " + (a.purpose.nb if a.purpose else "")).lower()
        if not (electronic & set(a.channels) or re.search(r"e-?post|nyhetsbrev|sms|newsletter|e-?mail", text)):
            continue
        if a.has_basis(A) and a.has_basis(F):
            # Consent beside legitimate interest: the person cannot tell whether mail comes without consent.
            yield ctx.finding(
                ("activities", i, "legal_bases", _basis_index(a, F)),
                (f"«{_name(a)}» er elektronisk markedsføring på både samtykke og berettiget interesse; "
                 "markedsføringsloven § 15 krever samtykke.",
                 f'"{a.name.get("en")}" is electronic marketing on both consent and legitimate interest; '
                 "markedsføringsloven § 15 requires consent."),
                ("Bygg utsendelsen på samtykke alene, eller beskriv kundeunntaket i § 15 annet ledd (egne kunder, "
                 "egne lignende produkter, adressen fått ved salg, enkel avmelding i hver melding) for dem det gjelder.",
                 "Base the mailing on consent alone, or describe the existing-customer exception of § 15(2) (own "
                 "customers, own similar products, address obtained at a sale, easy opt-out in every message) for "
                 "those it covers."))
        elif not a.has_basis(A):
            yield ctx.finding(
                ("activities", i, "legal_bases"),
                (f"«{_name(a)}» er elektronisk markedsføring uten samtykke som grunnlag.",
                 f'"{a.name.get("en")}" is electronic marketing without consent as its basis.'),
                ("Markedsføringsloven § 15 krever forhåndssamtykke, unntatt til egne kunder om egne lignende "
                 "produkter når adressen ble samlet inn ved salg og det er enkel avmelding i hver melding. "
                 "Bruk samtykke, eller beskriv unntaket.",
                 "Markedsføringsloven § 15 requires prior consent, except to existing customers about the trader's "
                 "own similar products when the address was collected at a sale and every message has an easy "
                 "opt-out. Use consent, or describe the exception."))


@rule("C8-1", severity="info",
      citation=("personvernforordningen art. 8; personopplysningsloven § 5",
                "GDPR Art. 8; personopplysningsloven § 5"),
      summary="Where children are data subjects and consent is the basis: Norway's age is 13 (personopplysningsloven "
              "§ 5); below it a parent consents.")
def children_consent_age(ctx: Context):
    for i, a in ctx.activities():
        if a.children and a.has_basis(A):
            yield ctx.finding(
                ("activities", i, "children"),
                (f"«{_name(a)}» gjelder barn og bygger på samtykke.",
                 f'"{a.name.get("en")}" concerns children and relies on consent.'),
                ("For informasjonssamfunnstjenester kan barn samtykke selv fra 13 år (personopplysningsloven § 5); "
                 "under 13 må foreldre samtykke, og dere må gjøre rimelige anstrengelser for å kontrollere det. "
                 "Et forslag om 15 år har vært på høring (ikke vedtatt så vidt kjent).",
                 "For information society services a child can consent alone from 13 (personopplysningsloven § 5); "
                 "below 13 a parent must consent and you must make reasonable efforts to verify it. A proposal to "
                 "raise the age to 15 has been on consultation (not enacted as far as known)."))


# --------------------------------------------------------------------------
# Record content (Art. 30, Art. 9, Art. 14, Art. 22)
# --------------------------------------------------------------------------


@rule("A30-1c", severity="warning", summary="Every activity describes its categories of data subjects and of data.")
def categories_described(ctx: Context):
    for i, a in ctx.activities():
        missing = []
        if not a.data_subjects:
            missing.append(("hvem opplysningene gjelder", "whose data it is", "data_subjects"))
        if not a.data_categories:
            missing.append(("hvilke opplysninger", "which data", "data_categories"))
        for nb, en, fieldname in missing:
            yield ctx.finding(
                ("activities", i, fieldname),
                (f"«{_name(a)}» sier ikke {nb}.", f'"{a.name.get("en")}" does not say {en}.'),
                ("Protokollen skal beskrive kategoriene av registrerte og av personopplysninger (artikkel 30 nr. 1 c).",
                 "The record must describe the categories of data subjects and of personal data (Article 30(1)(c))."))


@rule("A9", summary="Special categories of data have an Art. 9(2) condition.")
def special_categories(ctx: Context):
    for i, a in ctx.activities():
        if a.special_categories and a.art9_condition is None:
            yield ctx.finding(
                ("activities", i, "art9_condition"),
                (f"«{_name(a)}» behandler særlige kategorier uten et vilkår i artikkel 9 nr. 2.",
                 f'"{a.name.get("en")}" processes special categories without an Article 9(2) condition.'),
                ("Oppgi vilkåret (f.eks. 9.2.a uttrykkelig samtykke, 9.2.b arbeidsrett med personopplysningsloven § 6).",
                 "Give the condition (e.g. 9.2.a explicit consent, 9.2.b employment law with personopplysningsloven § 6)."))


@rule("A14-2f", summary="Data not collected from the person: the source is described.")
def source_described(ctx: Context):
    for i, a in ctx.activities():
        if a.source.from_data_subject:
            continue
        if a.source.description is None:
            yield ctx.finding(
                ("activities", i, "source", "description"),
                (f"«{_name(a)}» henter opplysninger fra andre enn den registrerte uten å si hvorfra.",
                 f'"{a.name.get("en")}" obtains data from others without saying where from.'),
                ("Oppgi kilden, og om den er offentlig tilgjengelig.", "Give the source, and whether it is publicly accessible."))
        elif a.source.publicly_accessible is None:
            yield ctx.finding(
                ("activities", i, "source", "publicly_accessible"),
                (f"«{_name(a)}» sier ikke om kilden er offentlig tilgjengelig.",
                 f'"{a.name.get("en")}" does not say whether the source is publicly accessible.'),
                ("Artikkel 14 nr. 2 bokstav f: si om kilden er offentlig tilgjengelig.",
                 "Article 14(2)(f): say whether the source is publicly accessible."),
                severity="warning")


@rule("A13-2f", summary="Automated decisions (Art. 22) come with their logic, significance and consequences.")
def automated_decisions(ctx: Context):
    for i, a in ctx.activities():
        d = a.automated_decision
        if not d.exists:
            continue
        for fieldname, nb, en in (("logic", "logikken", "the logic"), ("significance", "betydningen", "the significance"),
                                  ("consequences", "konsekvensene", "the consequences")):
            if getattr(d, fieldname) is None:
                yield ctx.finding(
                    ("activities", i, "automated_decision", fieldname),
                    (f"«{_name(a)}» har automatiserte avgjørelser uten å beskrive {nb}.",
                     f'"{a.name.get("en")}" makes automated decisions without describing {en}.'),
                    ("Gi meningsfull informasjon om logikken, betydningen og de forventede konsekvensene.",
                     "Give meaningful information about the logic, significance and envisaged consequences."))


@rule("A13-2e", severity="warning",
      summary="Data the person must give (by law or contract) comes with what happens if it is not given.")
def provision_consequence(ctx: Context):
    for i, a in ctx.activities():
        p = a.provision
        if a.source.from_data_subject and p is None and (a.has_basis(B) or a.has_basis(C)):
            # Art. 13(2)(e) applies to every collection from the person; on a contract or a legal obligation the
            # data is usually required, so the notice must say so and what follows from not giving it.
            yield ctx.finding(
                ("activities", i, "provision"),
                (f"«{_name(a)}» bygger på avtale eller lovplikt, men sier ikke om opplysningene må gis, og hva som "
                 "skjer om de ikke gis.",
                 f'"{a.name.get("en")}" rests on a contract or a legal obligation, but does not say whether the '
                 "data must be given, and what follows if it is not."),
                ("Skriv provision: requirement (contractual, statutory, pre_contractual eller voluntary) og "
                 "consequence (f.eks. «Uten adressen kan vi ikke levere varen»).",
                 "Write provision: requirement (contractual, statutory, pre_contractual or voluntary) and "
                 'consequence (e.g. "Without the address we cannot deliver the goods").'))
        elif a.source.from_data_subject and p and p.requirement != "voluntary" and p.consequence is None:
            yield ctx.finding(
                ("activities", i, "provision", "consequence"),
                (f"«{_name(a)}» sier at opplysningene må gis, men ikke hva som skjer om de ikke gis.",
                 f'"{a.name.get("en")}" says the data must be given, but not what happens if it is not.'),
                ("Beskriv konsekvensen (f.eks. «Uten adressen kan vi ikke levere varen»).",
                 'Describe the consequence (e.g. "Without the address we cannot deliver the goods").'))


@rule("A10", severity="info",
      citation=("personvernforordningen art. 10; personopplysningsloven § 11",
                "GDPR Art. 10; personopplysningsloven § 11"),
      summary="Data on criminal convictions and offences: the condition in personopplysningsloven § 11 is recorded.")
def criminal_offence_data(ctx: Context):
    for i, a in ctx.activities():
        if a.criminal_offence_data and not any(b.law and "§ 11" in b.law for b in a.legal_bases):
            yield ctx.finding(
                ("activities", i, "criminal_offence_data"),
                (f"«{_name(a)}» behandler opplysninger om straffbare forhold (f.eks. politiattest).",
                 f'"{a.name.get("en")}" processes data on criminal offences (e.g. a police certificate).'),
                ("Oppgi vilkåret etter personopplysningsloven § 11 (som viser til artikkel 9 nr. 2 og §§ 6, 7 og 9), "
                 "eller loven som krever politiattest.",
                 "Give the condition under personopplysningsloven § 11 (which refers to Article 9(2) and §§ 6, 7 "
                 "and 9), or the law that requires the police certificate."))


NATIONAL_ID_RE = re.compile(r"fødselsnummer|personnummer|(?<![\w-])d-nummer|national identity number|social security",
                            re.IGNORECASE)


@rule("NO-POL-5", severity="info",
      citation=("personopplysningsloven § 12; personvernforordningen art. 87",
                "personopplysningsloven § 12; GDPR Art. 87"),
      summary="A national identity number (fødselsnummer) is processed only where secure identification is needed "
              "(personopplysningsloven § 12).")
def national_id_number(ctx: Context):
    for i, a in ctx.activities():
        if not a.data_categories or not NATIONAL_ID_RE.search("\n".join(text_of(c) for c in a.data_categories)):
            continue
        for j, c in enumerate(a.data_categories):
            if NATIONAL_ID_RE.search(text_of(c)):
                yield ctx.finding(
                    ("activities", i, "data_categories", j),
                    (f"«{_name(a)}» behandler fødselsnummer.", f'"{a.name.get("en")}" processes national identity numbers.'),
                    ("Fødselsnummer kan bare brukes når det er saklig behov for sikker identifisering og metoden er "
                     "nødvendig for å oppnå det (personopplysningsloven § 12). Skriv begrunnelsen i beskrivelsen.",
                     "A national identity number may be used only where secure identification is objectively "
                     "needed and the method is necessary for it (personopplysningsloven § 12). Give the reason."))
                break
