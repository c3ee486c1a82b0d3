"""The privacy notice (personvernerklæring) rendered from the register.

    >>> doc = build(register, "nb")            # the notice as a small document tree
    >>> html = render_html(register, "nb")     # <article class="pv-notice"> ... </article> with its <style>
    >>> md = render_markdown(register, "en")
    >>> render(register, lang="nb", fmt="html", standalone=True)   # a whole HTML page

Every fact comes from the register; the words around them come from here and `core.language`, in
Norwegian bokmål and English. Every register value is escaped (HTML: `html.escape`; Markdown: the
characters Markdown or HTML would read as markup); links are made only for http(s) and mailto
addresses. The HTML uses no external assets, and its CSS sits in `:where()` (specificity 0) with
custom properties (`--pv-*`), so an embedding site can override any of it.

Sections have stable ids (`SECTION_IDS`); `core.coverage` points at them.
"""

from __future__ import annotations

import datetime as dt
import html as _html
import re
from dataclasses import dataclass, field
from . import language as L
from .manifest import (
    Activity,
    Address,
    LegalBasisCode,
    Recipient,
    RecipientRole,
    Register,
    Text,
    TransferMechanism,
)

# --------------------------------------------------------------------------
# A small document tree, rendered to HTML or Markdown
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    href: str
    text: str


Inline = str | Link
Parts = list[Inline]


@dataclass
class P:
    parts: Parts
    cls: str = ""


@dataclass
class UL:
    items: list[Parts]


@dataclass
class DL:
    items: list[tuple[str, list]]  # (term, blocks)


@dataclass
class Table:
    caption: str
    headers: list[str]
    rows: list[list[Parts]]


@dataclass
class Lines:
    """Lines of an address or a contact block."""

    lines: list[Parts]


@dataclass
class Section:
    id: str
    title: str
    blocks: list = field(default_factory=list)
    children: list[Section] = field(default_factory=list)


@dataclass
class Notice:
    lang: str
    title: str
    subtitle: str | None
    last_changed: dt.date | None
    lead: list
    sections: list[Section]

    def section(self, sid: str) -> Section | None:
        def walk(items):
            for s in items:
                if s.id == sid:
                    return s
                found = walk(s.children)
                if found:
                    return found
            return None

        return walk(self.sections)

    def ids(self) -> set[str]:
        out: set[str] = set()

        def walk(items):
            for s in items:
                out.add(s.id)
                walk(s.children)

        walk(self.sections)
        return out


SECTION_IDS = {
    "controller": "behandlingsansvarlig",
    "dpo": "personvernombud",
    "roles": "ansvar",
    "activities": "behandlinger",
    "cookies": "informasjonskapsler",
    "recipients": "mottakere",
    "transfers": "overforing",
    "rights": "rettigheter",
    "how": "bruke-rettighetene",
    "objection": "protest",
    "complaint": "klage",
    "security": "sikkerhet",
    "other": "annet",
    "changes": "endringer",
}


def activity_anchor(activity_id: str) -> str:
    return f"behandling-{activity_id}"


SAFE_HREF = re.compile(r"^(https?://|mailto:)[^\s<>\"']+$", re.IGNORECASE)


def safe_href(href: str | None) -> str | None:
    """The address when it is http(s) or mailto; None for anything else (javascript:, data: ...)."""
    if href and SAFE_HREF.match(href.strip()):
        return href.strip()
    return None


def link(href: str | None, text: str | None = None) -> Inline:
    """A link when the address is safe, else the text alone."""
    safe = safe_href(href)
    label = text if text is not None else (href or "")
    return Link(safe, label) if safe else label


def mail(address: str) -> Inline:
    return link(f"mailto:{address}", address)


# --------------------------------------------------------------------------
# Building the notice
# --------------------------------------------------------------------------


class _Ctx:
    def __init__(self, reg: Register, lang: str, request_url: str | None):
        self.reg = reg
        self.lang = "en" if lang == "en" else "nb"
        self.request_url = request_url

        self._recipients = {r.id: r for r in reg.recipients}
        self._systems = {s.id: s for s in reg.systems}
        self._roles = {r.id: r for r in reg.roles}
        self._activities = {a.id: a for a in reg.activities}

    def recipient(self, rid: str):
        return self._recipients.get(rid)

    def system(self, sid: str):
        return self._systems.get(sid)

    def role(self, rid: str):
        return self._roles.get(rid)

    def activity(self, aid: str):
        return self._activities.get(aid)

    def t(self, nb: str, en: str) -> str:
        return en if self.lang == "en" else nb

    def x(self, text: Text | None) -> str:
        """A register Text in the language (bokmål when no English is written)."""
        return text.get(self.lang) if text is not None else ""

    def art(self, art: int, para: int | None = None, letter: str | None = None) -> str:
        return L.gdpr_article(art, para, letter, self.lang)


def _address_lines(a: Address, lang: str) -> list[str]:
    lines = [x for x in (a.street, a.postbox) if x]
    city = " ".join(x for x in (a.postal_code, a.city) if x)
    if city:
        lines.append(city)
    if a.country and a.country != "NO":
        lines.append(L.country(a.country, lang))
    return lines


def last_changed(reg: Register, as_of: dt.date | None = None) -> dt.date | None:
    """The 'Sist endret' date: the latest of the notice's updated date, its changes, its first
    publication and `as_of` (the day this text is published, when it is)."""
    dates = [d for d in (reg.notice.updated, reg.notice.published, as_of) if d] + [c.date for c in reg.changelog]
    return max(dates) if dates else None


def build(reg: Register, lang: str = "nb", *, request_url: str | None = None,
          as_of: dt.date | None = None, complete: bool | None = None) -> Notice:
    """The notice as a document tree.

    `request_url`: where people send a rights request when the register names no e-mail or form
    (the platform's form, /p/<org>/rettigheter). `as_of`: the day this text is published; the
    'Sist endret' date is the later of it and the dates the register gives. `complete`: whether the
    notice may say it gives all the information of Art. 13 and 14 (None: the coverage check decides).
    """
    c = _Ctx(reg, lang, request_url)
    ctl = reg.controller
    title = c.x(reg.notice.title) or c.t(f"Personvernerklæring for {ctl.legal_name}",
                                         f"Privacy notice for {ctl.legal_name}")
    subtitle = None
    if reg.notice.applies_to:
        subtitle = c.t("Gjelder for: ", "Applies to: ") + c.x(reg.notice.applies_to)
    lead: list = []
    if reg.notice.intro:
        lead.append(P([c.x(reg.notice.intro)]))
    about = c.t(
        f"Her forteller vi hvordan {ctl.legal_name} behandler personopplysninger: hvilke opplysninger vi "
        "samler inn, hvorfor, hvem vi deler dem med, hvor lenge vi tar vare på dem, og hvilke rettigheter du "
        "har.",
        f"This notice explains how {ctl.legal_name} processes personal data: what we collect, why, who we "
        "share it with, how long we keep it and what rights you have.")
    about += c.t(
        " Reglene står i personvernforordningen (GDPR), som gjelder som norsk lov gjennom personopplysningsloven "
        "(lov 15. juni 2018 nr. 38).",
        " The rules are in the General Data Protection Regulation (GDPR), which is Norwegian law through the "
        "Personal Data Act (personopplysningsloven, lov 15. juni 2018 nr. 38).")
    if complete is None:
        from .coverage import coverage  # coverage reads a notice built with complete=False

        complete = coverage(reg).complete
    if complete:  # the claim only where every element of Art. 13 and 14 is there
        about += c.t(" Erklæringen gir deg informasjonen du har krav på etter artikkel 13 og 14 i forordningen.",
                     " It gives you the information you are entitled to under Articles 13 and 14 of the GDPR.")
    lead.append(P([about]))

    sections = [
        _controller(c),
        _activities(c),
    ]
    if reg.cookies:
        sections.append(_cookies(c))
    if reg.recipients:
        sections.append(_recipients(c))
    transfers = _transfers(c)
    if transfers:
        sections.append(transfers)
    sections.append(_rights(c))
    objection = _objection(c)
    if objection:
        sections.append(objection)
    sections.append(_complaint(c))
    if reg.security:
        sections.append(Section(SECTION_IDS["security"], c.t("Informasjonssikkerhet", "Information security"),
                                [UL([[c.x(s)] for s in reg.security])]))
    if reg.notice.statements:
        sections.append(Section(SECTION_IDS["other"], c.t("Annen informasjon", "Other information"),
                                [P([c.x(s)]) for s in reg.notice.statements]))
    changed = last_changed(reg, as_of)
    sections.append(_changes(c, changed))
    return Notice(c.lang, title, subtitle, changed, lead, sections)


def _controller(c: _Ctx) -> Section:
    reg, ctl = c.reg, c.reg.controller
    who = ctl.legal_name
    if ctl.org_number:
        who += c.t(f" (organisasjonsnummer {L.org_number(ctl.org_number)})",
                   f" (organisation number {L.org_number(ctl.org_number)})")
    text = c.t(f"{who} er behandlingsansvarlig for behandlingen av personopplysningene som er beskrevet i "
               "denne erklæringen.",
               f"{who} is the controller for the processing of personal data described in this notice.")
    blocks: list = [P([text])]
    m = ctl.manager
    if m and (m.name or m.title):
        role = c.x(m.title) if m.title else ""
        name = ", ".join(x for x in (m.name, role) if x)
        en_name = name if m.name else f"the {name}"
        blocks.append(P([c.t(f"Det daglige ansvaret på vegne av virksomheten har {name}.",
                             f"Day-to-day responsibility on the company's behalf lies with {en_name}.")]))
    if ctl.notes:
        blocks.append(P([c.x(ctl.notes)]))
    contact: list[tuple[str, list]] = []
    if ctl.postal_address:
        contact.append((c.t("Postadresse", "Postal address"), [Lines([[x] for x in _address_lines(ctl.postal_address, c.lang)])]))
    if ctl.visiting_address:
        contact.append((c.t("Besøksadresse", "Visiting address"),
                        [Lines([[x] for x in _address_lines(ctl.visiting_address, c.lang)])]))
    if ctl.email:
        contact.append((c.t("E-post", "E-mail"), [P([mail(ctl.email)])]))
    if ctl.phone:
        contact.append((c.t("Telefon", "Telephone"), [P([ctl.phone])]))
    if ctl.websites:
        items = []
        for w in ctl.websites:
            parts: Parts = [link(w.url)]
            if w.aliases:
                parts.append(c.t(" (også ", " (also ") + L.join(w.aliases, c.lang) + ")")
            items.append(parts)
        contact.append((c.t("Nettsted", "Website"), [UL(items)] if len(items) > 1 else [P(items[0])]))
    if ctl.contact and (ctl.contact.name or ctl.contact.email or ctl.contact.phone):
        p = ctl.contact
        parts = [", ".join(x for x in (p.name, c.x(p.title) if p.title else None) if x)]
        if p.email:
            parts += [", ", mail(p.email)]
        if p.phone:
            parts += [", " + p.phone]
        contact.append((c.t("Kontaktperson", "Contact person"), [P(parts)]))
    if contact:
        blocks.append(DL(contact))
    else:
        blocks.append(P([c.t("Erklæringen oppgir ingen kontaktopplysninger for den behandlingsansvarlige.",
                             "The notice gives no contact details for the controller.")]))

    dpo = ctl.dpo
    dpo_blocks: list = []
    if dpo.designated:
        dpo_blocks.append(P([c.t("Vi har et personvernombud, som du kan kontakte om alt som gjelder vår behandling "
                                 "av personopplysninger om deg og om rettighetene dine:",
                                 "We have a data protection officer, whom you can contact about anything to do "
                                 "with our processing of your personal data and your rights:")]))
        lines: list[Parts] = []
        if dpo.name:
            lines.append([dpo.name])
        if dpo.email:
            lines.append([c.t("E-post: ", "E-mail: "), mail(dpo.email)])
        if dpo.phone:
            lines.append([c.t("Telefon: ", "Telephone: ") + dpo.phone])
        if lines:
            dpo_blocks.append(Lines(lines))
    else:
        dpo_blocks.append(P([c.t("Vi har ikke utpekt personvernombud.",
                                 "We have not designated a data protection officer.")]))
        if dpo.compliance_by:
            dpo_blocks.append(P([c.x(dpo.compliance_by)]))
    children = [Section(SECTION_IDS["dpo"], c.t("Personvernombud", "Data protection officer"), dpo_blocks)]
    if reg.roles:
        items = []
        for r in reg.roles:
            name = c.x(r.name) + (f" ({r.holder})" if r.holder else "")
            items.append([name + (": " + c.x(r.responsibility) if r.responsibility else "")])
        children.append(Section(SECTION_IDS["roles"], c.t("Hvem som har det daglige ansvaret", "Who is responsible day to day"),
                                [UL(items)]))
    return Section(SECTION_IDS["controller"], c.t("Hvem som er ansvarlig", "Who is responsible"), blocks, children)


def retention_text(activity: Activity, lang: str = "nb") -> str:
    """How long the activity's data is kept, in words."""
    r = activity.retention
    if r is None:
        return L.NOT_STATED[lang]
    parts = []
    if r.period and r.rule:
        parts.append(f"{L.duration(r.period, lang)} {L.retention_rule(r.rule, lang, after_period=True)}")
    elif r.period:
        parts.append(L.duration(r.period, lang))
    elif r.rule:
        parts.append(L.retention_rule(r.rule, lang))
    head = parts[0][:1].upper() + parts[0][1:] if parts else ""
    if head and r.law:
        head += f" ({'jf.' if lang == 'nb' else 'see'} {r.law})"
    out = [head + "." if head else ""]
    if r.description:
        out.append(r.description.get(lang))
    return " ".join(x for x in out if x)


def _basis_items(c: _Ctx, a: Activity) -> list:
    items = []
    for b in a.legal_bases:
        code = LegalBasisCode(b.basis)
        text = L.LEGAL_BASES[code][c.lang]
        text = text[:1].upper() + text[1:]
        text += f" ({c.art(6, 1, code.value)}"
        if b.law:
            text += f", {c.t('jf.', 'see')} {b.law}"
        text += ")."
        parts: Parts = [text]
        if code == LegalBasisCode.LEGITIMATE_INTERESTS and b.legitimate_interest:  # none: the linter's A13-1d
            parts.append(c.t(" Vår berettigede interesse: ", " Our legitimate interest: ") + c.x(b.legitimate_interest))
        if b.note:
            parts.append(" " + c.x(b.note))
        items.append(parts)
    return items


def _activity(c: _Ctx, a: Activity) -> Section:
    reg, t = c.reg, c.t
    rows: list[tuple[str, list]] = []
    if a.purpose:  # without one the linter has an error (A13-1c); the notice states no gap
        rows.append((t("Formål", "Purpose"), [P([c.x(a.purpose)])]))
    if a.data_subjects or a.children:
        blocks: list = []
        if a.data_subjects:
            blocks.append(P([L.join([c.x(s) for s in a.data_subjects], c.lang)]))
        if a.children:
            blocks.append(P([t("Barn kan være blant dem opplysningene gjelder.",
                               "Children may be among the people the data concerns.")]))
            if a.has_basis(LegalBasisCode.CONSENT):
                blocks.append(P([t(
                    "Gjelder samtykket en informasjonssamfunnstjeneste og du er under 13 år, må samtykket gis av "
                    f"den som har foreldreansvaret for deg ({c.art(8, 1)}, jf. personopplysningsloven § 5).",
                    "If the consent concerns an information society service and you are under 13, it must be "
                    f"given by the person with parental responsibility for you ({c.art(8)}(1), see "
                    "personopplysningsloven § 5).")]))
        rows.append((t("Hvem opplysningene gjelder", "Whose data"), blocks))
    data: list = []
    if a.data_categories:
        data.append(UL([[c.x(d)] for d in a.data_categories]))
    if a.special_categories:
        cats = L.join([L.label(s, c.lang) for s in a.special_categories], c.lang)
        text = t(f"Særlige kategorier av personopplysninger ({c.art(9)}): {cats}.",
                 f"Special categories of personal data ({c.art(9)}): {cats}.")
        if a.art9_condition:
            text += t(" Unntaket vi bygger på: ", " The exception we rely on: ") + L.art9_condition(a.art9_condition, c.lang) + "."
        data.append(P([text]))
    if a.criminal_offence_data:
        data.append(P([t(f"Opplysninger om straffedommer og lovovertredelser ({c.art(10)}).",
                         f"Data relating to criminal convictions and offences ({c.art(10)}).")]))
    if data:
        rows.append((t("Opplysninger vi behandler", "Data we process"), data))
    # Source: stated only where the register states it (a camera or a call log is not "from you" by default)
    src = a.source
    stated = "source" in a.model_fields_set and "from_data_subject" in src.model_fields_set
    src_blocks: list = []
    if src.from_data_subject and stated:
        text = t("Vi får opplysningene fra deg", "We get the data from you")
        if a.channels:
            text += t(", gjennom ", ", through ") + L.join([L.label(ch, c.lang) for ch in a.channels], c.lang)
        src_blocks.append(P([text + "."]))
    elif a.channels:
        src_blocks.append(P([t("Opplysningene samles inn gjennom ", "The data is collected through ")
                             + L.join([L.label(ch, c.lang) for ch in a.channels], c.lang) + "."]))
    if src.description:
        src_blocks.append(P([c.x(src.description)]))
    if src.publicly_accessible is True:
        src_blocks.append(P([t("Opplysningene kan også komme fra offentlig tilgjengelige kilder.",
                               "The data may also come from publicly accessible sources.")]))
    elif src.publicly_accessible is False and not src.from_data_subject:
        src_blocks.append(P([t("Kilden er ikke offentlig tilgjengelig.", "The source is not publicly accessible.")]))
    if src_blocks:
        rows.append((t("Hvor opplysningene kommer fra", "Where the data comes from"), src_blocks))
    # Legal basis
    if a.legal_bases:
        items = _basis_items(c, a)
        rows.append((t("Behandlingsgrunnlag", "Legal basis"), [P(items[0])] if len(items) == 1 else [UL(items)]))
    if a.provision:
        parts = [L.label(a.provision.requirement, c.lang)]
        if a.provision.consequence:
            parts.append(" " + c.x(a.provision.consequence))
        rows.append((t("Må du gi oss opplysningene?", "Do you have to give us the data?"), [P(["".join(parts)])]))
    elif consent_only(a):
        rows.append((t("Må du gi oss opplysningene?", "Do you have to give us the data?"), [P([t(
            "Nei. Behandlingen bygger bare på samtykke, og det er frivillig å gi oss disse opplysningene.",
            "No. The processing rests on consent alone, and giving us this data is voluntary.")])]))
    if a.has_basis(LegalBasisCode.CONSENT):
        text = t("Du kan når som helst trekke tilbake samtykket. Det påvirker ikke lovligheten av behandlingen "
                 "som fant sted før du trakk det tilbake.",
                 "You can withdraw your consent at any time. This does not affect the lawfulness of the "
                 "processing carried out before you withdrew it.")
        if a.withdrawal:
            text += " " + c.x(a.withdrawal)
        rows.append((t("Trekke tilbake samtykke", "Withdrawing consent"), [P([text])]))
    elif a.withdrawal:  # a way to opt out, but no consent to withdraw: do not say there is one
        rows.append((t("Slik reserverer du deg", "How to opt out"), [P([c.x(a.withdrawal)])]))
    # Recipients
    if a.recipients:
        items = []
        for rid in a.recipients:
            r = c.recipient(rid)
            if r is None:
                continue
            text = f"{r.name} ({L.label(r.role, c.lang)}"
            if r.country:
                text += f", {L.country(r.country, c.lang)}"
            text += ")"
            if r.services:
                text += ": " + c.x(r.services)
            items.append([text])
        rows.append((t("Hvem som mottar opplysningene", "Who receives the data"), [UL(items)]))
    outside = [c.recipient(rid) for rid in a.recipients]
    outside = [r for r in outside if r is not None and r.outside_eea]
    if outside:
        rows.append((t("Overføring utenfor EØS", "Transfers outside the EEA"),
                     [UL([_transfer_parts(c, r) for r in outside])]))
    if a.systems:
        names = []
        for sid in a.systems:
            s = c.system(sid)
            if s is None:
                continue
            name = s.name
            extra = []
            if s.count:
                extra.append(t(f"{L.number(s.count, 'nb')} stykker", f"{L.number(s.count, 'en')} units"))
            if s.location:
                extra.append(c.x(s.location))
            if s.description:
                extra.append(c.x(s.description))
            names.append([name + (": " + "; ".join(extra) if extra else "")])
        rows.append((t("Systemer", "Systems"), [UL(names)] if len(names) > 1 else [P(names[0])]))
    if a.retention is not None:  # without one the linter has an error (A13-2a)
        rows.append((t("Hvor lenge vi tar vare på opplysningene", "How long we keep the data"),
                     [P([retention_text(a, c.lang)])]))
    if a.deidentification or a.ip_prefix_v4 is not None:
        items = [L.label(d, c.lang) for d in a.deidentification]
        text = L.join(items, c.lang)
        text = (text[:1].upper() + text[1:] + ".") if text else ""
        if a.ip_prefix_v4 is not None:
            groups = a.ip_prefix_v4 // 8
            text += " " + t(
                f"Av IPv4-adressen brukes bare de første {a.ip_prefix_v4} bitene"
                + (f" (de {L.number(groups, 'nb')} første tallgruppene)." if a.ip_prefix_v4 % 8 == 0 and groups else "."),
                f"Only the first {a.ip_prefix_v4} bits of the IPv4 address are used"
                + (f" (the first {L.number(groups, 'en')} groups of digits)." if a.ip_prefix_v4 % 8 == 0 and groups else "."),
            )
        rows.append((t("Personvernvennlige tiltak", "Privacy measures"), [P([text.strip()])]))
    ad = a.automated_decision
    if ad.exists:
        blocks = [P([t("Behandlingen omfatter automatiserte avgjørelser, også profilering "
                       f"({c.art(22, 1)} og 4).",
                       f"The processing involves automated decisions, including profiling ({c.art(22)}(1) and (4)).")])]
        for term, val in ((t("Logikken", "The logic"), ad.logic), (t("Betydningen", "The significance"), ad.significance),
                          (t("Forventede konsekvenser", "Envisaged consequences"), ad.consequences)):
            if val:  # a missing one is the linter's error (A13-2f), never a printed gap
                blocks.append(P([f"{term}: {c.x(val)}"]))
        rows.append((t("Automatiserte avgjørelser", "Automated decisions"), blocks))
    if a.direct_marketing:
        rows.append((t("Direkte markedsføring", "Direct marketing"), [P([
            t("Du kan når som helst protestere mot at opplysningene brukes til direkte markedsføring. Se ",
              "You can object at any time to the use of the data for direct marketing. See "),
            Link("#" + SECTION_IDS["objection"], t("Retten til å protestere", "The right to object")), "."])]))
    if a.made_public:
        rows.append((t("Offentliggjøring", "Publication"), [P([t("Opplysningene blir offentliggjort.",
                                                                 "The data is made public.")])]))
    if a.responsible_role:
        role = c.role(a.responsible_role)
        if role:
            rows.append((t("Hvem som har ansvaret", "Who is responsible"),
                         [P([c.x(role.name) + (f" ({role.holder})" if role.holder else "")])]))
    if a.notes:
        rows.append((t("Mer om behandlingen", "More about the processing"), [P([c.x(a.notes)])]))
    return Section(activity_anchor(a.id), c.x(a.name), [DL(rows)])


def _transfer_parts(c: _Ctx, r: Recipient) -> Parts:
    t = c.t
    where = L.country(r.country, c.lang)
    if r.transfer is None or r.transfer.mechanism == TransferMechanism.UNSTATED:
        # The basis is the linter's error (A13-1f); the notice says where the data goes and nothing it cannot back.
        return [t(f"{r.name} ({where}).", f"{r.name} ({where}).")]
    tr = r.transfer
    text = t(f"{r.name} ({where}), på grunnlag av ", f"{r.name} ({where}), on the basis of ") + L.label(tr.mechanism, c.lang)
    if tr.reference:
        text += f" ({tr.reference})"
    parts: Parts = [text + "."]
    if tr.copy_url:
        parts += [t(" Kopi av garantiene: ", " A copy of the safeguards: "), link(tr.copy_url), "."]
    elif tr.mechanism in (TransferMechanism.SCC_2021_914, TransferMechanism.BCR):
        parts.append(t(" Du kan få en kopi av garantiene ved å kontakte oss.",
                       " You can get a copy of the safeguards by contacting us."))
    return parts


def _activities(c: _Ctx) -> Section:
    reg = c.reg
    blocks: list = []
    if reg.activities:
        blocks.append(P([c.t("Nedenfor beskriver vi hver behandling for seg: hvilke opplysninger vi behandler, "
                             "hvorfor, hvilket grunnlag i loven vi bygger på, hvem som mottar opplysningene og "
                             "hvor lenge vi tar vare på dem.",
                             "Below we describe each processing activity in turn: what data we process, why, "
                             "which legal basis we rely on, who receives the data and how long we keep it.")]))
        if len(reg.activities) > 1:
            blocks.append(UL([[Link("#" + activity_anchor(a.id), c.x(a.name))] for a in reg.activities]))
    else:
        blocks.append(P([c.t("Erklæringen beskriver ingen behandlinger.", "The notice describes no processing.")]))
    return Section(SECTION_IDS["activities"], c.t("Hvilke opplysninger vi behandler, og hvorfor",
                                                  "What data we process, and why"),
                   blocks, [_activity(c, a) for a in reg.activities])


def _cookies(c: _Ctx) -> Section:
    reg, t = c.reg, c.t
    rows = []
    for k in reg.cookies:
        provider = k.provider or ""
        rec = c.recipient(provider) if provider else None
        if rec:
            provider = rec.name
        if k.party and not provider:
            provider = t("oss selv", "ourselves") if k.party == "first" else t("tredjepart", "third party")
        purpose: Parts = [c.x(k.purpose) if k.purpose else "–"]
        act = c.activity(k.activity) if k.activity else None
        if act:
            purpose += [" (", Link("#" + activity_anchor(act.id), c.x(act.name)), ")"]
        rows.append([
            [k.name],
            [provider or "–"],
            purpose,
            [L.cookie_expiry(k.expiry, c.lang) if k.expiry else "–"],
            [L.label(k.category, c.lang) if k.category else "–"],
        ])
    blocks = [
        P([t("Informasjonskapsler (cookies) og lignende teknologi lagrer eller leser informasjon på enheten "
             "din, for eksempel i nettleseren. Tabellen viser hvilke vi bruker. Informasjonskapsler som ikke er strengt nødvendige for å "
             "levere tjenesten du ber om, krever samtykke etter ekomloven (lov om elektronisk kommunikasjon av "
             "2024). Du kan slette informasjonskapsler i innstillingene i nettleseren din.",
             "Cookies and similar technology store or read information on your device, for example in your "
             "browser. The table shows the "
             "ones we use. Cookies that are not strictly necessary to provide the service you ask for require "
             "consent under the Norwegian Electronic Communications Act of 2024 (ekomloven). You can delete "
             "cookies in your browser's settings.")]),
        Table(t("Informasjonskapsler vi bruker", "Cookies we use"),
              [t("Navn", "Name"), t("Leverandør", "Provider"), t("Formål", "Purpose"),
               t("Varighet", "Expiry"), t("Kategori", "Category")], rows),
    ]
    return Section(SECTION_IDS["cookies"], t("Informasjonskapsler", "Cookies"), blocks)


def _recipients(c: _Ctx) -> Section:
    reg, t = c.reg, c.t
    processors = [r for r in reg.recipients if r.role == RecipientRole.PROCESSOR]
    joint = [r for r in reg.recipients if r.role == RecipientRole.JOINT_CONTROLLER]
    others = [r for r in reg.recipients if r.role not in (RecipientRole.PROCESSOR, RecipientRole.JOINT_CONTROLLER)]
    blocks: list = []
    if processors:
        blocks.append(P([t("Databehandlere behandler personopplysninger på våre vegne og etter våre instrukser "
                           f"({c.art(28)}).",
                           f"Processors process personal data on our behalf and on our instructions ({c.art(28)}).")]))
        rows = []
        for r in processors:
            dpa = "–"
            if r.dpa and r.dpa.in_place:
                dpa = t("Ja", "Yes") + (f" ({L.date(r.dpa.date, c.lang)})" if r.dpa.date else "")
            elif r.dpa and r.dpa.in_place is False:
                dpa = t("Nei", "No")
            rows.append([[r.name], [c.x(r.services) if r.services else "–"], [L.country(r.country, c.lang)], [dpa]])
        blocks.append(Table(t("Databehandlere", "Processors"),
                            [t("Navn", "Name"), t("Hva de gjør for oss", "What they do for us"), t("Land", "Country"),
                             t("Databehandleravtale", "Processing agreement")], rows))
    if joint:
        # Art. 26(2): the essence of the arrangement is made available to the data subject.
        blocks.append(P([t("Vi er felles behandlingsansvarlige med disse for den delen av behandlingen vi bestemmer "
                           f"sammen, og du kan bruke rettighetene dine overfor hver av oss ({c.art(26)}). "
                           "Hovedinnholdet i ordningen:",
                           "We are joint controllers with these for the part of the processing we decide together, "
                           f"and you may exercise your rights against each of us ({c.art(26)}). The essence of the "
                           "arrangement:")]))
        rows = [[[r.name], [c.x(r.services) if r.services else "–"], [c.x(r.arrangement) if r.arrangement else "–"],
                 [L.country(r.country, c.lang)]] for r in joint]
        blocks.append(Table(t("Felles behandlingsansvarlige", "Joint controllers"),
                            [t("Navn", "Name"), t("Hva vi gjør sammen", "What we do together"),
                             t("Hvem gjør hva", "Who does what"), t("Land", "Country")], rows))
    if others:
        blocks.append(P([t("Disse mottar opplysninger fra oss og er selv ansvarlige for sin behandling av dem:",
                           "These receive data from us and are themselves responsible for their processing of it:")]))
        rows = []
        for r in others:
            name: Parts = [r.name]
            if r.privacy_policy_url and safe_href(r.privacy_policy_url):
                name = [r.name, " (", Link(safe_href(r.privacy_policy_url), t("personvernerklæring", "privacy notice")), ")"]
            rows.append([name, [L.label(r.role, c.lang)], [c.x(r.services) if r.services else "–"],
                         [L.country(r.country, c.lang)]])
        blocks.append(Table(t("Andre mottakere", "Other recipients"),
                            [t("Navn", "Name"), t("Rolle", "Role"), t("Hva de mottar opplysninger til", "What for"),
                             t("Land", "Country")], rows))
    return Section(SECTION_IDS["recipients"], t("Hvem vi deler opplysninger med", "Who we share data with"), blocks)


def _transfers(c: _Ctx) -> Section | None:
    outside = [r for r in c.reg.recipients if r.outside_eea]
    if not outside:
        return None
    return Section(SECTION_IDS["transfers"], c.t("Overføring til land utenfor EØS", "Transfers outside the EEA"), [
        P([c.t("Noen mottakere holder til i land utenfor EU/EØS. Slike overføringer krever et særskilt grunnlag "
               f"({c.art(44)}–49). Mottaker, land og grunnlag:",
               "Some recipients are in countries outside the EU/EEA. Such transfers need a specific basis "
               f"(GDPR Articles 44–49). Recipient, country and basis:")]),
        UL([_transfer_parts(c, r) for r in outside]),
    ])


def _request_channels(c: _Ctx) -> list[Parts]:
    reg, t = c.reg, c.t
    rh = reg.rights
    items: list[Parts] = []
    if rh.email:
        items.append([t("Send e-post til ", "E-mail "), mail(rh.email)])
    if rh.form_url and safe_href(rh.form_url):
        items.append([t("Bruk skjemaet på ", "Use the form at "), link(rh.form_url)])
    if not rh.email and not (rh.form_url and safe_href(rh.form_url)):
        if c.request_url and safe_href(c.request_url):
            items.append([t("Bruk skjemaet på ", "Use the form at "), link(c.request_url)])
        elif reg.controller.email:
            items.append([t("Send e-post til ", "E-mail "), mail(reg.controller.email)])
    if rh.postal and reg.controller.postal_address:
        addr = ", ".join([reg.controller.legal_name] + _address_lines(reg.controller.postal_address, c.lang))
        items.append([t("Skriv til oss: ", "Write to us: ") + addr])
    return items


def _has_contact(ctl) -> bool:
    return bool(ctl.email or ctl.phone or ctl.postal_address or ctl.visiting_address)


def _rights(c: _Ctx) -> Section:
    reg, t, art = c.reg, c.t, c.art
    rh = reg.rights
    on_consent = [a for a in reg.activities if a.has_basis(LegalBasisCode.CONSENT) or a.art9_condition == "9.2.a"]
    # "each says how" only when each does
    consent_used = bool(on_consent) and all(a.withdrawal for a in on_consent)
    auto = any(a.automated_decision.exists for a in reg.activities)
    # "None of them involves such decisions" only when the register says so of every activity
    none_stated = bool(reg.activities) and all("automated_decision" in a.model_fields_set for a in reg.activities)
    rights: list[tuple[str, list]] = [
        (t("Innsyn", "Access"), [P([t(
            f"Du kan få vite om vi behandler opplysninger om deg, få en kopi av dem og få vite hva vi bruker dem "
            f"til, hvem som har fått dem og hvor lenge vi tar vare på dem ({art(15)}).",
            f"You can find out whether we process data about you, get a copy of it, and learn what we use it "
            f"for, who has received it and how long we keep it ({art(15)}).")])]),
        (t("Retting", "Rectification"), [P([t(
            f"Du kan få rettet opplysninger som er feil, og supplert opplysninger som er ufullstendige ({art(16)}).",
            f"You can have incorrect data corrected and incomplete data completed ({art(16)}).")])]),
        (t("Sletting", "Erasure"), [P([t(
            "Du kan be oss slette opplysninger om deg, for eksempel når vi ikke lenger trenger dem eller du trekker "
            "tilbake samtykket. Vi sletter ikke opplysninger vi er pålagt å ta vare på, eller som vi trenger for å "
            f"fastsette, gjøre gjeldende eller forsvare et rettskrav ({art(17)}).",
            "You can ask us to erase data about you, for example when we no longer need it or you withdraw your "
            "consent. We do not erase data the law requires us to keep, or that we need to establish, exercise "
            f"or defend legal claims ({art(17)}).")])]),
        (t("Begrensning", "Restriction"), [P([t(
            "Du kan be oss begrense behandlingen, for eksempel mens vi undersøker om opplysningene er riktige. Da "
            "lagrer vi opplysningene, men bruker dem ellers bare med ditt samtykke, for å fastsette, gjøre gjeldende "
            "eller forsvare et rettskrav, for å verne andres rettigheter eller av hensyn til viktige allmenne "
            f"interesser ({art(18)}).",
            "You can ask us to restrict processing, for example while we check whether the data is correct. We "
            "then store the data, and otherwise use it only with your consent, to establish, exercise or defend "
            f"legal claims, to protect the rights of others or for reasons of important public interest ({art(18)}).")])]),
        (t("Beskjed til mottakere", "Notice to recipients"), [P([t(
            "Når vi retter, sletter eller begrenser opplysninger, gir vi beskjed til dem vi har utlevert "
            "opplysningene til, med mindre det er umulig eller krever uforholdsmessig stor innsats. Ber du om det, "
            f"får du vite hvem de er ({art(19)}).",
            "When we rectify, erase or restrict data, we tell those to whom we have disclosed it, unless this is "
            f"impossible or involves disproportionate effort. If you ask, we tell you who they are ({art(19)}).")])]),
        (t("Dataportabilitet", "Data portability"), [P([t(
            "Når behandlingen bygger på samtykke eller avtale og skjer automatisert, kan du få opplysningene du "
            "selv har gitt oss, i et strukturert, alminnelig brukt og maskinlesbart format, og be oss overføre "
            f"dem direkte til en annen behandlingsansvarlig ({art(20)}).",
            "When the processing is based on consent or contract and is automated, you can receive the data you "
            "have given us in a structured, commonly used and machine-readable format, and ask us to send it "
            f"directly to another controller ({art(20)}).")])]),
        (t("Protest", "Objection"), [P([t(
            "Du kan protestere mot behandling som bygger på berettiget interesse eller allmennhetens interesse, og "
            f"mot direkte markedsføring ({art(21)}).",
            "You can object to processing based on legitimate interests or the public interest, and to direct "
            f"marketing ({art(21)}).")]
            + ([" ", Link("#" + SECTION_IDS["objection"], t("Les mer om retten til å protestere.",
                                                             "Read more about the right to object."))]
               if _objection_needed(reg) else []))]),
        (t("Automatiserte avgjørelser", "Automated decisions"), [P([t(
            "Du har rett til ikke å bli gjenstand for en avgjørelse som utelukkende bygger på automatisert "
            "behandling, også profilering, når avgjørelsen har rettsvirkning for deg eller på lignende måte "
            f"påvirker deg betydelig ({art(22)}). ",
            "You have the right not to be subject to a decision based solely on automated processing, including "
            f"profiling, which produces legal effects concerning you or similarly significantly affects you ({art(22)}). ")
            + (t("Se beskrivelsen av behandlingene over.", "See the description of the activities above.") if auto
               else t("Ingen av behandlingene i denne erklæringen innebærer slike avgjørelser.",
                      "None of the processing in this notice involves such decisions.") if none_stated
               else "")])]),
        (t("Trekke tilbake samtykke", "Withdrawing consent"), [P([t(
            "Når behandlingen bygger på samtykke, kan du når som helst trekke samtykket tilbake, like enkelt som "
            "du ga det. Det påvirker ikke lovligheten av behandlingen som fant sted før du trakk det tilbake "
            f"({art(7, 3)}).",
            "When the processing is based on consent, you can withdraw your consent at any time, as easily as you "
            "gave it. This does not affect the lawfulness of the processing carried out before you withdrew it "
            f"({art(7)}(3)).")
            + (t(" Under hver behandling som bygger på samtykke, står det hvordan du trekker det tilbake.",
                 " Each activity based on consent says how to withdraw it.") if consent_used else "")])]),
    ]
    blocks = [P([t("Du har disse rettighetene når vi behandler personopplysninger om deg:",
                   "You have these rights when we process personal data about you:")]), DL(rights)]
    if rh.notes:
        blocks.append(P([c.x(rh.notes)]))

    how: list = []
    channels = _request_channels(c)
    if channels:
        how.append(P([t("Vil du bruke rettighetene dine, kan du kontakte oss slik:",
                        "To use your rights, contact us like this:")]))
        how.append(UL(channels))
    elif _has_contact(reg.controller):
        # No channel for requests (the linter's error): point to the contact details the notice gives.
        how.append(P([t("Vil du bruke rettighetene dine, kan du kontakte oss på kontaktopplysningene ovenfor.",
                        "To use your rights, contact us at the contact details above.")]))
    deadline = L.duration(rh.response_time, c.lang)
    how.append(P([t(
        f"Vi svarer uten ugrunnet opphold og senest innen {deadline} etter at vi har mottatt henvendelsen. "
        "Er henvendelsen sammensatt, eller har vi mange henvendelser, kan fristen forlenges med inntil to nye "
        f"måneder; da får du beskjed om det og om grunnen innen den første fristen ({art(12, 3)}).",
        f"We reply without undue delay and within {deadline} of receiving your request at the latest. If the "
        "request is complex or we have many requests, the deadline can be extended by up to two further months; "
        f"you are then told so, and why, within the first deadline ({art(12)}(3)).")]))
    if rh.free_of_charge:
        how.append(P([t(
            "Det er gratis å bruke rettighetene. Bare dersom en henvendelse er åpenbart grunnløs eller urimelig, "
            f"kan vi kreve et rimelig gebyr eller avslå den ({art(12, 5)}).",
            "Using your rights is free of charge. Only if a request is manifestly unfounded or excessive may we "
            f"charge a reasonable fee or refuse it ({art(12)}(5)).")]))
    else:
        how.append(P([t(
            "Vi kan kreve et rimelig gebyr når en henvendelse er åpenbart grunnløs eller urimelig, og for "
            f"ytterligere kopier ({art(12, 5)} og {art(15, 3)}).",
            "We may charge a reasonable fee when a request is manifestly unfounded or excessive, and for further "
            f"copies ({art(12)}(5) and {art(15)}(3)).")]))
    if rh.identity_check:
        how.append(P([c.x(rh.identity_check)]))
    else:
        how.append(P([t(
            "Har vi rimelig grunn til å tvile på hvem du er, kan vi be deg om de opplysningene som trengs for å "
            f"bekrefte identiteten din, og ikke mer ({art(12, 6)}).",
            "If we have reasonable doubts about who you are, we may ask you for the information needed to "
            f"confirm your identity, and no more ({art(12)}(6)).")]))
    return Section(SECTION_IDS["rights"], t("Dine rettigheter", "Your rights"), blocks,
                   [Section(SECTION_IDS["how"], t("Slik bruker du rettighetene", "How to use your rights"), how)])


def consent_only(a) -> bool:
    """Consent is the activity's only basis, so giving the data is voluntary (GDPR Art. 4(11), 7(4)): the
    notice says so when the register gives no `provision` (Art. 13(2)(e))."""
    return bool(a.legal_bases) and all(b.basis == LegalBasisCode.CONSENT for b in a.legal_bases)


def _objection_needed(reg: Register) -> bool:
    return any(a.has_basis(LegalBasisCode.LEGITIMATE_INTERESTS) or a.has_basis(LegalBasisCode.PUBLIC_TASK)
               or a.direct_marketing for a in reg.activities)


def _objection(c: _Ctx) -> Section | None:
    reg, t = c.reg, c.t
    if not _objection_needed(reg):
        return None
    ef = [a for a in reg.activities
          if a.has_basis(LegalBasisCode.LEGITIMATE_INTERESTS) or a.has_basis(LegalBasisCode.PUBLIC_TASK)]
    dm = [a for a in reg.activities if a.direct_marketing]
    blocks: list = []
    if ef:
        blocks.append(P([t(
            "Du har rett til når som helst å protestere mot behandling av opplysninger om deg som bygger på vår "
            "berettigede interesse eller på allmennhetens interesse, av grunner som gjelder din særlige situasjon. "
            "Vi må da stanse behandlingen, med mindre vi kan påvise tungtveiende berettigede grunner som går foran "
            "dine interesser, rettigheter og friheter, eller behandlingen er nødvendig for å fastsette, gjøre "
            f"gjeldende eller forsvare et rettskrav ({c.art(21, 1)}). Dette gjelder disse behandlingene:",
            "You have the right to object at any time, on grounds relating to your particular situation, to "
            "processing of data about you that is based on our legitimate interests or on the public interest. "
            "We must then stop, unless we can demonstrate compelling legitimate grounds that override your "
            "interests, rights and freedoms, or the processing is needed to establish, exercise or defend legal "
            f"claims ({c.art(21)}(1)). This applies to these activities:")]))
        blocks.append(UL([[Link("#" + activity_anchor(a.id), c.x(a.name))] for a in ef]))
    if dm:
        blocks.append(P([t(
            "Du har rett til når som helst å protestere mot at opplysninger om deg brukes til direkte "
            "markedsføring, også profilering knyttet til det. Da slutter vi å bruke opplysningene til dette, uten "
            f"at du må begrunne det ({c.art(21, 2)} og 3). Dette gjelder:",
            "You have the right to object at any time to the use of data about you for direct marketing, "
            "including related profiling. We then stop using the data for that purpose, and you need not give a "
            f"reason ({c.art(21)}(2) and (3)). This applies to:")]))
        blocks.append(UL([[Link("#" + activity_anchor(a.id), c.x(a.name))] for a in dm]))
    blocks.append(P([t("Du protesterer på samme måte som du bruker de andre rettighetene, se ",
                       "You object in the same way as you use your other rights, see "),
                     Link("#" + SECTION_IDS["how"], t("Slik bruker du rettighetene", "How to use your rights")), "."]))
    return Section(SECTION_IDS["objection"], t("Retten til å protestere", "The right to object"), blocks)


def _complaint(c: _Ctx) -> Section:
    reg, t = c.reg, c.t
    blocks: list = [P([t(
        "Mener du at vi behandler personopplysninger om deg i strid med regelverket, har du rett til å klage "
        "til en tilsynsmyndighet. I Norge er det Datatilsynet. Du kan også klage til tilsynsmyndigheten i det "
        f"EØS-landet der du vanligvis bor, der du arbeider eller der den påståtte overtredelsen skjedde ({c.art(77)}).",
        "If you think we process personal data about you in breach of the rules, you have the right to lodge a "
        "complaint with a supervisory authority. In Norway this is Datatilsynet (the Norwegian Data Protection "
        "Authority). You can also complain to the supervisory authority of the EEA country where you habitually "
        f"live, where you work or where the alleged infringement took place ({c.art(77)}).")])]
    if reg.controller.country == "NO" or reg.rights.complaint_address is None:
        d = L.DATATILSYNET
        blocks.append(DL([
            (t("Postadresse", "Postal address"), [Lines([["Datatilsynet"], [d["postal"][0]], [d["postal"][1]]])]),
            (t("Besøksadresse", "Visiting address"), [Lines([[d["visiting"][0]], [d["visiting"][1]]])]),
            (t("Telefon", "Telephone"), [P([d["phone"]])]),
            (t("Nettsted", "Website"), [P([Link(d["web"], d["web_label"])])]),
        ]))
        blocks.append(P([t(
            "Du klager til Datatilsynet gjennom det digitale klageskjemaet på nettstedet (innlogging med "
            "ID-porten) eller skriftlig til postadressen. Datatilsynet ber deg gjerne ta kontakt med oss først.",
            "You complain to Datatilsynet through the digital complaint form on its website (log-in with "
            "ID-porten) or in writing to the postal address. Datatilsynet asks you to contact us first.")]))
    else:
        blocks.append(Lines([[x] for x in _address_lines(reg.rights.complaint_address, c.lang)]))
    return Section(SECTION_IDS["complaint"], t("Klage til Datatilsynet", "Complaints to Datatilsynet"), blocks)


def _changes(c: _Ctx, changed: dt.date | None) -> Section:
    reg, t = c.reg, c.t
    blocks: list = [P([t("Vi oppdaterer erklæringen når vi endrer hvordan vi behandler personopplysninger. Den "
                         "gjeldende versjonen ligger alltid på samme adresse.",
                         "We update this notice when we change how we process personal data. The current "
                         "version is always at the same address.")])]
    dates: list[Parts] = []
    if changed:
        dates.append([t("Sist endret: ", "Last changed: ") + L.date(changed, c.lang)])
    if reg.notice.published:
        dates.append([t("Først publisert: ", "First published: ") + L.date(reg.notice.published, c.lang)])
    if dates:
        blocks.append(Lines(dates))
    if reg.changelog:
        blocks.append(UL([[f"{L.date(ch.date, c.lang)}: {c.x(ch.summary)}"]
                          for ch in sorted(reg.changelog, key=lambda x: x.date, reverse=True)]))
    return Section(SECTION_IDS["changes"], t("Endringer", "Changes"), blocks)


# --------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------

CSS = """\
:where(.pv-notice){--pv-text:#1b1b1b;--pv-muted:#4a4a4a;--pv-link:#0b4fa0;--pv-border:#c9ced6;\
--pv-head-bg:#f3f5f9;--pv-font:inherit;--pv-max-width:48rem;\
color:var(--pv-text);font-family:var(--pv-font);line-height:1.55;max-width:var(--pv-max-width)}
:where(.pv-notice) :where(a){color:var(--pv-link)}
:where(.pv-notice) :where(h1){font-size:1.9em;line-height:1.2;margin:0 0 .3em}
:where(.pv-notice) :where(h2){font-size:1.4em;margin:1.8em 0 .5em;border-bottom:1px solid var(--pv-border);padding-bottom:.2em}
:where(.pv-notice) :where(h3){font-size:1.15em;margin:1.4em 0 .4em}
:where(.pv-notice) :where(h4){font-size:1em;margin:1.2em 0 .3em}
:where(.pv-notice) :where(.pv-meta,.pv-subtitle){color:var(--pv-muted)}
:where(.pv-notice) :where(dl){margin:.5em 0}
:where(.pv-notice) :where(dt){font-weight:600;margin-top:.6em}
:where(.pv-notice) :where(dd){margin:0 0 0 1em}
:where(.pv-notice) :where(dd>p,dd>ul){margin:.15em 0}
:where(.pv-notice) :where(.pv-table){overflow-x:auto;margin:.8em 0}
:where(.pv-notice) :where(table){border-collapse:collapse;width:100%;font-size:.95em}
:where(.pv-notice) :where(caption){text-align:left;font-weight:600;padding:.3em 0}
:where(.pv-notice) :where(th,td){border:1px solid var(--pv-border);padding:.35em .5em;text-align:left;vertical-align:top}
:where(.pv-notice) :where(th){background:var(--pv-head-bg)}
:where(.pv-notice) :where(nav ol){columns:2 16em;padding-left:1.2em}
:where(.pv-notice) :where(a:focus-visible,.pv-table:focus-visible){outline:3px solid #b34700;outline-offset:2px}
"""


def _h(text: str) -> str:
    return _html.escape(text, quote=True)


def _inline_html(parts: Parts) -> str:
    out = []
    for p in parts:
        if isinstance(p, Link):
            out.append(f'<a href="{_h(p.href)}">{_h(p.text)}</a>')
        else:
            out.append(_h(p))
    return "".join(out)


def _blocks_html(blocks: list, out: list[str]) -> None:
    for b in blocks:
        if isinstance(b, P):
            cls = f' class="{b.cls}"' if b.cls else ""
            out.append(f"<p{cls}>{_inline_html(b.parts)}</p>")
        elif isinstance(b, UL):
            out.append("<ul>" + "".join(f"<li>{_inline_html(i)}</li>" for i in b.items) + "</ul>")
        elif isinstance(b, Lines):
            out.append("<p>" + "<br>".join(_inline_html(i) for i in b.lines) + "</p>")
        elif isinstance(b, DL):
            out.append("<dl>")
            for term, value in b.items:
                out.append(f"<div><dt>{_h(term)}</dt><dd>")
                _blocks_html(value, out)
                out.append("</dd></div>")
            out.append("</dl>")
        elif isinstance(b, Table):
            out.append(f'<div class="pv-table" role="region" aria-label="{_h(b.caption)}" tabindex="0"><table>'
                       f"<caption>{_h(b.caption)}</caption><thead><tr>")
            out.append("".join(f'<th scope="col">{_h(h)}</th>' for h in b.headers))
            out.append("</tr></thead><tbody>")
            for row in b.rows:
                out.append("<tr>" + "".join(
                    (f'<th scope="row">{_inline_html(cell)}</th>' if i == 0 else f"<td>{_inline_html(cell)}</td>")
                    for i, cell in enumerate(row)) + "</tr>")
            out.append("</tbody></table></div>")
        else:  # pragma: no cover
            raise TypeError(b)


def _section_html(s: Section, level: int, out: list[str]) -> None:
    out.append(f'<section id="{_h(s.id)}" aria-labelledby="{_h(s.id)}-h"><h{level} id="{_h(s.id)}-h">{_h(s.title)}</h{level}>')
    _blocks_html(s.blocks, out)
    for child in s.children:
        _section_html(child, min(level + 1, 6), out)
    out.append("</section>")


def notice_html(doc: Notice, *, style: bool = True, heading_level: int = 1) -> str:
    """The notice as an HTML fragment: an optional <style> and one <article class="pv-notice">."""
    t = (lambda nb, en: en if doc.lang == "en" else nb)
    out: list[str] = []
    if style:
        out.append(f"<style>{CSS}</style>")
    out.append(f'<article class="pv-notice" lang="{doc.lang}">')
    out.append(f"<header><h{heading_level}>{_h(doc.title)}</h{heading_level}>")
    if doc.subtitle:
        out.append(f'<p class="pv-subtitle">{_h(doc.subtitle)}</p>')
    if doc.last_changed:
        out.append(f'<p class="pv-meta">{_h(t("Sist endret", "Last changed"))}: '
                   f'<time datetime="{doc.last_changed.isoformat()}">{_h(L.date(doc.last_changed, doc.lang))}</time></p>')
    out.append("</header>")
    _blocks_html(doc.lead, out)
    out.append(f'<nav aria-label="{_h(t("Innhold", "Contents"))}"><h{heading_level + 1}>{_h(t("Innhold", "Contents"))}'
               f"</h{heading_level + 1}><ol>")
    for s in doc.sections:
        out.append(f'<li><a href="#{_h(s.id)}">{_h(s.title)}</a></li>')
    out.append("</ol></nav>")
    for s in doc.sections:
        _section_html(s, heading_level + 1, out)
    out.append("</article>")
    return "".join(out)


def notice_page(doc: Notice, *, extra_head: str = "") -> str:
    """A whole HTML document (for the command line and downloads)."""
    return (f'<!doctype html><html lang="{doc.lang}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_h(doc.title)}</title>{extra_head}<style>body{{margin:0;padding:1rem 1.25rem;"
            "font:16px/1.5 system-ui,sans-serif}</style></head><body><main>"
            + notice_html(doc) + "</main></body></html>\n")


# --------------------------------------------------------------------------
# Markdown
# --------------------------------------------------------------------------

_MD_TABLE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", **{c: "\\" + c for c in "\\`*_[]{}#|!"}})
_MD_BULLET = re.compile(r"^(\s*)([-+])(\s)")
_MD_NUMBERED = re.compile(r"^(\s*)(\d+)\.(\s)")
_SPACES = re.compile(r"\s+")


def md_escape(text: str) -> str:
    """Text that Markdown shows as written: markup characters backslash-escaped, < > & as entities."""
    text = text.translate(_MD_TABLE)
    if text[:1].isspace() or text[:1].isdigit() or text[:1] in "-+":
        text = _MD_NUMBERED.sub(r"\1\2\\.\3", _MD_BULLET.sub(r"\1\\\2\3", text))
    if "\n" in text or "  " in text or "\t" in text or "\r" in text:
        text = _SPACES.sub(" ", text)
    return text


def _inline_md(parts: Parts) -> str:
    out = []
    for p in parts:
        if isinstance(p, Link):
            href = p.href.replace(" ", "%20").replace("(", "%28").replace(")", "%29").replace("<", "%3C").replace(">", "%3E")
            out.append(f"[{md_escape(p.text)}]({href})")
        else:
            out.append(md_escape(p))
    return "".join(out)


def _blocks_md(blocks: list, out: list[str], indent: str = "") -> None:
    for b in blocks:
        if isinstance(b, P):
            out.append(indent + _inline_md(b.parts))
            out.append("")
        elif isinstance(b, UL):
            out.extend(f"{indent}- {_inline_md(i)}" for i in b.items)
            out.append("")
        elif isinstance(b, Lines):
            out.append("  \n".join(indent + _inline_md(i) for i in b.lines))
            out.append("")
        elif isinstance(b, DL):
            for term, value in b.items:
                head = f"{indent}- **{md_escape(term)}{'' if term.endswith('?') else ':'}**"
                if len(value) == 1 and isinstance(value[0], P):
                    out.append(f"{head} {_inline_md(value[0].parts)}")
                elif len(value) == 1 and isinstance(value[0], Lines):
                    out.append(f"{head} " + ", ".join(_inline_md(i) for i in value[0].lines))
                else:
                    out.append(head)
                    sub: list[str] = []
                    _blocks_md(value, sub, indent + "  ")
                    out.extend(x for x in sub if x)
            out.append("")
        elif isinstance(b, Table):
            out.append(f"{indent}*{md_escape(b.caption)}*")
            out.append("")
            out.append(indent + "| " + " | ".join(md_escape(h) for h in b.headers) + " |")
            out.append(indent + "|" + "---|" * len(b.headers))
            for row in b.rows:
                out.append(indent + "| " + " | ".join(_inline_md(cell) for cell in row) + " |")
            out.append("")


def _section_md(s: Section, level: int, out: list[str]) -> None:
    out.append("#" * level + " " + md_escape(s.title))
    out.append("")
    _blocks_md(s.blocks, out)
    for child in s.children:
        _section_md(child, min(level + 1, 6), out)


def notice_markdown(doc: Notice) -> str:
    t = (lambda nb, en: en if doc.lang == "en" else nb)
    out = ["# " + md_escape(doc.title), ""]
    if doc.subtitle:
        out += ["*" + md_escape(doc.subtitle) + "*", ""]
    if doc.last_changed:
        out += [f"{t('Sist endret', 'Last changed')}: {L.date(doc.last_changed, doc.lang)}", ""]
    _blocks_md(doc.lead, out)
    for s in doc.sections:
        _section_md(s, 2, out)
    return "\n".join(out).rstrip() + "\n"


# --------------------------------------------------------------------------
# One call
# --------------------------------------------------------------------------


def render_html(reg: Register, lang: str = "nb", **kw) -> str:
    style = kw.pop("style", True)
    return notice_html(build(reg, lang, **kw), style=style)


def render_markdown(reg: Register, lang: str = "nb", **kw) -> str:
    return notice_markdown(build(reg, lang, **kw))


def render(reg: Register, lang: str = "nb", fmt: str = "html", *, standalone: bool = False, **kw) -> str:
    """`fmt` 'html' (a fragment, or a whole page with standalone=True) or 'md'."""
    doc = build(reg, lang, **kw)
    if fmt == "md":
        return notice_markdown(doc)
    if fmt != "html":
        raise ValueError(f"unknown format {fmt!r}; use html or md")
    return notice_page(doc) if standalone else notice_html(doc)


def plain_text(fragment_html: str) -> str:
    """The visible text of a rendered fragment (for diffs and tests): tags dropped, entities decoded."""
    text = re.sub(r"<style>.*?</style>", "", fragment_html, flags=re.S)
    text = re.sub(r"<br>|</(p|li|h\d|dt|dd|tr|caption)>", "\n", text)
    text = re.sub(r"</t[dh]>", " | ", text)
    text = re.sub(r"<[^>]+>", "", text)
    text = _html.unescape(text)
    return "\n".join(line.strip() for line in text.splitlines() if line.strip()) + "\n"
