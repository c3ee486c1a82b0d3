"""docs/linter.md lists every rule the linter has."""

from pathlib import Path

from personvern.core.rules import rule_table

DOC = Path(__file__).resolve().parents[2] / "docs" / "linter.md"


def test_every_rule_is_in_the_docs_table():
    text = DOC.read_text(encoding="utf-8")
    missing = [r.id for r in rule_table() if f"| {r.id} |" not in text]
    assert missing == []


def test_the_docs_table_names_no_rule_the_linter_lacks():
    ids = {r.id for r in rule_table()}
    section = DOC.read_text(encoding="utf-8").split("\n## Rules\n")[1].split("\n## ")[0]
    rows = [line.split("|")[1].strip() for line in section.splitlines()
            if line.startswith("| ") and not line.startswith("| Id")]
    assert [r for r in rows if r not in ids] == []
