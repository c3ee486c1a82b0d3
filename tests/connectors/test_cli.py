"""`python -m personvern.connectors` and `python -m examples.shop` from a shell."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from .conftest import REPO
from .test_residue import KARI, MAP, shop


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


def personvern(*args: str) -> subprocess.CompletedProcess:
    exe = str(Path(sys.executable).with_name("personvern"))
    return subprocess.run([exe, *args], capture_output=True, text=True, cwd=REPO, timeout=120)


@pytest.fixture
def small_shop(tmp_path):
    """The residue tests' schema in a SQLite file, her phone and name in an order note; the map beside it."""
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    shop(url, kari_note="ring Kari Nærø på 412 34 567").dispose()
    (tmp_path / "map.yaml").write_text(MAP)
    (tmp_path / "key").write_text("a-hash-key\n")
    return url, tmp_path


def test_access_and_erase_from_the_command_line_exit_0_1_2(small_shop):
    url, folder = small_shop
    common = ["--map", str(folder / "map.yaml"), "--identity", f"email={KARI['email']}"]
    found = personvern("access", url, *common, "--format", "json")
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout)["counts"] == {"accounts": 1, "orders": 2}

    dry = personvern("erase", url, *common, "--hash-key-file", str(folder / "key"), "--dry-run")
    assert dry.returncode == 1, dry.stderr
    assert "dry run, nothing was changed" in dry.stdout and "would remain in orders.note (1 row)" in dry.stdout
    assert "Kept under bokføringsloven § 13, until 2029-12-31: orders, 1 rows" in dry.stdout
    assert "412" not in dry.stdout and "Nærø" not in dry.stdout

    done = personvern("erase", url, *common, "--hash-key-file", str(folder / "key"), "--format", "json")
    assert done.returncode == 1, "residue remains: not verified"
    report = json.loads(done.stdout)
    assert set(report) >= {"dry_run", "verified", "tables", "residue", "seconds"}
    assert report["verified"] is False and report["tables"]["accounts"] == {"found": 1, "masked": 1}
    assert [(p["table"], p["column"], p["rows"], p["kinds"]) for p in report["residue"]["places"]] == [("orders", "note", 1, ["name", "phone"])]
    assert report["residue"]["kept"][0] | {"columns": None} == {
        "table": "orders", "law": "bokføringsloven § 13", "columns": None, "rows": 1, "until": "2029-12-31", "matches": 1}

    with sa.create_engine(url).begin() as conn:
        conn.execute(sa.text("UPDATE orders SET note = NULL"))
    again = personvern("erase", url, *common, "--hash-key-file", str(folder / "key"))
    assert again.returncode == 0 and "Verified: nothing of the person remain" in again.stdout, again.stdout


def test_the_guard_refuses_a_large_plan_with_exit_1_until_confirmed(small_shop):
    url, folder = small_shop
    (folder / "small.yaml").write_text("limits: {max_rows: 2}\n" + MAP)
    common = ["--map", str(folder / "small.yaml"), "--identity", f"email={KARI['email']}", "--hash-key-file", str(folder / "key"), "--format", "json"]
    refused = personvern("erase", url, *common)
    assert refused.returncode == 1 and "--confirm-large" in refused.stderr and "Traceback" not in refused.stderr
    report = json.loads(refused.stdout)
    assert report["refused"] == "confirmation" and report["plan"]["touched"] == 3 and report["verified"] is False
    assert json.loads(personvern("access", url, *common[:4], "--format", "json").stdout)["counts"] == {"accounts": 1, "orders": 2}
    done = json.loads(personvern("erase", url, *common, "--confirm-large").stdout)
    assert done["plan"]["tables"] == {"accounts": {"mask": 1}, "orders": {"delete": 1, "held": 1}}
    assert done["tables"]["orders"] == {"found": 2, "deleted": 1, "held": 1}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--identity", "mail=kari@example.no"], "unknown identity kind 'mail'; use one of email, phone"),
        (["--identity", "username=kari"], "the dataset map has no column that identifies a person by 'username'"),
        (["--map", "BROKEN"], "tables.accounts.columns.first_name.erasure: set_null on a NOT NULL column"),
        (["--url", "mysql://root@127.0.0.1:1/shop"], "error: 127.0.0.1:1 refused the connection"),
        (["--url", "sqlite:///{folder}/shpo.db"], "error: there is no file"),
        (["--hash-key-file", None], "give its key with --hash-key-file FILE"),
    ],
    ids=["kind", "kind-not-in-map", "bad-map", "unreachable", "mistyped-path", "no-hash-key"],
)
def test_bad_input_on_the_command_line_exits_2_without_a_traceback(small_shop, args, message):
    url, folder = small_shop
    (folder / "broken.yaml").write_text(MAP.replace("{fixed: slettet}", "set_null"))
    options = {"--map": str(folder / "map.yaml"), "--identity": f"email={KARI['email']}", "--url": url, "--hash-key-file": str(folder / "key")}
    for flag, value in zip(args[::2], args[1::2]):
        options[flag] = str(folder / "broken.yaml") if value == "BROKEN" else value and value.format(folder=folder)
    options = {flag: value for flag, value in options.items() if value is not None}
    failed = personvern("erase", options.pop("--url"), *[x for pair in options.items() for x in pair])
    assert failed.returncode == 2 and message in failed.stderr, failed.stderr
    assert "Traceback" not in failed.stderr and failed.stdout == ""
    assert not (folder / "shpo.db").exists()
