"""Mechanical fixes: the linter's remedies that need no decision, applied to the model and to the file."""

from __future__ import annotations

import difflib
import subprocess
import sys
from pathlib import Path

import pytest

from personvern.core.fixes import apply, apply_to_yaml, fix_register, fixes
from personvern.core.manifest import dump_register, load_register, loads_register
from personvern.core.rules import lint

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((REPO / "examples").glob("*.yaml"))
REPEALED = ("personopplysningsloven § 19", "personopplysningsloven § 28", "§ 2-7b", "§ 2-7 b", "Tollbugata 3")


def run(*args):
    return subprocess.run([sys.executable, "-m", "personvern.cli", *args], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_each_example_fixed_validates_and_has_no_mechanical_finding_left(path):
    reg = load_register(path)
    fixed, applied = fix_register(reg)
    assert applied, f"{path.name} has defects with a mechanical remedy"
    assert not [f for f in lint(fixed) if f.fix]
    text = dump_register(fixed)
    assert not [old for old in REPEALED if old in text]
    assert loads_register(text) == fixed


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_the_file_keeps_its_comments_and_reads_back_as_the_fixed_register(path):
    text = path.read_text(encoding="utf-8")
    reg = loads_register(text)
    edits = fixes([f for f in lint(reg) if f.fix])
    new = apply_to_yaml(text, edits)
    assert dump_register(loads_register(new)) == dump_register(apply(reg, edits))
    comments = [line for line in text.splitlines() if line.lstrip().startswith("#")]
    assert comments == [line for line in new.splitlines() if line.lstrip().startswith("#")]
    diff = difflib.unified_diff(text.splitlines(), new.splitlines(), lineterm="", n=0)
    changed = [line for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert len(changed) < 40  # the diff is the fixes, not a reformatted file


def test_repealed_sections_become_the_articles_in_force_in_each_language():
    reg = load_register(REPO / "examples" / "bagges.yaml")
    fixed, _ = fix_register(reg)
    assert "(personvernforordningen artikkel 13)" in fixed.notice.intro.nb
    assert "(GDPR Article 13)" in fixed.notice.intro.en
    # § 18 first paragraph (information to anyone who asks) has no article in its place: the bracket goes
    assert "§ 18" not in fixed.notice.intro.nb and "§ 18" not in fixed.notice.intro.en
    assert fixed.rights.response_time == "P1M" and "innen én måned" in fixed.rights.notes.nb
    assert fixed.activities[0].legal_bases[0].law == "ekomloven (lov om elektronisk kommunikasjon av 2024)"


def test_the_old_complaint_address_is_removed_so_the_notice_uses_the_current_one():
    reg = load_register(REPO / "examples" / "backe.yaml")
    assert reg.rights.complaint_address.street == "Tollbugata 3"
    fixed, applied = fix_register(reg)
    assert fixed.rights.complaint_address is None
    assert "Postboks 458 Sentrum, 0105 Oslo" in fixed.rights.notes.nb
    assert {f.rule_id for f in applied} == {"NO-DT-1"}


def test_a_shorter_answer_time_than_a_month_is_left_alone(tmp_path):
    text = (REPO / "examples" / "bagges.yaml").read_text(encoding="utf-8").replace("response_time: P30D",
                                                                                  "response_time: P14D")
    fixed, applied = fix_register(loads_register(text))
    assert fixed.rights.response_time == "P14D" and "A12-3a" not in {f.rule_id for f in applied}


def test_fix_prints_a_diff_and_changes_nothing_until_write(tmp_path):
    path = tmp_path / "balcoo.yaml"
    original = (REPO / "examples" / "balcoo.yaml").read_text(encoding="utf-8")
    path.write_text(original, encoding="utf-8")
    shown = run("fix", str(path))
    assert shown.returncode == 0
    assert "-  response_time: P30D" in shown.stdout and "+  response_time: P1M" in shown.stdout
    assert "[NO-POL-3] notice.intro" in shown.stdout
    assert path.read_text(encoding="utf-8") == original
    written = run("fix", str(path), "--write", "--lang", "en")
    assert written.returncode == 0 and "Wrote 2 fixes" in written.stdout
    assert "response_time: P1M" in path.read_text(encoding="utf-8")
    again = run("fix", str(path))
    assert again.returncode == 0 and again.stdout.strip() == "Ingen mekaniske rettelser."


def test_fix_on_an_invalid_file_exits_2_with_the_located_problem(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("controller:\n  legal_name: [unclosed\n", encoding="utf-8")
    p = run("fix", str(path))
    assert p.returncode == 2 and "broken.yaml:" in p.stderr and "Traceback" not in p.stderr
