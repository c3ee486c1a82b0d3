"""The Art. 30(1) record: xlsx (read back with openpyxl), csv and md, in bokmål and English."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from personvern.core.manifest import RecipientRole, load_register
from personvern.core.protocol import (
    COLUMNS,
    MEDIA_TYPES,
    filename,
    record,
    render,
    to_csv,
    to_markdown,
    to_xlsx,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NAMES = ["balcoo", "backe", "bagges", "glasoterapi", "ekko-ipogs"]


def _reg(name="backe"):
    return load_register(EXAMPLES / f"{name}.yaml")


def _sheet(reg, lang="nb"):
    wb = load_workbook(io.BytesIO(to_xlsx(reg, lang, today=dt.date(2026, 11, 22))))
    ws = wb.worksheets[0]
    header_row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value in ("Nr.", "No."))
    return wb, ws, header_row


def test_the_xlsx_has_the_title_controller_block_and_art30_columns():
    wb, ws, h = _sheet(_reg())
    assert ws["A1"].value == "Protokoll over behandlingsaktiviteter (personvernforordningen artikkel 30 nr. 1)"
    block = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(2, h)}
    assert block["Behandlingsansvarlig"] == "Joh. Jørg. Backe as"
    assert block["Organisasjonsnummer"] == "910 380 133"
    assert block["Personvernombud"] == "Ikke utpekt"
    assert block["Utarbeidet"] == "22. november 2026"
    headers = [ws.cell(h, c).value for c in range(1, len(COLUMNS) + 1)]
    for needle in ("art. 30 nr. 1 a", "nr. 1 b", "nr. 1 c", "nr. 1 d", "nr. 1 e", "nr. 1 f", "nr. 1 g"):
        assert any(needle in x for x in headers), needle
    assert ws.freeze_panes == f"C{h + 1}"
    assert [s.title for s in wb.worksheets] == ["Protokoll", "Mottakere"]


def test_one_row_per_activity_with_the_facts_in_their_cells():
    reg = _reg()
    _, ws, h = _sheet(reg)
    col = {key: i for i, (key, _, _) in enumerate(COLUMNS, 1)}
    rows = list(range(h + 1, ws.max_row + 1))
    assert len(rows) == len(reg.activities) == 8
    r = h + 2  # konverteringssporing
    assert ws.cell(r, col["activity"]).value == "Sporing av konverteringer for annonsering"
    assert "berettiget interesse" in ws.cell(r, col["legal_basis"]).value
    assert "Facebook (selvstendig behandlingsansvarlig, USA)" in ws.cell(r, col["recipients"]).value
    assert "Facebook, USA: grunnlaget er ikke oppgitt" in ws.cell(r, col["transfers"]).value
    assert ws.cell(r, col["retention"]).value == "ikke oppgitt"
    first = h + 1
    assert ws.cell(first, col["retention"]).value.startswith("14 måneder.")
    assert ws.cell(first, col["data_subjects"]).value == "besøkende på nettstedet"
    assert ws.cell(first, col["security"]).value == "ikke oppgitt"
    klarna = h + 8
    assert ws.cell(klarna, col["transfers"]).value == "Ingen overføring ut av EØS"
    assert ws.cell(klarna, col["legal_basis"]).value == "ikke oppgitt"
    assert ws.cell(first, col["controller"]).value.startswith("Joh. Jørg. Backe as (910 380 133), post@backeigrensen.no")


def test_joint_controllers_are_named_with_the_controller():
    reg = _reg("bagges")
    reg.recipients[0].role = RecipientRole.JOINT_CONTROLLER  # Novicell, for the test
    rec = record(reg, "en")
    i = [k for k, _, _ in COLUMNS].index("controller")
    assert "Joint controller: Novicell AS (Norway)" in rec.rows[0][i]
    assert "Joint controller" not in rec.rows[3][i]


def test_the_recipients_sheet():
    wb, _, _ = _sheet(_reg("bagges"))
    rs = wb["Mottakere"]
    rows = {rs.cell(r, 1).value: [rs.cell(r, c).value for c in range(2, 7)] for r in range(2, rs.max_row + 1)}
    assert rows["SurveyMonkey"] == ["databehandler", "USA", "Gjennomfører anonyme spørreundersøkelser", "ikke oppgitt",
                                    "grunnlaget er ikke oppgitt"]
    assert rows["Novicell AS"][3] == "Ja"


def test_the_english_record():
    wb, ws, h = _sheet(_reg("ekko-ipogs"), "en")
    assert ws["A1"].value == "Record of processing activities (GDPR Article 30(1))"
    assert ws.cell(h, 4).value == "Purposes of the processing (Art. 30(1)(b))"
    assert ws.cell(h + 1, 2).value == "Customer communication and orders"
    assert [s.title for s in wb.worksheets] == ["Record", "Recipients"]


def test_security_measures_and_special_categories_are_carried():
    reg = _reg("glasoterapi")
    rec = record(reg, "nb")
    i = [k for k, _, _ in COLUMNS].index("security")
    assert all("databehandleravtale" in row[i] for row in rec.rows)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("lang", ["nb", "en"])
def test_csv_has_a_header_and_one_row_per_activity(name, lang):
    reg = _reg(name)
    rows = list(csv.reader(io.StringIO(to_csv(reg, lang))))
    assert len(rows) == 1 + len(reg.activities)
    assert all(len(r) == len(COLUMNS) for r in rows)
    assert render(reg, "csv", lang).startswith("\ufeff".encode())



def test_a_carriage_return_inside_a_cell_keeps_the_row_whole():
    from personvern.core.manifest import validate_data

    reg = validate_data({"controller": {"legal_name": "Alpha AS"}, "activities": [{"id": "a", "name": "Kunder\rog leverandører"}]})
    rows = list(csv.reader(io.StringIO(to_csv(reg, "nb"), newline="")))
    assert len(rows) == 2 and rows[1][1].startswith("Kunder\rog")


def test_markdown_escapes_pipes_and_keeps_one_line_per_row():
    reg = _reg("bagges")
    reg.activities[0].purpose.nb = "A | B\nC"
    md = to_markdown(reg, "nb", today=dt.date(2026, 11, 22))
    assert "A \\| B<br>C" in md
    table = [line for line in md.splitlines() if line.startswith("| ") and "Nettstatistikk" in line]
    assert len(table) == 1
    assert md.startswith("# Protokoll over behandlingsaktiviteter")
    assert "- **Utarbeidet:** 22. november 2026" in md


def test_render_rejects_an_unknown_format():
    with pytest.raises(ValueError):
        render(_reg(), "pdf")


def test_download_name_and_media_type():
    assert filename(_reg("bagges"), "xlsx") == "protokoll-bagges-as.xlsx"
    assert filename(_reg("backe"), "csv", "en") == "record-joh-jorg-backe-as.csv"
    assert set(MEDIA_TYPES) == {"xlsx", "csv", "md"}
