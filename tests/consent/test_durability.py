"""No decision the client was told was stored may be lost when the web server is killed.

Runs bench/consent_bench.py's kill/restart scenario at small scale: gunicorn on a
free loopback port, a fresh database, SIGKILL of the whole server mid-load, restart.
"""

from __future__ import annotations

import importlib.util
import socket

import pytest

from conftest import REPO


def bench():
    spec = importlib.util.spec_from_file_location("consent_bench", REPO / "bench" / "consent_bench.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def postgres_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.mark.parametrize("app", ["django", "fast"])
@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_it_loses_no_acknowledged_decision_when_the_server_is_killed(kind, app):
    if kind == "postgres" and not postgres_up():
        pytest.skip("PostgreSQL is not running on 127.0.0.1:5432")
    harness = bench()
    harness.PG_DB = "pv_consent_durability_test"  # not the benchmark's database
    harness.APP = harness.APPS[app]  # Django's view, or personvern.consent.wsgi's fast path
    result = harness.run_kill_restart(kind, requests=4000, seconds=4, workers=2)  # time-bound: the kill comes at 1.3 s
    assert result["killed"]
    assert result["acked"] > 20, result  # decisions were acknowledged before and after the kill
    assert result["lost"] == 0, result
    assert result["stored"] >= result["acked"]
