"""Rules on recipients: processor agreements (Art. 28) and transfers out of the EEA (Art. 44-49)."""

from __future__ import annotations

from ...manifest import RecipientRole, TransferMechanism
from ...language import join
from ..engine import Context, rule
from ..vendors import country_name

M = TransferMechanism


@rule("A28-9", severity="warning",
      summary="Every processor has a data processing agreement: warning when none is recorded, error when "
              "the register says there is none.")
def processor_agreement(ctx: Context):
    for i, r in ctx.processors():
        if r.dpa is not None and r.dpa.in_place is False:
            yield ctx.finding(
                ("recipients", i, "dpa", "in_place"),
                (f"Det finnes ingen databehandleravtale med databehandleren {r.name}.",
                 f"There is no data processing agreement with the processor {r.name}."),
                ("Inngå en skriftlig avtale med innholdet i artikkel 28 nr. 3 (EU-kommisjonens standardklausuler "
                 "2021/915 kan brukes) før databehandleren får opplysninger.",
                 "Sign a written agreement with the content of Article 28(3) (the Commission's standard clauses "
                 "2021/915 may be used) before the processor gets any data."),
                severity="error")
        elif r.dpa is None or r.dpa.in_place is None:
            yield ctx.finding(
                ("recipients", i, "dpa"),
                (f"Registeret sier ikke om det finnes en databehandleravtale med {r.name}.",
                 f"The register does not say whether there is a data processing agreement with {r.name}."),
                ("Registrer avtalen (dpa: in_place: true, dato, referanse), eller inngå en.",
                 "Record the agreement (dpa: in_place: true, date, reference), or sign one."))


def _mechanism_hint(ctx: Context, r, lang: int) -> str:
    m = ctx.vendors.for_recipient(r)
    if m is None:
        base = ("Oppgi overføringsgrunnlaget: adequacy (land med beslutning om tilstrekkelig beskyttelse), dpf "
                "(bare for amerikanske selskaper på DPF-listen), scc_2021_914 eller bcr.",
                "State the transfer mechanism: adequacy (a country with an adequacy decision), dpf (only for US "
                "companies on the DPF List), scc_2021_914 or bcr.")
        return base[lang]
    v = m.vendor
    facts = ctx.vendors.facts(v, "en" if lang else "nb")
    if v.country == "US" and v.dpf_listed:
        tip = ("Sjekk oppføringen på dataprivacyframework.gov og skriv mechanism: dpf (standardklausulene "
               "2021/914 er en reserve).",
               "Check the listing at dataprivacyframework.gov and write mechanism: dpf (SCC 2021/914 as a fallback).")
    else:
        tip = ("Skriv mechanism: scc_2021_914 med riktig modul, eller det grunnlaget avtalen faktisk bruker.",
               "Write mechanism: scc_2021_914 with the right module, or the mechanism the contract actually uses.")
    return f"{facts} {tip[lang]}"


@rule("T-44", citation=("GDPR Art. 44-46, 49; Art. 13(1)(f)", "GDPR Art. 44-46, 49; Art. 13(1)(f)"),
      summary="A recipient outside the EEA has a transfer mechanism recorded (not 'unstated').")
def transfer_mechanism(ctx: Context):
    for i, r in enumerate(ctx.reg.recipients):
        if not r.outside_eea:
            continue
        if r.transfer is None or r.transfer.mechanism == M.UNSTATED:
            yield ctx.finding(
                ("recipients", i, "transfer"),
                (f"{r.name} ({country_name(r.country, 'nb')}) er utenfor EØS, og grunnlaget for overføringen er ikke "
                 "oppgitt.",
                 f"{r.name} ({country_name(r.country, 'en')}) is outside the EEA, and the basis for the transfer is not "
                 "stated."),
                (_mechanism_hint(ctx, r, 0), _mechanism_hint(ctx, r, 1)))


@rule("T-45-DPF", summary="Mechanism 'dpf' only for US recipients, and only where they are on the DPF List.",
      citation=("Kommisjonens gjennomføringsbeslutning (EU) 2023/1795 (Data Privacy Framework); Retten "
                "T-553/23 (3. september 2025); anke C-703/25 P verserer",
                "Commission Implementing Decision (EU) 2023/1795 (Data Privacy Framework); General Court "
                "T-553/23 (3 September 2025); appeal C-703/25 P pending"))
def dpf_only_us_listed(ctx: Context):
    for i, r in enumerate(ctx.reg.recipients):
        if r.transfer is None or r.transfer.mechanism != M.DPF:
            continue
        loc = ("recipients", i, "transfer", "mechanism")
        if r.country != "US":
            yield ctx.finding(
                loc,
                (f"{r.name} er i {country_name(r.country, 'nb')}; Data Privacy Framework gjelder bare mottakere i USA.",
                 f"{r.name} is in {country_name(r.country, 'en')}; the Data Privacy Framework covers only recipients in "
                 "the US."),
                ("Bruk adequacy, scc_2021_914 eller bcr for andre land.", "Use adequacy, scc_2021_914 or bcr for other countries."))
            continue
        m = ctx.vendors.for_recipient(r)
        if m is not None and m.vendor.dpf_listed is not True:
            state = ("står ikke", "is not") if m.vendor.dpf_listed is False else ("er ikke kjent å stå", "is not known to be")
            yield ctx.finding(
                loc,
                (f"{m.vendor.legal_entity} {state[0]} på DPF-listen ifølge leverandørkatalogen (ikke verifisert).",
                 f"{m.vendor.legal_entity} {state[1]} on the DPF List according to the vendor catalogue (not verified)."),
                ("Sjekk dataprivacyframework.gov; står selskapet ikke der, bruk standardklausulene 2021/914.",
                 "Check dataprivacyframework.gov; if the company is not there, use SCC 2021/914."),
                severity="warning")


@rule("T-45", severity="warning",
      summary="Mechanism 'adequacy' only for a country with an adequacy decision (list in vendors.yaml, not verified).")
def adequacy_country(ctx: Context):
    for i, r in enumerate(ctx.reg.recipients):
        if r.transfer is None or r.transfer.mechanism != M.ADEQUACY or not r.outside_eea:
            continue
        if r.country not in ctx.vendors.adequacy:
            yield ctx.finding(
                ("recipients", i, "transfer", "mechanism"),
                (f"{country_name(r.country, 'nb')} står ikke på listen over land med beslutning om tilstrekkelig beskyttelse "
                 "(listen er ikke verifisert).",
                 f"{country_name(r.country, 'en')} is not on the list of countries with an adequacy decision (the list "
                 "is not verified)."),
                ("For USA: dpf for selskaper på DPF-listen; ellers scc_2021_914 eller bcr.",
                 "For the US: dpf for companies on the DPF List; otherwise scc_2021_914 or bcr."))


@rule("T-49", severity="warning",
      summary="Art. 49 derogations are not used for a processor's routine service.")
def derogation_not_routine(ctx: Context):
    for i, r in enumerate(ctx.reg.recipients):
        if r.transfer and r.transfer.mechanism == M.ART49 and r.role == RecipientRole.PROCESSOR:
            yield ctx.finding(
                ("recipients", i, "transfer", "mechanism"),
                (f"Unntakene i artikkel 49 er for enkeltstående overføringer, ikke en databehandlers faste tjeneste ({r.name}).",
                 f"The Article 49 derogations are for occasional transfers, not a processor's routine service ({r.name})."),
                ("Bruk standardklausulene 2021/914 (modul 2) eller dpf.", "Use SCC 2021/914 (module 2) or dpf."))


@rule("A13-1f", severity="info",
      summary="For SCC or BCR transfers, the register says where a copy of the safeguards is available.")
def safeguards_copy(ctx: Context):
    for i, r in enumerate(ctx.reg.recipients):
        t = r.transfer
        if t and t.mechanism in (M.SCC_2021_914, M.BCR) and not t.copy_url:
            yield ctx.finding(
                ("recipients", i, "transfer", "copy_url"),
                (f"Erklæringen skal si hvordan man får en kopi av garantiene for overføringen til {r.name}.",
                 f"The notice must say how to obtain a copy of the safeguards for the transfer to {r.name}."),
                ("Oppgi copy_url, ellers sier erklæringen at kopi fås ved å kontakte dere.",
                 "Give copy_url; otherwise the notice says a copy is available on request."))


@rule("DEF-05", severity="warning",
      citation=("personvernforordningen art. 13 nr. 1 f og art. 44–46; leverandørkatalogen (ikke "
                "verifisert)",
                "GDPR Art. 13(1)(f) and 44-46; the vendor catalogue (not verified)"),
      summary="Services in the vendor catalogue that send data outside the EEA (by system name, cookie provider "
              "or recipient) are declared as recipients with the right country.")
def vendor_transfers(ctx: Context):
    reg = ctx.reg
    declared = {m.vendor.key for r in reg.recipients if (m := ctx.vendors.for_recipient(r))}
    for i, r in enumerate(reg.recipients):
        m = ctx.vendors.for_recipient(r)
        if m is None or not m.vendor.third_countries or r.outside_eea:
            continue
        v = m.vendor
        yield ctx.finding(
            ("recipients", i, "country"),
            (f"{r.name} er oppført i {country_name(r.country, 'nb')}, men ifølge leverandørkatalogen går data til "
             f"{join([country_name(c, 'nb') for c in v.third_countries], 'nb')}.",
             f"{r.name} is recorded in {country_name(r.country, 'en')}, but according to the vendor catalogue data goes to "
             f"{join([country_name(c, 'en') for c in v.third_countries], 'en')}."),
            (ctx.vendors.facts(v, "nb") + " Kontroller underleverandørene og overføringsgrunnlaget.",
             ctx.vendors.facts(v, "en") + " Check the sub-processors and the transfer mechanism."))
    seen: set[str] = set()
    used = [(("systems", i, "name"), s.name) for i, s in enumerate(reg.systems) if not s.vendor]
    used += [(("cookies", i, "provider"), c.provider) for i, c in enumerate(reg.cookies)
             if c.provider and c.provider not in ctx.recipients]
    for loc, name in used:
        m = ctx.vendors.match(name)
        if m is None or not m.vendor.third_countries or m.vendor.key in declared or m.vendor.key in seen:
            continue
        seen.add(m.vendor.key)
        v = m.vendor
        yield ctx.finding(
            loc,
            (f"«{name}» er en tjeneste fra {v.legal_entity} ({country_name(v.country, 'nb')}), men registeret har "
             "ingen slik mottaker.",
             f'"{name}" is a service of {v.legal_entity} ({country_name(v.country, "en")}), but the register has '
             "no such recipient."),
            ("Får leverandøren opplysninger (f.eks. gjennom informasjonskapsler eller lagring), legg den inn som "
             "mottaker med land og overføringsgrunnlag. " + ctx.vendors.facts(v, "nb"),
             "If the vendor receives data (e.g. through cookies or storage), add it as a recipient with country "
             "and transfer mechanism. " + ctx.vendors.facts(v, "en")))



VAGUE_RECIPIENTS = {"partnere", "samarbeidspartnere", "våre partnere", "tredjeparter", "tredjepart", "andre",
                    "utvalgte selskaper", "utvalgte partnere", "leverandører", "third parties", "partners",
                    "our partners", "selected companies", "selected partners", "suppliers", "others"}


@rule("DEF-04", severity="warning",
      summary="Recipients are named, or at least given a specific category; not just 'partners' or 'third parties'.")
def vague_recipients(ctx: Context):
    for i, r in enumerate(ctx.reg.recipients):
        if r.name.strip().rstrip(".").lower() in VAGUE_RECIPIENTS:
            yield ctx.finding(
                ("recipients", i, "name"),
                (f"Mottakeren «{r.name}» er for vag.", f'The recipient "{r.name}" is too vague.'),
                ("Oppgi mottakerne ved navn, eller en konkret kategori (bransje, hva de gjør, hvor de er). Ved "
                 "innsyn har den registrerte krav på å få vite de faktiske mottakerne (C-154/21).",
                 "Name the recipients, or give a specific category (sector, what they do, where they are). On an "
                 "access request the person is entitled to the actual recipients (C-154/21)."))


@rule("A28-10", severity="info",
      summary="A vendor that uses the data for its own purposes (e.g. an advertising platform) is not modelled "
              "as a processor (vendor catalogue, not verified).")
def processor_or_controller(ctx: Context):
    for i, r in ctx.processors():
        m = ctx.vendors.for_recipient(r)
        if m is not None and m.kind == "advertising" and m.typical_role != "processor":
            yield ctx.finding(
                ("recipients", i, "role"),
                (f"{r.name} er oppført som databehandler, men annonseplattformer bruker vanligvis dataene til egne "
                 "formål.",
                 f"{r.name} is recorded as a processor, but advertising platforms usually use the data for their "
                 "own purposes."),
                (f"Vurder selvstendig eller felles behandlingsansvar (artikkel 26). {ctx.vendors.facts(m.vendor, 'nb')}",
                 f"Consider independent or joint controllership (Article 26). {ctx.vendors.facts(m.vendor, 'en')}"))


@rule("A30-1a", severity="warning",
      citation=("personvernforordningen art. 26 og art. 30 nr. 1 a; EU-domstolen C-40/17 Fashion ID",
                "GDPR Art. 26 and 30(1)(a); CJEU C-40/17 Fashion ID"),
      summary="A pixel, tag or plug-in (vendor catalogue: Meta, Google Ads, LinkedIn Insight Tag, Microsoft UET, "
              "Snap, TikTok) is not modelled as an independent controller: for the collection and transmission the "
              "site is joint controller; a joint controller comes with the essence of the arrangement.")
def joint_controllers(ctx: Context):
    for i, r in enumerate(ctx.reg.recipients):
        if r.role == RecipientRole.JOINT_CONTROLLER:
            if r.arrangement is None:
                yield ctx.finding(
                    ("recipients", i, "arrangement"),
                    (f"{r.name} er felles behandlingsansvarlig, men hovedinnholdet i ordningen er ikke beskrevet.",
                     f"{r.name} is a joint controller, but the essence of the arrangement is not described."),
                    ("Artikkel 26 nr. 2: den registrerte skal få vite hovedinnholdet i ordningen, dvs. hvem som "
                     "gir informasjonen og hvem som svarer på krav. Skriv det i arrangement.",
                     "Article 26(2): the essence of the arrangement is made available to the data subject: who "
                     "informs and who answers requests. Write it in arrangement."))
            continue
        if r.role != RecipientRole.INDEPENDENT_CONTROLLER:
            continue  # a tag vendor recorded as processor is A28-10's finding
        m = ctx.recipient_match(r.id)
        if m is None or not m.site_tag:
            continue
        yield ctx.finding(
            ("recipients", i, "role"),
            (f"{r.name} er oppført som selvstendig behandlingsansvarlig, men for innsamlingen og "
             "overføringen gjennom pikselen eller programtillegget på nettstedet er dere felles behandlingsansvarlige.",
             f"{r.name} is recorded as an independent controller, but for the collection and transmission "
             "through the pixel or plug-in on the site you are joint controllers."),
            ("Skriv role: joint_controller og beskriv hovedinnholdet i ordningen i arrangement (leverandørens "
             "vilkår for felles behandlingsansvar, hvem som informerer og hvem som svarer på krav). For det "
             "leverandøren gjør med dataene etterpå, er den selvstendig ansvarlig (C-40/17 Fashion ID). "
             + ctx.vendors.facts(m.vendor, "nb"),
             "Write role: joint_controller and describe the essence of the arrangement in arrangement (the vendor's "
             "joint-controller terms, who informs and who answers requests). For what the vendor does with the data "
             "afterwards it is a controller on its own (C-40/17 Fashion ID). " + ctx.vendors.facts(m.vendor, "en")))
