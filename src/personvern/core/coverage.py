"""Art. 13/14 coverage: for every element the notice must give, where the notice gives it, or why not.

    >>> report = coverage(register)
    >>> report.complete            # False when a required element is missing
    >>> for e in report.elements: print(e.code, e.status, e.where, e.reasons)

Elements are those of GDPR Art. 13(1)-(2), those of Art. 14 that differ (data categories and source,
when data is not collected from the person) and Art. 21(4) (objection, separately). Each is
`stated` (the notice says it; `where` names the section ids), `missing` (required, and `reasons`
says which facts the register lacks) or `not_applicable` (`reasons` says why).

It reads the register and the notice built from it (`core.notice`), so "where" is an anchor in the
published page (/p/<org>/personvern#<id>).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from . import notice as N
from .manifest import LegalBasisCode, RetentionRule, Register, TransferMechanism

STATED, MISSING, NOT_APPLICABLE = "stated", "missing", "not_applicable"


@dataclass
class Element:
    code: str  # e.g. "13(1)(c)"
    citation: str  # e.g. "GDPR Art. 13(1)(c), Art. 14(1)(c)"
    title: dict[str, str]  # {"nb": ..., "en": ...}
    status: str = STATED
    where: list[str] = field(default_factory=list)  # section ids in the notice
    reasons: list[dict[str, str]] = field(default_factory=list)  # [{"nb": ..., "en": ...}]

    @property
    def required_missing(self) -> bool:
        return self.status == MISSING


@dataclass
class Coverage:
    elements: list[Element]
    titles: dict[str, dict[str, str]]  # language -> section id -> section title in that notice

    @property
    def complete(self) -> bool:
        return not any(e.status == MISSING for e in self.elements)

    @property
    def missing(self) -> list[Element]:
        return [e for e in self.elements if e.status == MISSING]

    def element(self, code: str) -> Element:
        return next(e for e in self.elements if e.code == code)

    def as_dict(self, lang: str = "en") -> dict:
        return {
            "complete": self.complete,
            "elements": [
                {
                    "code": e.code,
                    "citation": e.citation,
                    "title": e.title[lang],
                    "status": e.status,
                    "where": [{"id": w, "title": self.titles[lang].get(w, w)} for w in e.where],
                    "reasons": [r[lang] for r in e.reasons],
                }
                for e in self.elements
            ],
        }

    def as_text(self, lang: str = "en") -> str:
        words = {
            "nb": {STATED: "oppgitt", MISSING: "MANGLER", NOT_APPLICABLE: "ikke aktuelt"},
            "en": {STATED: "stated", MISSING: "MISSING", NOT_APPLICABLE: "not applicable"},
        }[lang]
        lines = []
        for e in self.elements:
            head = f"{e.code:<9} {words[e.status]:<15} {e.title[lang]}"
            lines.append(head)
            if e.where:
                where = ", ".join(f"{self.titles[lang].get(w, w)} (#{w})" for w in e.where)
                lines.append(f"{'':<26}{'i' if lang == 'nb' else 'in'}: {where}")
            for r in e.reasons:
                lines.append(f"{'':<26}- {r[lang]}")
        n_missing = len(self.missing)
        if lang == "nb":
            lines.append("Fullstendig." if not n_missing else f"{n_missing} element(er) mangler.")
        else:
            lines.append("Complete." if not n_missing else f"{n_missing} element(s) missing.")
        return "\n".join(lines) + "\n"

    def as_json(self, lang: str = "en") -> str:
        return json.dumps(self.as_dict(lang), ensure_ascii=False, indent=2)


def _r(nb: str, en: str) -> dict[str, str]:
    return {"nb": nb, "en": en}


def _name(a) -> str:
    return f'"{a.id}"'


def coverage(reg: Register) -> Coverage:
    doc = N.build(reg, "nb", complete=False)
    titles: dict[str, dict[str, str]] = {"nb": {}, "en": {}}

    def walk(sections, into):
        for s in sections:
            into[s.id] = s.title
            walk(s.children, into)

    walk(doc.sections, titles["nb"])
    walk(N.build(reg, "en", complete=False).sections, titles["en"])
    S = N.SECTION_IDS
    ctl = reg.controller
    acts = reg.activities
    direct = [a for a in acts if a.source.from_data_subject]
    # Art. 14 also applies to data that supplements what the person gave, from publicly accessible sources.
    indirect = [a for a in acts if not a.source.from_data_subject or a.source.publicly_accessible]
    out: list[Element] = []

    # 13(1)(a) controller
    e = Element("13(1)(a)", "GDPR Art. 13(1)(a), Art. 14(1)(a)",
                _r("Den behandlingsansvarliges identitet og kontaktopplysninger",
                   "Identity and contact details of the controller"), where=[S["controller"]])
    if not (ctl.postal_address or ctl.email or ctl.phone):
        e.status = MISSING
        e.reasons.append(_r("Protokollen har ingen postadresse, e-post eller telefon for den behandlingsansvarlige "
                            "(controller.postal_address, email, phone).",
                            "The register has no postal address, e-mail or phone for the controller "
                            "(controller.postal_address, email, phone)."))
    out.append(e)

    # 13(1)(b) DPO
    e = Element("13(1)(b)", "GDPR Art. 13(1)(b), Art. 14(1)(b)",
                _r("Personvernombudets kontaktopplysninger", "Contact details of the data protection officer"))
    if ctl.dpo.designated:
        e.where = [S["dpo"]]
        if not (ctl.dpo.email or ctl.dpo.phone):
            e.status = MISSING
            e.reasons.append(_r("Et personvernombud er utpekt, men protokollen har ingen e-post eller telefon til "
                                "det (controller.dpo.email, phone).",
                                "A DPO is designated but the register has no e-mail or phone for them "
                                "(controller.dpo.email, phone)."))
    else:
        e.status = NOT_APPLICABLE
        e.where = [S["dpo"]]
        e.reasons.append(_r("Ikke utpekt personvernombud; erklæringen sier det.",
                            "No DPO designated; the notice says so."))
    out.append(e)

    # 13(1)(c) purposes and legal basis
    e = Element("13(1)(c)", "GDPR Art. 13(1)(c), Art. 14(1)(c)",
                _r("Formålene og behandlingsgrunnlaget for hvert formål",
                   "The purposes and the legal basis for each"),
                where=[S["activities"]] + [N.activity_anchor(a.id) for a in acts])
    if not acts:
        e.status = MISSING
        e.reasons.append(_r("Protokollen har ingen behandlinger.", "The register has no activities."))
    for a in acts:
        if not a.purpose:
            e.status = MISSING
            e.reasons.append(_r(f"Behandlingen {_name(a)} har ikke formål (purpose).",
                                f"Activity {_name(a)} has no purpose."))
        if not a.legal_bases:
            e.status = MISSING
            e.reasons.append(_r(f"Behandlingen {_name(a)} har ikke behandlingsgrunnlag (legal_bases).",
                                f"Activity {_name(a)} has no legal basis (legal_bases)."))
    out.append(e)

    # 13(1)(d) legitimate interests
    lia = [a for a in acts if a.has_basis(LegalBasisCode.LEGITIMATE_INTERESTS)]
    e = Element("13(1)(d)", "GDPR Art. 13(1)(d), Art. 14(2)(b)",
                _r("De berettigede interessene, når behandlingen bygger på artikkel 6 nr. 1 bokstav f",
                   "The legitimate interests, where processing rests on Art. 6(1)(f)"),
                where=[N.activity_anchor(a.id) for a in lia])
    if not lia:
        e.status = NOT_APPLICABLE
        e.reasons.append(_r("Ingen behandling bygger på berettiget interesse.",
                            "No activity rests on legitimate interests."))
    for a in lia:
        if not any(b.legitimate_interest for b in a.legal_bases if b.basis == LegalBasisCode.LEGITIMATE_INTERESTS):
            e.status = MISSING
            e.reasons.append(_r(f"Behandlingen {_name(a)} bygger på berettiget interesse uten å beskrive den "
                                "(legal_bases[].legitimate_interest).",
                                f"Activity {_name(a)} rests on legitimate interests without describing them "
                                "(legal_bases[].legitimate_interest)."))
    out.append(e)

    # 13(1)(e) recipients
    e = Element("13(1)(e)", "GDPR Art. 13(1)(e), Art. 14(1)(e)",
                _r("Mottakerne eller kategoriene av mottakere", "The recipients or categories of recipients"))
    if reg.recipients:
        e.where = [S["recipients"]] + [N.activity_anchor(a.id) for a in acts if a.recipients]
    else:
        e.status = NOT_APPLICABLE
        e.reasons.append(_r("Protokollen har ingen mottakere.", "The register has no recipients."))
    out.append(e)

    # 13(1)(f) transfers
    outside = [r for r in reg.recipients if r.outside_eea]
    e = Element("13(1)(f)", "GDPR Art. 13(1)(f), Art. 14(1)(f)",
                _r("Overføring til land utenfor EØS og grunnlaget for den",
                   "Transfers outside the EEA and the safeguards relied on"))
    if not outside:
        e.status = NOT_APPLICABLE
        e.reasons.append(_r("Ingen mottaker er utenfor EØS.", "No recipient is outside the EEA."))
    else:
        e.where = [S["transfers"]]
        for r in outside:
            if r.transfer is None or r.transfer.mechanism == TransferMechanism.UNSTATED:
                e.status = MISSING
                e.reasons.append(_r(f'Mottakeren "{r.id}" ({r.country}) har ikke overføringsgrunnlag '
                                    "(transfer.mechanism).",
                                    f'Recipient "{r.id}" ({r.country}) has no transfer mechanism '
                                    "(transfer.mechanism)."))
    out.append(e)

    # 13(2)(a) retention
    e = Element("13(2)(a)", "GDPR Art. 13(2)(a), Art. 14(2)(a)",
                _r("Hvor lenge opplysningene lagres, eller kriteriene for det",
                   "The storage period, or the criteria used to set it"),
                where=[N.activity_anchor(a.id) for a in acts])
    for a in acts:
        r = a.retention
        if r is None:
            e.status = MISSING
            e.reasons.append(_r(f"Behandlingen {_name(a)} har ingen lagringstid (retention).",
                                f"Activity {_name(a)} has no retention."))
        elif r.period is None and (r.rule is None or r.rule == RetentionRule.UNTIL_PURPOSE_FULFILLED):
            e.status = MISSING
            e.reasons.append(_r(f"Behandlingen {_name(a)} har verken lagringsperiode eller et kriterium som viser til "
                                "en hendelse eller en lov («så lenge det er nødvendig» er ikke et kriterium).",
                                f"Activity {_name(a)} has neither a period nor a criterion that refers to an event or "
                                "a law (\"as long as necessary\" is not a criterion)."))
        elif r.period is None and r.rule == RetentionRule.STATUTORY and not r.law:
            e.status = MISSING
            e.reasons.append(_r(f"Behandlingen {_name(a)} lagres «så lenge loven krever» uten å nevne loven "
                                "(retention.law).",
                                f"Activity {_name(a)} is kept \"as long as the law requires\" without naming the "
                                "law (retention.law)."))
    out.append(e)

    # 13(2)(b) rights
    out.append(Element("13(2)(b)", "GDPR Art. 13(2)(b), Art. 14(2)(c)",
                       _r("Retten til innsyn, retting, sletting, begrensning, protest og dataportabilitet",
                          "The rights of access, rectification, erasure, restriction, objection and portability"),
                       where=[S["rights"], S["how"]]))
    # 13(2)(c) withdrawal of consent
    consent = [a for a in acts if a.has_basis(LegalBasisCode.CONSENT) or a.art9_condition == "9.2.a"]
    e = Element("13(2)(c)", "GDPR Art. 13(2)(c), Art. 14(2)(d), Art. 7(3)",
                _r("Retten til å trekke tilbake samtykke", "The right to withdraw consent"),
                where=[S["rights"]] + [N.activity_anchor(a.id) for a in consent])
    if not consent:
        e.status = NOT_APPLICABLE
        e.reasons.append(_r("Ingen behandling bygger på samtykke; erklæringen nevner likevel retten.",
                            "No activity rests on consent; the notice states the right anyway."))
    out.append(e)
    # 13(2)(d) complaint
    out.append(Element("13(2)(d)", "GDPR Art. 13(2)(d), Art. 14(2)(e), Art. 77",
                       _r("Retten til å klage til tilsynsmyndigheten (Datatilsynet)",
                          "The right to complain to the supervisory authority (Datatilsynet)"),
                       where=[S["complaint"]]))
    # 13(2)(e) statutory or contractual requirement
    e = Element("13(2)(e)", "GDPR Art. 13(2)(e)",
                _r("Om du må gi opplysningene, og hva som skjer om du ikke gjør det",
                   "Whether you must give the data, and what happens if you do not"),
                where=[N.activity_anchor(a.id) for a in direct if a.provision or N.consent_only(a)])
    if not direct:
        e.status = NOT_APPLICABLE
        e.reasons.append(_r("Ingen opplysninger samles inn fra deg selv.", "No data is collected from the person."))
    for a in direct:
        if a.provision is None and N.consent_only(a):
            continue  # the notice says that giving data on consent alone is voluntary
        if a.provision is None:
            e.status = MISSING
            e.reasons.append(_r(f"Behandlingen {_name(a)} sier ikke om det er frivillig å gi opplysningene (provision).",
                                f"Activity {_name(a)} does not say whether giving the data is required (provision)."))
        elif a.provision.requirement != "voluntary" and not a.provision.consequence:
            e.status = MISSING
            e.reasons.append(_r(f"Behandlingen {_name(a)} sier ikke hva som skjer om du ikke gir opplysningene "
                                "(provision.consequence).",
                                f"Activity {_name(a)} does not say what happens if the data is not given "
                                "(provision.consequence)."))
    out.append(e)
    # 13(2)(f) automated decisions
    auto = [a for a in acts if a.automated_decision.exists]
    e = Element("13(2)(f)", "GDPR Art. 13(2)(f), Art. 14(2)(g), Art. 22",
                _r("Automatiserte avgjørelser, med logikken, betydningen og konsekvensene",
                   "Automated decision-making, with its logic, significance and consequences"),
                where=[S["rights"]] + [N.activity_anchor(a.id) for a in auto])
    for a in auto:
        ad = a.automated_decision
        if not (ad.logic and ad.significance and ad.consequences):
            e.status = MISSING
            e.reasons.append(_r(f"Behandlingen {_name(a)} har automatiserte avgjørelser uten logikk, betydning og "
                                "konsekvenser (automated_decision).",
                                f"Activity {_name(a)} makes automated decisions without logic, significance and "
                                "consequences (automated_decision)."))
    out.append(e)
    # 14(1)(d) categories, 14(2)(f) source
    e = Element("14(1)(d)", "GDPR Art. 14(1)(d)",
                _r("Hvilke kategorier opplysninger det gjelder, når de ikke er samlet inn fra deg",
                   "The categories of data, where not collected from the person"),
                where=[N.activity_anchor(a.id) for a in indirect])
    e2 = Element("14(2)(f)", "GDPR Art. 14(2)(f)",
                 _r("Hvor opplysningene kommer fra, og om kilden er offentlig tilgjengelig",
                    "The source of the data, and whether it is publicly accessible"),
                 where=[N.activity_anchor(a.id) for a in indirect])
    if not indirect:
        for x in (e, e2):
            x.status = NOT_APPLICABLE
            x.reasons.append(_r("Alle opplysninger samles inn fra deg selv.", "All data is collected from the person."))
    for a in indirect:
        if not a.data_categories:
            e.status = MISSING
            e.reasons.append(_r(f"Behandlingen {_name(a)} har ingen kategorier av opplysninger (data_categories).",
                                f"Activity {_name(a)} has no data categories (data_categories)."))
        if not a.source.description or a.source.publicly_accessible is None:
            e2.status = MISSING
            e2.reasons.append(_r(f"Behandlingen {_name(a)} mangler kilde eller om den er offentlig tilgjengelig "
                                 "(source.description, source.publicly_accessible).",
                                 f"Activity {_name(a)} lacks the source or whether it is publicly accessible "
                                 "(source.description, source.publicly_accessible)."))
    out += [e, e2]
    # 21(4) objection, separately
    needs = N._objection_needed(reg)
    e = Element("21(4)", "GDPR Art. 21(4)",
                _r("Retten til å protestere, tydelig og atskilt fra annen informasjon",
                   "The right to object, clearly and separately from other information"),
                where=[S["objection"]] if needs else [])
    if not needs:
        e.status = NOT_APPLICABLE
        e.reasons.append(_r("Ingen behandling bygger på bokstav e eller f eller gjelder direkte markedsføring.",
                            "No activity rests on point (e) or (f) or concerns direct marketing."))
    out.append(e)
    # The notice builds these sections; check that each "where" exists.
    ids = doc.ids()
    for el in out:
        el.where = [w for w in el.where if w in ids]
    return Coverage(out, titles)
