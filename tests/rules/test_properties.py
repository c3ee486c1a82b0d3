"""The linter and the protocol on any valid register: no crash, findings well formed, both languages alike."""

from __future__ import annotations

import csv
import io

from hypothesis import HealthCheck, given, settings
from strategies import registers

from personvern.core.manifest import validate_data
from personvern.core.protocol import COLUMNS, record, to_csv
from personvern.core.rules import lint

SEVERITIES = {"error", "warning", "info"}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(registers)
def test_lint_handles_any_valid_register(data):
    reg = validate_data(data)
    nb, en = lint(reg, "nb"), lint(reg, "en")
    assert [(f.rule_id, f.severity, f.path) for f in nb] == [(f.rule_id, f.severity, f.path) for f in en]
    for f in nb + en:
        assert f.severity in SEVERITIES and f.message and f.citation and f.status
        assert not (f.status == "unverified" and f.severity == "error")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(registers)
def test_the_record_has_one_row_per_activity_for_any_register(data):
    reg = validate_data(data)
    rec = record(reg, "en")
    assert len(rec.rows) == len(reg.activities)
    rows = list(csv.reader(io.StringIO(to_csv(reg, "nb"))))
    assert len(rows) == 1 + len(reg.activities) and all(len(r) == len(COLUMNS) for r in rows)
