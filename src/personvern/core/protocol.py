"""The record of processing activities (protokoll, GDPR Art. 30(1)) as a table: one row per activity.

    >>> table = record(register, "nb")          # Record: title, controller block, headers, rows
    >>> data = to_xlsx(register, "nb")          # bytes of an .xlsx workbook (openpyxl)
    >>> text = to_csv(register, "en"); md = to_markdown(register, "nb")

The columns follow Art. 30(1)(a)-(g) in order (controller and DPO, purposes, categories of data subjects
and of data, recipients, third-country transfers and safeguards, time limits for erasure, security
measures), with the legal basis, the systems and the responsible role added after the purposes and at
the end, as Datatilsynet's template for a record does. Every value comes from the register; what the
register does not say is written as "ikke oppgitt" / "not stated", so a gap is visible to the reader.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass

from . import language as L
from .manifest import Activity, Address, Register, Text
from .notice import retention_text
from .spreadsheet import csv_writer, text_cells

COLUMNS: list[tuple[str, str, str]] = [  # (key, nb, en)
    ("no", "Nr.", "No."),
    ("activity", "Behandlingsaktivitet", "Processing activity"),
    ("controller", "Behandlingsansvarlig, kontaktperson og personvernombud (art. 30 nr. 1 a)",
     "Controller, contact and data protection officer (Art. 30(1)(a))"),
    ("purposes", "Formål med behandlingen (art. 30 nr. 1 b)", "Purposes of the processing (Art. 30(1)(b))"),
    ("legal_basis", "Behandlingsgrunnlag (art. 6 og 9)", "Legal basis (Art. 6 and 9)"),
    ("data_subjects", "Kategorier av registrerte (art. 30 nr. 1 c)", "Categories of data subjects (Art. 30(1)(c))"),
    ("data_categories", "Kategorier av personopplysninger (art. 30 nr. 1 c)",
     "Categories of personal data (Art. 30(1)(c))"),
    ("recipients", "Kategorier av mottakere, også i tredjeland (art. 30 nr. 1 d)",
     "Categories of recipients, including in third countries (Art. 30(1)(d))"),
    ("transfers", "Overføring til tredjeland og garantier (art. 30 nr. 1 e)",
     "Transfers to third countries and safeguards (Art. 30(1)(e))"),
    ("retention", "Planlagte slettefrister (art. 30 nr. 1 f)", "Envisaged time limits for erasure (Art. 30(1)(f))"),
    ("security", "Tekniske og organisatoriske sikkerhetstiltak (art. 30 nr. 1 g, art. 32)",
     "Technical and organisational security measures (Art. 30(1)(g), Art. 32)"),
    ("systems", "Systemer", "Systems"),
    ("responsible", "Ansvarlig internt", "Responsible internally"),
]

WORDS = {
    "title": ("Protokoll over behandlingsaktiviteter", "Record of processing activities"),
    "subtitle": ("personvernforordningen artikkel 30 nr. 1", "GDPR Article 30(1)"),
    "controller": ("Behandlingsansvarlig", "Controller"),
    "org_number": ("Organisasjonsnummer", "Organisation number"),
    "address": ("Adresse", "Address"),
    "email": ("E-post", "E-mail"),
    "phone": ("Telefon", "Telephone"),
    "manager": ("Daglig leder", "Managing director"),
    "contact": ("Kontaktperson", "Contact"),
    "dpo": ("Personvernombud", "Data protection officer"),
    "joint": ("Felles behandlingsansvarlig", "Joint controller"),
    "no_dpo": ("Ikke utpekt", "None designated"),
    "generated": ("Utarbeidet", "Prepared"),
    "none": ("Ingen", "None"),
    "no_transfer": ("Ingen overføring ut av EØS", "No transfer outside the EEA"),
    "unstated": ("grunnlaget er ikke oppgitt", "the basis is not stated"),
    "special": ("Særlige kategorier", "Special categories"),
    "criminal": ("Opplysninger om straffedommer og lovovertredelser (art. 10)",
                 "Data on criminal convictions and offences (Art. 10)"),
    "children": ("Barn er blant de registrerte", "Children are among the data subjects"),
    "dpa": ("databehandleravtale", "data processing agreement"),
    "dpa_none": ("ingen databehandleravtale", "no data processing agreement"),
    "dpa_unknown": ("databehandleravtale ikke oppgitt", "data processing agreement not stated"),
    "recipients_sheet": ("Mottakere", "Recipients"),
    "sheet": ("Protokoll", "Record"),
    "r_name": ("Mottaker", "Recipient"),
    "r_role": ("Rolle", "Role"),
    "r_country": ("Land", "Country"),
    "r_services": ("Tjenester", "Services"),
    "r_dpa": ("Databehandleravtale", "Data processing agreement"),
    "r_transfer": ("Overføringsgrunnlag", "Transfer mechanism"),
    "yes": ("Ja", "Yes"), "no": ("Nei", "No"),
}


def _w(key: str, lang: str) -> str:
    return WORDS[key][1 if lang == "en" else 0]


def _t(text: Text | None, lang: str) -> str:
    return text.get(lang) if text is not None else ""


def _address(a: Address | None, lang: str) -> str:
    if a is None:
        return ""
    parts = [x for x in (a.street, a.postbox, " ".join(x for x in (a.postal_code, a.city) if x)) if x]
    if a.country and a.country != "NO":
        parts.append(L.country(a.country, lang))
    return ", ".join(parts)


@dataclass
class Record:
    lang: str
    title: str
    controller: list[tuple[str, str]]  # (label, value) for the block above the table
    headers: list[str]
    rows: list[list[str]]              # one per activity, cells in the order of COLUMNS
    recipient_headers: list[str]
    recipient_rows: list[list[str]]


def _controller_block(reg: Register, lang: str) -> list[tuple[str, str]]:
    c = reg.controller
    out = [(_w("controller", lang), c.legal_name)]
    if c.org_number:
        out.append((_w("org_number", lang), L.org_number(c.org_number)))
    addr = _address(c.postal_address or c.visiting_address, lang)
    if addr:
        out.append((_w("address", lang), addr))
    if c.email:
        out.append((_w("email", lang), c.email))
    if c.phone:
        out.append((_w("phone", lang), c.phone))
    for key, person in (("manager", c.manager), ("contact", c.contact)):
        if person and (person.name or person.email or person.phone):
            out.append((_w(key, lang), ", ".join(x for x in (person.name, person.email, person.phone) if x)))
    out.append((_w("dpo", lang), _dpo(reg, lang)))
    return out


def _dpo(reg: Register, lang: str) -> str:
    d = reg.controller.dpo
    if not d.designated:
        return _w("no_dpo", lang) + (f" ({_t(d.compliance_by, lang)})" if d.compliance_by else "")
    return ", ".join(x for x in (d.name, d.email, d.phone) if x) or L.NOT_STATED[lang]


def _controller_cell(reg: Register, lang: str, a: Activity) -> str:
    """Art. 30(1)(a): the controller with contact, the joint controllers of this activity, and the DPO."""
    c = reg.controller
    contact = ", ".join(x for x in (c.email, c.phone) if x) or _address(c.postal_address, lang)
    lines = [c.legal_name + (f" ({L.org_number(c.org_number)})" if c.org_number else "") + (f", {contact}" if contact else "")]
    joint = [r for rid in a.recipients if (r := reg.recipient(rid)) and r.role.value == "joint_controller"]
    if joint:
        lines.append(f"{_w('joint', lang)}: " + ", ".join(f"{r.name} ({L.country(r.country, lang)})" for r in joint))
    lines.append(f"{_w('dpo', lang)}: {_dpo(reg, lang)}")
    return "\n".join(lines)


def _legal_basis(a: Activity, lang: str) -> str:
    out = []
    for b in a.legal_bases:
        s = L.legal_basis(b.basis, lang)
        if b.law:
            s += f", {b.law}"
        if b.legitimate_interest:
            s += f": {_t(b.legitimate_interest, lang)}"
        out.append(s)
    if a.art9_condition:
        out.append(L.art9_condition(a.art9_condition, lang))
    return "\n".join(out) or L.NOT_STATED[lang]


def _data_categories(a: Activity, lang: str) -> str:
    out = [_t(x, lang) for x in a.data_categories]
    if a.special_categories:
        out.append(f"{_w('special', lang)}: " + ", ".join(L.label(s, lang) for s in a.special_categories))
    if a.criminal_offence_data:
        out.append(_w("criminal", lang))
    return "\n".join(out) or L.NOT_STATED[lang]


def _data_subjects(a: Activity, lang: str) -> str:
    out = [_t(x, lang) for x in a.data_subjects]
    if a.children:
        out.append(_w("children", lang))
    return "\n".join(out) or L.NOT_STATED[lang]


def _transfer(r, lang: str) -> str:
    if r.transfer is None or r.transfer.mechanism.value == "unstated":
        return _w("unstated", lang)
    s = L.label(r.transfer.mechanism, lang)
    if r.transfer.reference:
        s += f" ({r.transfer.reference})"
    if r.transfer.copy_url:
        s += f", {r.transfer.copy_url}"
    return s


def _recipients_and_transfers(reg: Register, a: Activity, lang: str) -> tuple[str, str]:
    recipients, transfers = [], []
    for rid in a.recipients:
        r = reg.recipient(rid)
        if r is None:
            continue
        recipients.append(f"{r.name} ({L.label(r.role, lang)}, {L.country(r.country, lang)})")
        if r.outside_eea:
            transfers.append(f"{r.name}, {L.country(r.country, lang)}: {_transfer(r, lang)}")
    return ("\n".join(recipients) or _w("none", lang), "\n".join(transfers) or _w("no_transfer", lang))


def record(reg: Register, lang: str = "nb") -> Record:
    lang = "en" if lang == "en" else "nb"
    i = 1 if lang == "en" else 0
    security = "\n".join(_t(s, lang) for s in reg.security) or L.NOT_STATED[lang]
    rows = []
    for n, a in enumerate(reg.activities, 1):
        recipients, transfers = _recipients_and_transfers(reg, a, lang)
        systems = ", ".join(s.name for sid in a.systems if (s := reg.system(sid)))
        role = reg.role(a.responsible_role) if a.responsible_role else None
        cells = {
            "no": str(n),
            "activity": _t(a.name, lang),
            "controller": _controller_cell(reg, lang, a),
            "purposes": _t(a.purpose, lang) or L.NOT_STATED[lang],
            "legal_basis": _legal_basis(a, lang),
            "data_subjects": _data_subjects(a, lang),
            "data_categories": _data_categories(a, lang),
            "recipients": recipients,
            "transfers": transfers,
            "retention": retention_text(a, lang),
            "security": security,
            "systems": systems,
            "responsible": (_t(role.name, lang) + (f" ({role.holder})" if role.holder else "")) if role else "",
        }
        rows.append([cells[key] for key, _, _ in COLUMNS])
    recipient_rows = []
    for r in reg.recipients:
        dpa = "" if r.role.value != "processor" else (
            _w("yes", lang) if r.dpa and r.dpa.in_place else _w("no", lang) if r.dpa and r.dpa.in_place is False
            else L.NOT_STATED[lang])
        recipient_rows.append([r.name, L.label(r.role, lang), L.country(r.country, lang), _t(r.services, lang), dpa,
                               _transfer(r, lang) if r.outside_eea else _w("no_transfer", lang)])
    return Record(
        lang=lang,
        title=f"{WORDS['title'][i]} ({WORDS['subtitle'][i]})",
        controller=_controller_block(reg, lang),
        headers=[c[1 + i] for c in COLUMNS],
        rows=rows,
        recipient_headers=[_w(k, lang) for k in ("r_name", "r_role", "r_country", "r_services", "r_dpa", "r_transfer")],
        recipient_rows=recipient_rows,
    )


# --------------------------------------------------------------------------
# Formats
# --------------------------------------------------------------------------


def to_csv(reg: Register, lang: str = "nb") -> str:
    """One header row and one row per activity (UTF-8, CRLF; line breaks inside cells are kept, quoted)."""
    rec = record(reg, lang)
    buf = io.StringIO()
    # CRLF as RFC 4180 (and the rights export) has it: csv quotes a cell only for the characters of its line
    # terminator, so with "\n" alone a carriage return inside a cell would break the row.
    w = csv_writer(buf, lineterminator="\r\n")
    w.writerow(rec.headers)
    w.writerows(rec.rows)
    return buf.getvalue()


def _md_cell(value: str) -> str:
    return value.replace("\\", "\\\\").replace("|", "\\|").replace("\n", "<br>") or " "


def to_markdown(reg: Register, lang: str = "nb", today: dt.date | None = None) -> str:
    rec = record(reg, lang)
    out = [f"# {rec.title}", ""]
    out += [f"- **{label}:** {_md_cell(value)}" for label, value in rec.controller]
    out += [f"- **{_w('generated', rec.lang)}:** {L.date(today or dt.date.today(), rec.lang)}", ""]
    out.append("| " + " | ".join(rec.headers) + " |")
    out.append("|" + "---|" * len(rec.headers))
    out += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rec.rows]
    out += ["", f"## {_w('recipients_sheet', rec.lang)}", ""]
    out.append("| " + " | ".join(rec.recipient_headers) + " |")
    out.append("|" + "---|" * len(rec.recipient_headers))
    out += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rec.recipient_rows]
    return "\n".join(out) + "\n"


WIDTHS = {"no": 5, "activity": 24, "controller": 28, "purposes": 40, "legal_basis": 36, "data_subjects": 24,
          "data_categories": 36, "recipients": 32, "transfers": 32, "retention": 36, "security": 36,
          "systems": 20, "responsible": 18}


def to_xlsx(reg: Register, lang: str = "nb", today: dt.date | None = None) -> bytes:
    """A workbook: sheet 1 the record (title, controller block, then the table from row `header_row`),
    sheet 2 the recipients with role, country, agreement and transfer mechanism."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    rec = record(reg, lang)
    wb = Workbook()
    ws = wb.active
    ws.title = _w("sheet", rec.lang)
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    head_fill = PatternFill("solid", fgColor="DDE4EE")
    ws.cell(1, 1, rec.title).font = Font(bold=True, size=14)
    block = rec.controller + [(_w("generated", rec.lang), L.date(today or dt.date.today(), rec.lang))]
    for r, (label, value) in enumerate(block, 2):
        ws.cell(r, 1, label).font = bold
        ws.cell(r, 2, value)
    header_row = len(block) + 3  # a blank row after the block
    for col, text in enumerate(rec.headers, 1):
        cell = ws.cell(header_row, col, text)
        cell.font, cell.alignment, cell.fill = bold, wrap, head_fill
    for r, row in enumerate(rec.rows, header_row + 1):
        for col, value in enumerate(row, 1):
            ws.cell(r, col, int(value) if col == 1 else value).alignment = wrap
    for col, (key, _, _) in enumerate(COLUMNS, 1):
        ws.column_dimensions[get_column_letter(col)].width = WIDTHS[key]
    ws.freeze_panes = ws.cell(header_row + 1, 3)
    if rec.rows:
        ws.auto_filter.ref = f"A{header_row}:{get_column_letter(len(COLUMNS))}{ws.max_row}"
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0  # all columns on the page width
    ws.sheet_properties.pageSetUpPr.fitToPage = True

    rs = wb.create_sheet(_w("recipients_sheet", rec.lang))
    rs.append(rec.recipient_headers)
    for col in range(1, len(rec.recipient_headers) + 1):
        cell = rs.cell(1, col)
        cell.font, cell.alignment, cell.fill = bold, wrap, head_fill
    for row in rec.recipient_rows:
        rs.append(row)
        for col in range(1, len(row) + 1):
            rs.cell(rs.max_row, col).alignment = wrap
    for col, width in enumerate((32, 22, 16, 40, 18, 32), 1):
        rs.column_dimensions[get_column_letter(col)].width = width
    rs.freeze_panes = "A2"

    text_cells(wb)  # register text that starts with "=" stays text
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


FORMATS = ("xlsx", "csv", "md")
MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
}


def filename(reg: Register, fmt: str, lang: str = "nb") -> str:
    """A download name: 'protokoll-balcoo-as.xlsx' / 'record-balcoo-as.xlsx'."""
    name = reg.controller.legal_name.lower().translate(str.maketrans("æøå", "eoa"))
    slug = re.sub(r"[^a-z0-9]+", "-", name).strip("-")
    return f"{'record' if lang == 'en' else 'protokoll'}-{slug or 'register'}.{fmt}"


def render(reg: Register, fmt: str, lang: str = "nb") -> bytes:
    """The record in `fmt` (xlsx, csv or md) as bytes (text formats in UTF-8)."""
    if fmt == "xlsx":
        return to_xlsx(reg, lang)
    if fmt == "csv":
        return to_csv(reg, lang).encode("utf-8-sig")  # the BOM makes Excel read UTF-8
    if fmt == "md":
        return to_markdown(reg, lang).encode("utf-8")
    raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
