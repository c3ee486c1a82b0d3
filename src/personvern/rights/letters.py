"""Letters to the requester, in bokmål and English, per request type and outcome, filled from the register.

Plain text (sent by e-mail and shown to staff before sending). Personal data of
the requester appear only as the name in the greeting.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from personvern.core import language as L
from personvern.core.manifest import Activity, Register, TransferMechanism, parse_duration

DATATILSYNET = {
    "name": "Datatilsynet",
    "postal": "Postboks 458 Sentrum, 0105 Oslo",
    "email": "postkasse@datatilsynet.no",
    "web": "https://www.datatilsynet.no",
}

TYPE_NAMES = {
    "access": ("innsyn", "access"),
    "rectification": ("retting", "rectification"),
    "erasure": ("sletting", "erasure"),
    "restriction": ("begrensning av behandling", "restriction of processing"),
    "objection": ("protest mot behandling", "objection to processing"),
    "portability": ("dataportabilitet", "data portability"),
    "withdraw_consent": ("tilbaketrekking av samtykke", "withdrawal of consent"),
    "other": ("henvendelse om personopplysninger", "request about personal data"),
}

# What we did, per type, for a completed request (Art. 15-22, 7(3)).
DONE = {
    "access": (
        "Her er svaret på innsynsbegjæringen din etter personvernforordningen artikkel 15: en kopi av "
        "opplysningene vi har om deg, og opplysninger om hvordan vi behandler dem.",
        "Here is our answer to your access request under Article 15 GDPR: a copy of the data we hold "
        "about you, and information about how we process them.",
    ),
    "rectification": (
        "Vi har rettet eller fullstendiggjort opplysningene om deg slik du ba om (artikkel 16).",
        "We have corrected or completed your data as you asked (Article 16).",
    ),
    "erasure": (
        "Vi har slettet opplysningene om deg (artikkel 17).",
        "We have erased your data (Article 17).",
    ),
    "restriction": (
        "Vi har begrenset behandlingen av opplysningene om deg (artikkel 18): de blir bare lagret. Vi sier "
        "fra til deg før begrensningen oppheves.",
        "We have restricted the processing of your data (Article 18): they are only stored. We will tell "
        "you before the restriction is lifted.",
    ),
    "objection": (
        "Vi har tatt protesten din til følge (artikkel 21 nr. 1) og stanset behandlingen du protesterte mot.",
        "We have upheld your objection (Article 21(1)) and stopped the processing you objected to.",
    ),
    "portability": (
        "Her er opplysningene du har gitt oss, i et strukturert, maskinlesbart format (JSON og CSV), "
        "etter artikkel 20.",
        "Here are the data you provided to us, in a structured, machine-readable format (JSON and CSV), "
        "under Article 20.",
    ),
    "withdraw_consent": (
        "Vi har registrert at du har trukket tilbake samtykket ditt (artikkel 7 nr. 3), og vi har stoppet "
        "behandlingen som bygde på det. Behandlingen før tilbaketrekkingen er fortsatt lovlig.",
        "We have recorded that you withdrew your consent (Article 7(3)) and stopped the processing based on "
        "it. Processing before the withdrawal remains lawful.",
    ),
    "other": (
        "Vi har behandlet henvendelsen din.",
        "We have dealt with your request.",
    ),
}

# Variants of DONE that depend on the outcome.
ERASURE_KEPT = (
    "Vi har slettet opplysningene om deg (artikkel 17), unntatt opplysninger som loven pålegger oss å "
    "oppbevare (artikkel 17 nr. 3 bokstav b). De er listet nedenfor. Vi bruker dem bare til det loven krever, "
    "og vi sletter dem når oppbevaringsplikten opphører.",
    "We have erased your data (Article 17), except data the law requires us to keep (Article 17(3)(b)). They "
    "are listed below. We use them only for what the law requires, and we will erase them when the duty to "
    "keep them ends.",
)
OBJECTION_MARKETING = (
    "Vi har tatt protesten din mot direkte markedsføring til følge (artikkel 21 nr. 2 og 3). Vi bruker ikke "
    "lenger opplysningene om deg til markedsføring, og vi har registrert at du ikke skal få markedsføring fra oss.",
    "We have upheld your objection to direct marketing (Article 21(2) and (3)). We no longer use your data for "
    "marketing, and we have recorded that you are not to receive marketing from us.",
)

RIGHTS = (
    "Du har rett til innsyn, retting, sletting, begrensning, dataportabilitet og til å protestere mot "
    "behandlingen (artikkel 15 til 21), og til å trekke tilbake samtykke når som helst (artikkel 7 nr. 3).",
    "You have the right of access, rectification, erasure, restriction, data portability and to object to "
    "the processing (Articles 15-21), and to withdraw consent at any time (Article 7(3)).",
)

COMPLAINT = (
    "Du kan klage til Datatilsynet, {postal}, {web}, eller til tilsynsmyndigheten i det EØS-landet der du "
    "vanligvis bor, der du arbeider eller der den påståtte overtredelsen skjedde (artikkel 77).",
    "You may complain to Datatilsynet (the Norwegian Data Protection Authority), {postal}, {web}, or to the "
    "supervisory authority of the EEA country where you habitually live, where you work or where the alleged "
    "infringement took place (Article 77).",
)

COURTS = (
    "Du kan også bringe saken inn for domstolene (artikkel 79).",
    "You may also take the matter to the courts (Article 79).",
)

REFUSAL_GROUNDS = {
    "cannot_identify": (
        "Vi kan ikke identifisere deg i opplysningene vi har (artikkel 11 nr. 2 og artikkel 12 nr. 2). Hvis du gir oss "
        "flere opplysninger som gjør det mulig, behandler vi kravet.",
        "We cannot identify you in the data we hold (Articles 11(2) and 12(2)). If you give us more "
        "information that makes it possible, we will deal with the request.",
    ),
    "unfounded": (
        "Kravet er åpenbart grunnløst (artikkel 12 nr. 5).",
        "The request is manifestly unfounded (Article 12(5)).",
    ),
    "excessive": (
        "Kravet er urimelig (artikkel 12 nr. 5).",
        "The request is excessive (Article 12(5)).",
    ),
    "exception": (
        "Et unntak i loven gjelder for kravet: {provision}.",
        "An exception in the law applies to the request: {provision}.",
    ),
    "other": (
        "Kravet kan ikke etterkommes etter {provision}.",
        "The request cannot be complied with under {provision}.",
    ),
    "no_data": ("", ""),  # said in the introduction
}


# The provisions a refusal can rest on, as staff choose them (Request.refusal_provision); the key is
# stored, the letter prints the words. "own": staff write the provision (Request.refusal_provision_text).
PROVISIONS = {
    "bookkeeping": (
        "personvernforordningen artikkel 17 nr. 3 bokstav b, jf. bokføringsloven § 13 (oppbevaring av "
        "regnskapsmateriale)",
        "Article 17(3)(b) GDPR, with section 13 of the Norwegian Bookkeeping Act (bokføringsloven: keeping "
        "accounting records)",
    ),
    "legal_claims": (
        "personvernforordningen artikkel 17 nr. 3 bokstav e (opplysningene trengs for å fastsette, gjøre "
        "gjeldende eller forsvare et rettskrav)",
        "Article 17(3)(e) GDPR (the data are needed to establish, exercise or defend legal claims)",
    ),
    "expression": (
        "personvernforordningen artikkel 17 nr. 3 bokstav a (ytrings- og informasjonsfriheten)",
        "Article 17(3)(a) GDPR (freedom of expression and information)",
    ),
    "others_rights": (
        "personvernforordningen artikkel 15 nr. 4 (retten til en kopi skal ikke krenke andres rettigheter og "
        "friheter)",
        "Article 15(4) GDPR (the right to a copy must not adversely affect the rights and freedoms of others)",
    ),
    "compelling_grounds": (
        "personvernforordningen artikkel 21 nr. 1 (tungtveiende berettigede grunner som går foran dine "
        "interesser, rettigheter og friheter)",
        "Article 21(1) GDPR (compelling legitimate grounds which override your interests, rights and freedoms)",
    ),
    "pol_16": (
        "personvernforordningen artikkel 23, jf. personopplysningsloven § 16 (unntak fra retten til informasjon "
        "og innsyn)",
        "Article 23 GDPR, with section 16 of the Norwegian Personal Data Act (personopplysningsloven: exceptions "
        "from the rights to information and access)",
    ),
}
OWN_PROVISION = "own"
# Grounds whose provision the letter already names; the others need one from PROVISIONS or written by staff.
GROUNDS_WITH_PROVISION = ("cannot_identify", "unfounded", "excessive", "no_data")

# Art. 12(5): the fee letter states the ground that applies (Request.fee_ground).
FEE_GROUNDS = {
    "unfounded": ("åpenbart grunnløst", "manifestly unfounded"),
    "excessive": ("urimelig", "excessive"),
    "repetitive": ("urimelig, særlig fordi det gjentas", "excessive, in particular because of its repetitive character"),
}


def provision_text(req, lang: str) -> str:
    """The provision a refusal rests on, in the letter's language (staff's own words as written)."""
    if req.refusal_provision == OWN_PROVISION:
        return req.refusal_provision_text.strip()
    return PROVISIONS[req.refusal_provision][_i(lang)] if req.refusal_provision in PROVISIONS else ""


MONTHS = {1: ("én måned", "one month"), 2: ("to måneder", "two months")}
MONTH_NAMES_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
                  "October", "November", "December")


def _i(lang: str) -> int:
    return 1 if lang == "en" else 0


def date_text(day, lang: str) -> str:
    """09.04.2026 in bokmål, 9 April 2026 in English (a date nobody misreads)."""
    if lang == "en":
        return f"{day.day} {MONTH_NAMES_EN[day.month - 1]} {day.year}"
    return day.strftime("%d.%m.%Y")


def _t(text, lang: str) -> str:
    return text.get(lang) if text is not None else ""


def duration_text(value: str | None, lang: str) -> str:
    if not value:
        return ""
    try:
        parts = parse_duration(value)
    except ValueError:
        return value
    units = {
        "years": ("år", "år", "year", "years"),
        "months": ("måned", "måneder", "month", "months"),
        "weeks": ("uke", "uker", "week", "weeks"),
        "days": ("dag", "dager", "day", "days"),
        "hours": ("time", "timer", "hour", "hours"),
        "minutes": ("minutt", "minutter", "minute", "minutes"),
        "seconds": ("sekund", "sekunder", "second", "seconds"),
    }
    out = []
    for key, n in parts.items():
        one, many = units[key][2:] if lang == "en" else units[key][:2]
        out.append(f"{n} {one if n == 1 else many}")
    return (" and " if lang == "en" else " og ").join(out)


def activity_facts(register: Register, activity: Activity, lang: str) -> dict:
    """Art. 15(1)(a)-(h) for one activity, as plain strings."""
    recipients = []
    for rid in activity.recipients:
        r = register.recipient(rid)
        if r is None:
            continue
        line = f"{r.name} ({L.country(r.country, lang)})"
        # the basis of a transfer in words, and nothing where the register does not give it
        if r.transfer is not None and r.transfer.mechanism != TransferMechanism.UNSTATED:
            line += (", på grunnlag av " if lang == "nb" else ", on the basis of ") + L.label(r.transfer.mechanism, lang)
            line += f" ({r.transfer.reference})" if r.transfer.reference else ""
        recipients.append(line)
    retention = ""
    if activity.retention is not None:
        retention = _t(activity.retention.description, lang) or duration_text(activity.retention.period, lang)
        if activity.retention.law:
            retention += f" ({activity.retention.law})"
    source = ""
    if activity.source is not None and not activity.source.from_data_subject:
        source = _t(activity.source.description, lang) or ("Not from you" if lang == "en" else "Ikke fra deg")
    automated = ""
    if activity.automated_decision.exists:
        automated = _t(activity.automated_decision.logic, lang)
    return {
        "id": activity.id,
        "name": _t(activity.name, lang),
        "purpose": _t(activity.purpose, lang),
        "categories": [_t(c, lang) for c in activity.data_categories],
        "recipients": recipients,
        "retention": retention,
        "source": source,
        "automated_decision": automated,
    }


def kept_line(system: str, kept: dict, lang: str) -> str:
    """One line of the erasure letter: what a legal hold keeps in a system, under which law,
    until when (kept as the connector reported it: table, columns, rows, law, until)."""
    rows, columns = kept["rows"], ", ".join(kept["columns"])
    until = dt.date.fromisoformat(kept["until"]) if kept.get("until") else None
    if lang == "en":
        when = f"until {date_text(until, lang)}" if until else "for as long as the duty to keep them lasts"
        return f"{system}, {kept['table']} ({rows} {'row' if rows == 1 else 'rows'}: {columns}): kept under {kept['law']} {when}."
    when = f"til {date_text(until, lang)}" if until else "så lenge oppbevaringsplikten varer"
    return f"{system}, {kept['table']} ({rows} {'rad' if rows == 1 else 'rader'}: {columns}): oppbevares etter {kept['law']} {when}."


@dataclass
class Letter:
    subject: str
    body: str


def _labels(lang: str) -> dict:
    if lang == "en":
        return {
            "purpose": "Purpose", "categories": "Categories of data", "recipients": "Recipients",
            "retention": "Retention", "source": "Source", "automated": "Automated decision-making",
            "none": "none", "hello": "Dear {name},", "regards": "Kind regards,", "ref": "Reference",
            "processing": "How we process your data",
            "kept": "Kept because the law requires it",
        }
    return {
        "purpose": "Formål", "categories": "Opplysninger", "recipients": "Mottakere",
        "retention": "Lagringstid", "source": "Kilde", "automated": "Automatiserte avgjørelser",
        "none": "ingen", "hello": "Hei {name},", "regards": "Vennlig hilsen", "ref": "Referanse",
        "processing": "Slik behandler vi opplysningene dine",
        "kept": "Tatt vare på fordi loven krever det",
    }


def _footer(register: Register | None, org_name: str, lang: str) -> list[str]:
    L = _labels(lang)
    controller = register.controller.legal_name if register else org_name
    return ["", L["regards"], controller]


def _complaint_lines(lang: str) -> list[str]:
    i = _i(lang)
    return [COMPLAINT[i].format(**DATATILSYNET), COURTS[i]]


def _answer_subject(req, i: int) -> str:
    kind = TYPE_NAMES[req.type][i]
    return f"Svar på krav om {kind} ({req.reference})" if i == 0 else f"Answer to your request for {kind} ({req.reference})"


def _closing(req, register: Register | None, lang: str) -> list[str]:
    """Complaint and court routes, the reference and the signature: the end of every letter."""
    return _complaint_lines(lang) + ["", f"{_labels(lang)['ref']}: {req.reference}"] + _footer(
        register, req.organisation.name, lang
    )


def answer_letter(req, register: Register | None, lang: str, *, activities: list[str] | None = None,
                  kept: list[str] | None = None, download_url: str = "") -> Letter:
    """The answer to a completed request. `activities`: ids of the activities that touch the person."""
    i, L = _i(lang), _labels(lang)
    subject = _answer_subject(req, i)
    if req.type == "erasure" and kept:
        done = ERASURE_KEPT[i]
    elif req.type == "objection" and req.direct_marketing:
        done = OBJECTION_MARKETING[i]
    else:
        done = DONE[req.type][i]
    lines = [L["hello"].format(name=req.name), "", done]
    if req.type in ("access", "portability") and download_url:
        lines += [
            "",
            (
                "Last ned opplysningene her (lenken virker én gang og utløper om {days} dager):\n{url}"
                if i == 0
                else "Download your data here (the link works once and expires in {days} days):\n{url}"
            ).format(url=download_url, days=_export_days()),
        ]
    elif req.type in ("access", "portability") and not req.email:  # handed over on paper or a memory stick
        lines += ["", "Opplysningene følger med dette brevet." if i == 0 else "The data come with this letter."]
    if kept:
        lines += ["", L["kept"] + ":"] + [f"- {k}" for k in kept]
    if req.type == "access" and register is not None:
        lines += ["", L["processing"], "=" * len(L["processing"])]
        chosen = [a for a in register.activities if activities is None or a.id in activities]
        for activity in chosen:
            f = activity_facts(register, activity, lang)
            lines += ["", f["name"]]
            lines.append(f"  {L['purpose']}: {f['purpose'] or '-'}")
            lines.append(f"  {L['categories']}: {', '.join(f['categories']) or '-'}")
            lines.append(f"  {L['recipients']}: {', '.join(f['recipients']) or L['none']}")
            lines.append(f"  {L['retention']}: {f['retention'] or '-'}")
            if f["source"]:
                lines.append(f"  {L['source']}: {f['source']}")
            if f["automated_decision"]:
                lines.append(f"  {L['automated']}: {f['automated_decision']}")
    lines += ["", RIGHTS[i]] + _closing(req, register, lang)
    return Letter(subject, "\n".join(lines) + "\n")


def refusal_letter(req, register: Register | None, lang: str) -> Letter:
    """Art. 12(4): reasons, the right to complain to Datatilsynet, and to the courts."""
    i, L = _i(lang), _labels(lang)
    subject = _answer_subject(req, i)
    if req.refusal_ground == "no_data":  # not a refusal of the right, but nothing to act on
        intro = (
            "Vi har gått gjennom systemene våre og har ikke funnet personopplysninger om deg. Vi kan derfor ikke "
            "gjøre noe mer med kravet ditt."
            if i == 0
            else "We have searched our systems and have found no personal data about you. We can therefore take "
            "no further action on your request."
        )
    else:
        intro = (
            "Vi kan ikke etterkomme kravet ditt, av disse grunnene:"
            if i == 0
            else "We cannot comply with your request, for these reasons:"
        )
    lines = [L["hello"].format(name=req.name), "", intro, ""]
    ground = REFUSAL_GROUNDS.get(req.refusal_ground, ("", ""))[i].format(provision=provision_text(req, lang))
    if ground:
        lines.append(ground)
    lines.append(req.refusal_reasons.strip())  # the recorded Art. 12(5) justification stays internal
    lines += [""] + _closing(req, register, lang)
    return Letter(subject, "\n".join(lines) + "\n")


def extension_letter(req, register: Register | None, lang: str) -> Letter:
    """Art. 12(3): the extension and its reasons, sent within the first month."""
    i, L = _i(lang), _labels(lang)
    subject = (
        f"Vi trenger mer tid til kravet ditt ({req.reference})"
        if i == 0
        else f"We need more time for your request ({req.reference})"
    )
    due = date_text(req.due_on, lang)
    months = MONTHS[req.extension_months][i]
    text = (
        f"Vi forlenger fristen for å svare deg med {months}, til {due} (personvernforordningen artikkel 12 nr. 3). "
        "Grunnen er:"
        if i == 0
        else f"We are extending the time to answer your request by {months}, to {due} (Article 12(3) GDPR). "
        "The reason is:"
    )
    lines = [L["hello"].format(name=req.name), "", text, "", req.extension_reasons.strip(), ""]
    lines += _closing(req, register, lang)
    return Letter(subject, "\n".join(lines) + "\n")


def fee_letter(req, register: Register | None, lang: str, *, reasons: str) -> Letter:
    """Art. 12(5)(a): the fee, why, and the complaint routes, told to the requester before it is charged."""
    i, L = _i(lang), _labels(lang)
    subject = f"Gebyr for kravet ditt ({req.reference})" if i == 0 else f"A fee for your request ({req.reference})"
    ground = FEE_GROUNDS[req.fee_ground][i]
    text = (
        f"Vi mener at kravet ditt er {ground} (personvernforordningen artikkel 12 nr. 5). Vi krever derfor et "
        f"rimelig gebyr på {req.fee_nok} kroner for de administrative kostnadene ved å svare (artikkel 12 nr. 5 "
        "bokstav a). Grunnen er:"
        if i == 0
        else f"We consider your request {ground} (Article 12(5) GDPR). We therefore charge a reasonable fee of "
        f"NOK {req.fee_nok} for the administrative costs of answering (Article 12(5)(a)). The reason is:"
    )
    lines = [L["hello"].format(name=req.name), "", text, "", reasons.strip(), ""]
    lines += _closing(req, register, lang)
    return Letter(subject, "\n".join(lines) + "\n")


RECEIPT = (
    {
        "subject": "Vi har mottatt kravet ditt om {kind} ({ref})",
        "hello": "Hei {name},",
        "received": "Vi har mottatt kravet ditt om {kind} til {org}. Referansen er {ref}.",
        "due": "Vi svarer så snart vi kan, og senest {due}. Hvis vi trenger mer tid fordi kravet er komplisert "
        "eller vi får mange krav, får du beskjed om det og om hvorfor innen samme dato (artikkel 12 nr. 3).",
        "link": "Bekreft at det er du som har sendt kravet ved å åpne denne lenken. Vi gjør ingenting med "
        "kravet, og gir ikke ut opplysninger, før du har bekreftet. Lenken virker én gang og i {hours} timer:",
        "not_you": "Hvis det ikke var deg som sendte kravet, kan du se bort fra denne e-posten.",
        "effective": "Du trenger ikke bekrefte noe: {what} gjelder fra vi mottok den, og vi stanser behandlingen "
        "uten opphold ({article}).",
        "effective_not_you": "Hvis det ikke var deg som sendte kravet, ta kontakt med oss, så retter vi det.",
    },
    {
        "subject": "We have received your request for {kind} ({ref})",
        "hello": "Dear {name},",
        "received": "We have received your request for {kind} to {org}. The reference is {ref}.",
        "due": "We will answer as soon as we can, and by {due} at the latest. If we need more time because the "
        "request is complex or we receive many requests, we will tell you so, and why, by the same date "
        "(Article 12(3) GDPR).",
        "link": "Please confirm that you sent the request by opening this link. We do nothing with the request, "
        "and disclose no data, until you have confirmed. The link works once and for {hours} hours:",
        "not_you": "If you did not send this request, you can ignore this e-mail.",
        "effective": "You need not confirm anything: {what} applies from when we received it, and we stop the "
        "processing without delay ({article}).",
        "effective_not_you": "If you did not send this request, contact us and we will put it right.",
    },
)


def receipt_letter(req, lang: str, *, verify_url: str = "", hours: int = 72) -> Letter:
    """Receipt with the reference, and the identity link when there is one."""
    i = _i(lang)
    values = {
        "kind": TYPE_NAMES[req.type][i],
        "ref": req.reference,
        "name": req.name,
        "org": req.organisation.name,
        "due": date_text(req.first_due_on, lang),
        "hours": hours,
    }
    withdrawal = req.type == "withdraw_consent"
    values["what"] = (("tilbaketrekkingen", "the withdrawal") if withdrawal else ("protesten", "the objection"))[i]
    values["article"] = L.gdpr_article(7 if withdrawal else 21, 3, None, lang)
    t = {key: text.format(**values) for key, text in RECEIPT[i].items()}
    lines = [t["hello"], "", t["received"]]
    if req.effective_on_receipt:
        lines += [t["effective"], "", t["effective_not_you"]]
    else:
        lines += [t["due"]]
        if verify_url:
            lines += ["", t["link"], verify_url]
        lines += ["", t["not_you"]]
    return Letter(t["subject"], "\n".join(lines) + "\n")


def _export_days() -> int:
    from django.conf import settings

    return int(getattr(settings, "RIGHTS_EXPORT_DAYS", 14))
