"""`personvern lint` and `personvern protocol` as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from openpyxl import load_workbook

from personvern.core.manifest import load_register
from personvern.core.rules import lint

from .registers import GOOD

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"


def run(*args, cwd=REPO):
    return subprocess.run([sys.executable, "-m", "personvern.cli", *args], capture_output=True, cwd=cwd, timeout=60)


def test_lint_prints_findings_with_lines_and_exits_1_on_errors():
    p = run("lint", str(EXAMPLES / "backe.yaml"))
    out = p.stdout.decode()
    assert p.returncode == 1
    assert "backe.yaml:223: feil [DEF-03] activities[1].legal_bases[0]" in out
    assert "Kilde: " in out and "Råd: " in out
    findings = lint(load_register(EXAMPLES / "backe.yaml"))
    errors = sum(f.severity == "error" for f in findings)
    assert out.rstrip().splitlines()[-1].startswith(f"{len(findings)} funn: {errors} feil")


def test_lint_json_in_english():
    p = run("lint", str(EXAMPLES / "glasoterapi.yaml"), "--format", "json", "--lang", "en")
    data = json.loads(p.stdout)
    assert p.returncode == 1
    assert data["counts"]["error"] == sum(f["severity"] == "error" for f in data["findings"]) > 0
    f = next(f for f in data["findings"] if f["rule_id"] == "NO-EKOM-2")
    assert f["status"] == "unverified" and f["severity"] == "warning" and f["line"] and f["citation"]
    assert set(f) == {"rule_id", "severity", "path", "message", "citation", "hint", "status", "line"}


def test_lint_exits_0_without_errors(tmp_path):
    import yaml

    path = tmp_path / "good.yaml"
    path.write_text(yaml.safe_dump(GOOD, allow_unicode=True))
    p = run("lint", str(path), "--lang", "en")
    assert p.returncode == 0, p.stdout.decode()
    assert "No findings." in p.stdout.decode()


def test_lint_exits_2_with_located_errors_for_an_invalid_file(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("controller:\n  legal_name: X\nactivities:\n  - id: Not A Slug\n    name: x\n")
    p = run("lint", str(path))
    assert p.returncode == 2
    assert f"{path}:4 activities[0].id" in p.stderr.decode()


def test_protocol_writes_xlsx_csv_and_md(tmp_path):
    out = tmp_path / "record.xlsx"
    p = run("protocol", str(EXAMPLES / "bagges.yaml"), "--format", "xlsx", "-o", str(out), "--lang", "en")
    assert p.returncode == 0, p.stderr.decode()
    ws = load_workbook(out).worksheets[0]
    assert ws["A1"].value.startswith("Record of processing activities")
    p = run("protocol", str(EXAMPLES / "bagges.yaml"), "--format", "csv")
    assert p.returncode == 0 and p.stdout.decode("utf-8-sig").startswith("Nr.,Behandlingsaktivitet")
    p = run("protocol", str(EXAMPLES / "bagges.yaml"), "--format", "md")
    assert "| Nr. | Behandlingsaktivitet |" in p.stdout.decode()


def test_protocol_xlsx_defaults_to_a_file_next_to_the_register(tmp_path):
    src = tmp_path / "org.yaml"
    src.write_bytes((EXAMPLES / "balcoo.yaml").read_bytes())
    p = run("protocol", str(src), "--format", "xlsx")
    assert p.returncode == 0 and (tmp_path / "org-protokoll.xlsx").exists()
