"""Precision and recall of the linter against the gold annotations of the five seeds (tests/rules/gold/).

A finding counts as true when the gold lists its (rule, path) as a defect; a gold defect counts as found when the
linter reports that (rule, path), at any severity. The figures are printed (pytest -s) and stated in docs/linter.md.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from personvern.core.manifest import load_register
from personvern.core.rules import lint

GOLD = Path(__file__).resolve().parent / "gold"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NAMES = sorted(p.stem for p in GOLD.glob("*.yaml"))


def _gold(name: str) -> dict:
    return yaml.safe_load((GOLD / f"{name}.yaml").read_text(encoding="utf-8"))


def _measure(name: str) -> tuple[set, set]:
    gold = {(d["rule"], d["path"]) for d in _gold(name)["defects"]}
    found = {(f.rule_id, f.path) for f in lint(load_register(EXAMPLES / f"{name}.yaml"), "en")}
    return gold, found


def test_every_seed_has_a_gold_file_with_a_reason_for_each_defect():
    assert NAMES == sorted(p.stem for p in EXAMPLES.glob("*.yaml"))
    for name in NAMES:
        g = _gold(name)
        assert g["defects"] and all(d["rule"] and d["path"] and d["why"] for d in g["defects"])
        assert all(d["why"] for d in g.get("not_defects") or [])


@pytest.mark.parametrize("name", NAMES)
def test_what_the_gold_marks_as_missed_is_missed(name):
    """Keeps the gold honest: a defect marked as missed is not found, and one not marked is (else update the gold)."""
    gold, found = _measure(name)
    missed = {(d["rule"], d["path"]) for d in _gold(name)["defects"] if d.get("missed")}
    assert missed & found == set()
    assert gold - missed <= found


def test_precision_and_recall_on_the_seeds():
    tp = fp = fn = 0
    for name in NAMES:
        gold, found = _measure(name)
        tp += len(found & gold)
        fp += len(found - gold)
        fn += len(gold - found)
        print(f"{name}: {len(found & gold)} true, {len(found - gold)} false, {len(gold - found)} missed")
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    print(f"precision {precision:.3f} ({tp}/{tp + fp}), recall {recall:.3f} ({tp}/{tp + fn})")
    assert precision >= 0.95 and recall >= 0.95
