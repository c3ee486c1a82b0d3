"""bench/notice_bench.py keeps working: its synthetic register is valid and the run prints its figures."""

from __future__ import annotations

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "notice_bench.py"


def _bench():
    spec = importlib.util.spec_from_file_location("notice_bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_synthetic_register_has_the_sizes_asked_for():
    reg = _bench().synthetic(200, 100, 300)
    assert (len(reg.activities), len([r for r in reg.recipients if r.role == "processor"]), len(reg.cookies)) == (
        200, 100, 300)


def test_the_bench_prints_its_figures_and_the_ratio(capsys):
    assert _bench().main(["--runs", "1", "--activities", "20", "--processors", "10", "--cookies", "30"]) == 0
    out = capsys.readouterr().out
    assert "render + lint" in out and "ratio to the 100 ms target" in out and "Synthetic register: 20 activities" in out
