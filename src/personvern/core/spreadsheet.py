"""Spreadsheet exports in which text from staff or the public never becomes a formula.

Excel, LibreOffice and Google Sheets run a CSV cell that starts with =, +, - or @ as a
formula (a leading tab or carriage return is skipped first), so a subscriber who signs up
as `=HYPERLINK("http://evil.test")@x.no` would put a live formula in the organisation's
export. Every CSV export in personvern writes through `csv_writer`, which puts an apostrophe
before such text, as OWASP advises; numbers stay numbers. In an xlsx workbook
`text_cells` keeps such text a string cell instead of a formula.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """`value` as a spreadsheet shows it and never runs it: "'=1+1" for "=1+1"."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class _SafeWriter:
    """csv.writer whose cells go through `safe_cell`."""

    def __init__(self, file, **fmtparams):
        self._writer = csv.writer(file, **fmtparams)

    def writerow(self, row: Iterable[Any]):
        return self._writer.writerow([safe_cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(file, **fmtparams) -> _SafeWriter:
    """The one way personvern writes CSV: like csv.writer(file, **fmtparams), formulas neutralised."""
    return _SafeWriter(file, **fmtparams)


def text_cells(workbook) -> None:
    """Make every cell of an openpyxl workbook that openpyxl took for a formula ("=...") a text cell.

    For workbooks whose cells are all data (personvern writes no formulas of its own)."""
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
