"""Rules on the organisation: controller identity and contact, DPO, rights handling, security."""

from __future__ import annotations

import re

from ...fixes import Edit, regex_substitute, text_edit
from ...manifest import parse_duration
from ..engine import Context, rule

DOMAIN_RE = re.compile(r"^[\w.-]+\.[a-z]{2,}$", re.IGNORECASE)


@rule("A13-1a", summary="The controller is named as a legal entity and has at least one contact route "
                        "(address, e-mail or telephone).")
def controller_identity(ctx: Context):
    c = ctx.reg.controller
    if not (c.postal_address or c.visiting_address or c.email or c.phone):
        yield ctx.finding(
            ("controller",),
            (f"{c.legal_name} oppgir verken adresse, e-post eller telefon.",
             f"{c.legal_name} gives no address, e-mail or telephone."),
            ("Oppgi minst én kontaktvei; erklæringen må kunne stå alene («se menyen» holder ikke).",
             "Give at least one contact route; the notice must stand on its own ('see the menu' is not enough)."))
    if DOMAIN_RE.match(c.legal_name) and not c.org_number:
        yield ctx.finding(
            ("controller", "legal_name"),
            (f"Behandlingsansvarlig er oppgitt som et domenenavn («{c.legal_name}»), ikke en juridisk person.",
             f'The controller is given as a domain name ("{c.legal_name}"), not a legal person.'),
            ("Oppgi selskapets navn og organisasjonsnummer.", "Give the company's name and organisation number."),
            severity="warning")


@rule("A13-1b", summary="A designated DPO has contact details (e-mail or telephone).")
def dpo_contact(ctx: Context):
    dpo = ctx.reg.controller.dpo
    if ctx.reg.controller.public_authority and not dpo.designated:
        yield ctx.finding(
            ("controller", "dpo", "designated"),
            ("En offentlig myndighet skal utpeke et personvernombud.", "A public authority must designate a DPO."),
            ("Artikkel 37 nr. 1 bokstav a: utpek et personvernombud, publiser kontaktopplysningene og meld dem til "
             "Datatilsynet.",
             "Article 37(1)(a): designate a DPO, publish the contact details and notify Datatilsynet."),
            severity="warning")
    if dpo.designated and not (dpo.email or dpo.phone):
        yield ctx.finding(
            ("controller", "dpo"),
            ("Det er utpekt personvernombud, men ingen kontaktopplysninger for ombudet.",
             "A data protection officer is designated, but no contact details are given."),
            ("Oppgi e-post eller telefon til personvernombudet (artikkel 37 nr. 7), og meld ombudet til Datatilsynet.",
             "Give the DPO's e-mail or telephone (Article 37(7)), and notify Datatilsynet of the DPO."))


@rule("A12-2", summary="There is a way to exercise the rights: e-mail, form, post or the controller's contact "
                       "details (an error: without one the rights cannot be used at all).")
def rights_channel(ctx: Context):
    if not ctx.has_contact_route:
        yield ctx.finding(
            ("rights",),
            ("Registeret har ingen vei for å utøve rettighetene (e-post, skjema eller post).",
             "The register has no way to exercise the rights (e-mail, form or post)."),
            ("Oppgi rights.email, rights.form_url eller en postadresse.", "Give rights.email, rights.form_url or a postal address."))


@rule("A12-3a", summary="Requests are answered within one month (Art. 12(3)); a longer response time is an error, "
                        "'30 days' is noted.")
def response_time(ctx: Context):
    value = ctx.reg.rights.response_time
    p = parse_duration(value)
    days = p.get("days", 0) + 7 * p.get("weeks", 0) + p.get("hours", 0) / 24
    months = 12 * p.get("years", 0) + p.get("months", 0)
    loc = ("rights", "response_time")
    if months > 1 or (months == 1 and days > 0) or days > 31:
        yield ctx.finding(
            loc,
            (f"Svarfristen {value} er lenger enn én måned.", f"The response time {value} is longer than one month."),
            ("Svar uten ugrunnet opphold og senest innen én måned; fristen kan forlenges med to måneder bare med "
             "begrunnelse gitt innen den første måneden.",
             "Answer without undue delay and within one month at the latest; it can be extended by two months only "
             "with reasons given within the first month."))
    elif months == 0 and days > 28:
        yield ctx.finding(
            loc,
            (f"Svarfristen er {value} ({int(days)} dager); forordningen sier én måned.",
             f"The response time is {value} ({int(days)} days); the GDPR says one month."),
            ("Én måned regnes til samme dato i neste måned; etter en forespørsel i slutten av januar er "
             f"{int(days)} dager lenger enn fristen. Skriv P1M.",
             "One month runs to the same date in the next month; after a request at the end of January "
             f"{int(days)} days is longer than the deadline. Write P1M."),
            severity="info", fix=(Edit(loc, "P1M"), *text_edit(ctx.reg, ("rights", "notes"), THIRTY_DAYS_FIX)))


# "30 dager" for the answer time, written where the register means the GDPR's month.
THIRTY_DAYS_FIX = regex_substitute(re.compile(r"\b(?:30|tretti|thirty)\s*(dager|days)\b", re.I),
                                   lambda m, lang: "én måned" if m.group(1).lower() == "dager" else "one month")


@rule("A12-5a", severity="warning", summary="Answering requests is free of charge.")
def free_of_charge(ctx: Context):
    if not ctx.reg.rights.free_of_charge:
        yield ctx.finding(
            ("rights", "free_of_charge"),
            ("Registeret sier at det koster å utøve rettighetene.", "The register says exercising the rights costs money."),
            ("Svar er gratis; gebyr bare for åpenbart grunnløse eller overdrevne krav, og for ekstra kopier.",
             "Answers are free; a fee only for manifestly unfounded or excessive requests, and for extra copies."))


@rule("A30-1g", severity="info", summary="The record describes the security measures in general terms.")
def security_described(ctx: Context):
    if not ctx.reg.security:
        yield ctx.finding(
            ("security",),
            ("Registeret beskriver ingen sikkerhetstiltak.", "The register describes no security measures."),
            ("Gi en generell beskrivelse av tekniske og organisatoriske tiltak (tilgangsstyring, kryptering, "
             "sikkerhetskopier, opplæring).",
             "Give a general description of the technical and organisational measures (access control, "
             "encryption, backups, training)."))


# Art. 12(6) allows asking for identification only on reasonable doubt; a text that says so passes.
ID_CONDITION_RE = re.compile(r"tvil|rimelig grunn|ved behov|om nødvendig|hvis nødvendig|dersom det er nødvendig|"
                             r"doubt|if necessary|where necessary|when necessary|if needed", re.IGNORECASE)
ID_DOCUMENT_RE = re.compile(r"\bpass\b|passkopi|kopi av (?:gyldig )?legitimasjon|id-kort|førerkort|passport|"
                            r"copy of (?:your |an )?id|identity card|driving licen[cs]e", re.IGNORECASE)


@rule("A12-6", summary="Identification is asked for only where there is reasonable doubt about who makes the "
                       "request (Art. 12(6)); an unconditional demand for an identity document is an error.")
def identity_check(ctx: Context):
    text = ctx.reg.rights.identity_check
    if text is None or ID_CONDITION_RE.search(text.nb + " " + (text.en or "")):
        return
    document = ID_DOCUMENT_RE.search(text.nb + " " + (text.en or ""))
    yield ctx.finding(
        ("rights", "identity_check"),
        ("Registeret krever legitimasjon ved ethvert krav om rettighetene, ikke bare ved rimelig tvil om hvem "
         "som spør.",
         "The register demands identification for every request to exercise the rights, not only on reasonable "
         "doubt about who is asking."),
        ("Artikkel 12 nr. 6: be om mer for å bekrefte identiteten bare når dere har rimelig grunn til å tvile på "
         "den, og bare det som trengs (ofte holder svar til e-postadressen dere allerede har). Tilbaketrekking av "
         "samtykke og reservasjon mot direkte markedsføring skal virke uten slikt krav.",
         "Article 12(6): ask for more to confirm identity only when you have reasonable doubts, and only what is "
         "needed (often an answer to the address you already have is enough). Withdrawing consent and objecting "
         "to direct marketing must work without such a demand."),
        severity="error" if document else "warning")
