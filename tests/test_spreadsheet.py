"""No export puts a live formula in a spreadsheet: every CSV writer and the xlsx record keep text text."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from personvern.consent.models import EmailConsentEvent, NewsletterList, Subscriber
from personvern.core.manifest import loads_register
from personvern.core.protocol import to_csv, to_xlsx
from personvern.core.spreadsheet import safe_cell

SRC = Path(__file__).resolve().parents[1] / "src"
FORMULA = '=HYPERLINK("http://evil.test")'
EMAIL = f"{FORMULA}@x.no"  # stored before the public form checked addresses strictly


@pytest.mark.parametrize("text", ["=1+1", "+47 22 00 00 00", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_a_cell_that_a_spreadsheet_would_run_gets_an_apostrophe(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["kari@example.no", "2026-01-02", "", 17, -4.5, None, True])
def test_other_cells_are_left_alone(value):
    assert safe_cell(value) == value


def test_every_csv_export_writes_through_the_one_safe_writer():
    """A new export that used csv.writer directly would put formulas in again."""
    offenders = [str(p.relative_to(SRC)) for p in SRC.rglob("*.py")
                 if re.search(r"\bcsv\.(writer|DictWriter)\(", p.read_text()) and p.name != "spreadsheet.py"]
    assert offenders == []


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for cell in row]


def _download(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode()


@pytest.mark.django_db
def test_subscribers_and_newsletter_ledger_csv_neutralise_a_formula_address(login, members, org):
    newsletter = NewsletterList.objects.create(organisation=org, name="=Nytt", wording_nb="-Ja takk.")
    subscriber = Subscriber.objects.create(newsletter=newsletter, email=EMAIL, status="confirmed")
    EmailConsentEvent.objects.create(newsletter=newsletter, subscriber=subscriber, kind="confirmed",
                                     wording="-Ja takk.", wording_version="0", language="nb", method="link")
    client = login(members["privacy_officer"])
    base = f"/o/{org.slug}/consent/newsletters/{newsletter.pk}"
    for url in (f"{base}/subscribers.csv", f"{base}/ledger.csv"):
        cells = _cells(_download(client, url))
        assert "'" + EMAIL in cells
        assert not any(c.startswith(("=", "+", "-", "@")) for c in cells), url
    assert "'-Ja takk." in _cells(_download(client, f"{base}/ledger.csv"))


REGISTER = f"""
controller: {{legal_name: "@Alpha AS"}}
activities:
  - id: nyhetsbrev
    name: '{FORMULA}'
    purpose: "-1+1"
"""


def test_the_record_csv_neutralises_formulas_from_the_register():
    cells = _cells(to_csv(loads_register(REGISTER)))
    assert "'" + FORMULA in cells and "'-1+1" in cells


def test_the_record_xlsx_keeps_formulas_from_the_register_as_text():
    wb = load_workbook(io.BytesIO(to_xlsx(loads_register(REGISTER))))
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert FORMULA in [c.value for c in cells]  # the text as written
    assert [c.coordinate for c in cells if c.data_type == "f"] == []  # and no cell is a formula


def test_the_rights_export_csv_neutralises_formulas_in_the_persons_rows():
    from personvern.rights.export import _csv

    cells = _cells(_csv([{"navn": FORMULA, "sum": -5, "notat": None}]))
    assert cells == ["navn", "sum", "notat", "'" + FORMULA, "-5", ""]
