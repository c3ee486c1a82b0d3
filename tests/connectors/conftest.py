"""Real databases for the connector tests: PostgreSQL on 127.0.0.1:5432 (user postgres,
trust auth), MariaDB on 127.0.0.1:3306 (root, no password) and SQLite files. A server
that is not running is started; only if that fails are its tests skipped, with the reason,
and in CI (or with PV_REQUIRE_SERVERS=1) they fail instead."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # `examples.shop` is imported as a package from the repo root

from examples.shop import drop_database, ensure_database  # noqa: E402
from examples.shop.generate import build_shop  # noqa: E402
from personvern.connectors.datamap import load_datamap_file  # noqa: E402
from personvern.connectors.engine import make_engine, normalise_url  # noqa: E402

PG_SERVER = os.environ.get("PV_TEST_PG", "postgresql://postgres@127.0.0.1:5432")
MY_SERVER = os.environ.get("PV_TEST_MYSQL", "mysql://root@127.0.0.1:3306")
DATAMAP = REPO / "examples" / "shop" / "datamap.yaml"
HASH_KEY = b"test-hash-key"
SMALL_SHOP = 300  # customers; enough for 5-order customers, holds and expiries
_server_state: dict[str, str | None] = {}


def _answers(url: str) -> str | None:
    """None when the server answers, else why not."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        return None
    except sa.exc.SQLAlchemyError as exc:
        return str(getattr(exc, "orig", exc)).splitlines()[0]
    finally:
        engine.dispose()


def _start(commands: list[list[str]]) -> str:
    out = []
    for command in commands:
        if not shutil.which(command[0]):
            out.append(f"{command[0]} not found")
            continue
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
        out.append((done.stdout + done.stderr).strip()[-300:])
    return "; ".join(o for o in out if o)


def _ensure_server(kind: str) -> str | None:
    """Connect, else start the server and wait; returns the skip reason or None."""
    if kind in _server_state:
        return _server_state[kind]
    if kind == "postgresql":
        url = PG_SERVER + "/postgres"
        versions = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
        commands = [["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "start"]] if versions else []
    else:
        url = MY_SERVER + "/"
        mariadbd = (glob.glob("/usr/sbin/mariadbd") + glob.glob("/usr/sbin/mysqld") + ["/usr/sbin/mariadbd"])[0]
        commands = [["start-stop-daemon", "--start", "--oknodo", "--background", "--exec", mariadbd]]
    reason = _answers(url)
    if reason is not None:
        started = _start(commands) if commands else "no server installed"
        for _ in range(60):
            time.sleep(0.5)
            reason = _answers(url)
            if reason is None:
                break
        else:
            reason = f"{kind} at {url} does not answer ({reason}); starting it failed: {started or 'no output'}"
    _server_state[kind] = reason
    return reason


@pytest.fixture(scope="session", params=["sqlite", "postgresql", "mysql"])
def backend(request) -> str:
    if request.param != "sqlite":
        reason = _ensure_server(request.param)
        if reason and (os.environ.get("CI") or os.environ.get("PV_REQUIRE_SERVERS")):
            pytest.fail(f"{reason} (CI / PV_REQUIRE_SERVERS: the servers must run, no skipping)")
        if reason:
            pytest.skip(reason)
    return request.param


def _new_url(backend: str, folder: Path, suffix: str) -> str:
    name = f"pv_test_conn_{os.getpid()}_{suffix}_{uuid.uuid4().hex[:6]}"
    if backend == "sqlite":
        return f"sqlite:///{folder / (name + '.db')}"
    return f"{PG_SERVER if backend == 'postgresql' else MY_SERVER}/{name}"


@pytest.fixture
def db_url(backend, tmp_path):
    """A fresh, empty database of the backend, dropped afterwards."""
    url = _new_url(backend, tmp_path, "fresh")
    yield url
    drop_database(url)


@pytest.fixture(scope="session")
def _session_db(backend, tmp_path_factory):
    url = _new_url(backend, tmp_path_factory.mktemp(backend), "shop")
    yield url
    drop_database(url)


@pytest.fixture(scope="session")
def readonly_shop_url(backend, tmp_path_factory):
    """One shop per backend for the tests that only read (never write to it)."""
    url = _new_url(backend, tmp_path_factory.mktemp(backend + "-ro"), "ro")
    build_shop(url, SMALL_SHOP, seed=7)
    yield url
    drop_database(url)


@pytest.fixture
def shop_url(_session_db):
    """The session's shop database refilled from scratch for a test that writes."""
    build_shop(_session_db, SMALL_SHOP, seed=7, keep_schema=True, analyze=False)
    return _session_db


@pytest.fixture
def engine(shop_url):
    engine = make_engine(shop_url)
    yield engine
    engine.dispose()


@pytest.fixture
def readonly_engine(readonly_shop_url):
    engine = make_engine(readonly_shop_url)
    yield engine
    engine.dispose()


@pytest.fixture
def datamap():
    return load_datamap_file(DATAMAP)


def _real_schemas(backend: str, folder_factory):
    """A factory app -> (url, Population) of real applications' schemas (tests/realschemas)
    filled with generated people, and the list of URLs it made."""
    from tests.realschemas.fill import fill

    made: list[str] = []

    def build(app: str, seed: int = 7):
        url = _new_url(backend, folder_factory(), app)
        made.append(url)
        ensure_database(url)
        return url, fill(url, app, seed)

    return build, made


@pytest.fixture(scope="session")
def real_schema(backend, tmp_path_factory):
    """real_schema(app) -> (url, Population): one filled database per backend and
    application for the whole session. Read only: tests that write use fresh_real_schema."""
    build, made = _real_schemas(backend, lambda: tmp_path_factory.mktemp(backend + "-real"))
    built: dict[str, tuple] = {}

    def get(app: str):
        if app not in built:
            built[app] = build(app)
        return built[app]

    yield get
    for url in made:
        drop_database(url)


@pytest.fixture(scope="session")
def real_discovery(real_schema):
    """real_discovery(app) -> DiscoveryResult of the session's database, computed once."""
    from personvern.connectors.discover import discover

    done: dict[str, object] = {}

    def get(app: str):
        if app not in done:
            engine = make_engine(real_schema(app)[0])
            try:
                done[app] = discover(engine)
            finally:
                engine.dispose()
        return done[app]

    return get


def _clone(url: str, backend: str, folder: Path) -> str | None:
    """A copy of a filled database: SQLite copies the file, PostgreSQL makes a database
    from it as a template (far cheaper than laying out ninety tables again); None on
    MariaDB, which has neither."""
    if backend == "sqlite":
        copy = _new_url(backend, folder, "clone")
        shutil.copyfile(normalise_url(url).database, normalise_url(copy).database)
        return copy
    if backend != "postgresql":
        return None
    copy = _new_url(backend, folder, "clone")
    source, target = normalise_url(url).database, normalise_url(copy).database
    server = make_engine(PG_SERVER + "/postgres")
    try:
        with server.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            # A template must have no sessions: end this test run's idle pooled ones (they reconnect).
            conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :d AND pid <> pg_backend_pid()"), {"d": source})
            conn.execute(sa.text(f'CREATE DATABASE "{target}" TEMPLATE "{source}"'))
    finally:
        server.dispose()
    return copy


@pytest.fixture
def fresh_real_schema(backend, tmp_path, real_schema):
    """fresh_real_schema(app) -> (url, Population): a database of its own for a test that
    writes (a copy of the session's where the backend can copy one)."""
    build, made = _real_schemas(backend, lambda: tmp_path)

    def get(app: str, seed: int = 7):
        if seed == 7:
            url, population = real_schema(app)
            copy = _clone(url, backend, tmp_path)
            if copy:
                made.append(copy)
                return copy, population
        return build(app, seed)

    yield get
    for url in made:
        drop_database(url)


# Combinations of a test's parameters left out of the suite for its time, unless their variable is set. They are
# deselected at collection (and counted as such), never collected and skipped.
LEFT_OUT = [({"backend": "mysql", "discovered": "oscar"}, "PV_REAL_MARIADB_OSCAR")]


def pytest_collection_modifyitems(config, items):
    keep, drop = [], []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        left_out = any(all(params.get(k) == v for k, v in combo.items()) and not os.environ.get(variable)
                       for combo, variable in LEFT_OUT)
        (drop if left_out else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
