"""`python -m personvern.connectors` and `python -m examples.shop` from a shell."""

from __future__ import annotations

import subprocess
import sys

import yaml

from .conftest import REPO


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True, cwd=REPO, timeout=120)


def test_build_a_shop_and_discover_it(tmp_path):
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    built = run("examples.shop", "--url", url, "--customers", "50")
    assert built.returncode == 0, built.stderr
    assert "customers" in built.stdout and "50" in built.stdout

    found = run("personvern.connectors", "discover", url, "--sample", "20")
    assert found.returncode == 0, found.stderr
    proposal = yaml.safe_load(found.stdout)
    assert proposal["tables"]["customers"]["columns"]["email"]["identity"] == "email"
    assert "11 tables" in found.stderr



def test_bad_urls_are_one_line_errors():
    failed = run("personvern.connectors", "discover", "oracle://x/y")
    assert failed.returncode == 2 and failed.stderr.startswith("error: database type 'oracle' is not supported")
    assert "Traceback" not in failed.stderr
    shop = run("examples.shop", "--url", "mysql://root@127.0.0.1:1/x", "--customers", "20")
    assert shop.returncode == 2 and "Traceback" not in shop.stderr
    assert run("examples.shop", "--url", "sqlite:////tmp/x.db", "--customers", "3").stderr.startswith("error: the shop needs at least 10")
