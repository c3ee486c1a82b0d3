import io
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from personvern.accounts.models import Membership, Organisation
from personvern.registry.models import RegisterVersion

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SEEDS = {"balcoo", "backe", "bagges", "glasoterapi", "ekko-ipogs"}


def test_demo_refuses_to_create_its_published_account_on_a_real_installation(db, settings):
    settings.DEBUG = False
    settings.PERSONVERN_DEMO_INSTALLATION = False
    with pytest.raises(CommandError, match="--demo-installation"):
        call_command("demo")
    assert not get_user_model().objects.filter(username="demo").exists() and not Organisation.objects.exists()


@pytest.mark.parametrize("how", ["debug", "setting", "flag"])
def test_demo_runs_in_development_or_where_the_operator_says_it_is_a_demo(db, settings, how, tmp_path):
    settings.DEBUG = how == "debug"
    settings.PERSONVERN_DEMO_INSTALLATION = how == "setting"
    (tmp_path / "bagges.yaml").write_text((EXAMPLES / "bagges.yaml").read_text())
    call_command("demo", demo_installation=how == "flag", examples=tmp_path, stdout=io.StringIO())
    assert Membership.objects.filter(user__username="demo", role="owner").exists()


def test_demo_on_the_command_line_without_debug_exits_non_zero_and_says_why(tmp_path):
    env = {**os.environ, "PERSONVERN_VAR_DIR": str(tmp_path), "PERSONVERN_DEV": "1"}
    for name in ("DEBUG", "PERSONVERN_DEMO_INSTALLATION", "DATABASE_URL"):
        env.pop(name, None)
    done = subprocess.run([str(Path(sys.executable).with_name("personvern")), "demo"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "DEBUG=1" in done.stderr and "--demo-installation" in done.stderr
    assert "personvern-demo" not in done.stdout


def test_demo_loads_the_five_example_organisations_idempotently(db, capsys):
    call_command("demo", demo_installation=True)
    versions = RegisterVersion.objects.count()
    call_command("demo", demo_installation=True)
    assert RegisterVersion.objects.count() == versions  # nothing new the second time
    assert set(Organisation.objects.values_list("slug", flat=True)) >= SEEDS
    for slug in SEEDS:
        assert RegisterVersion.objects.filter(organisation__slug=slug).exists()
    assert Membership.objects.filter(user__username="demo", role="owner").count() >= len(SEEDS)
    out = capsys.readouterr().out
    assert "password:  personvern-demo" in out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PERSONVERN = str(Path(sys.executable).with_name("personvern"))


def _demo_env(var_dir: Path) -> dict:
    env = {**os.environ, "PERSONVERN_VAR_DIR": str(var_dir), "DEBUG": "1"}
    env.pop("DATABASE_URL", None)
    return env


@pytest.fixture(scope="module")
def demo_var_dir(tmp_path_factory):
    """What `make demo` does before serving, on an empty var dir: migrate, demo."""
    var_dir = tmp_path_factory.mktemp("demo-var")
    for args in (["migrate", "-v0"], ["demo"]):
        subprocess.run([PERSONVERN, *args], env=_demo_env(var_dir), check=True, capture_output=True, timeout=180)
    return var_dir


def test_the_demo_shop_is_in_a_folder_the_demo_settings_let_connections_open(demo_var_dir):
    shop = subprocess.run([PERSONVERN, "retention", "run", "--org", "backe", "--dry-run"], env=_demo_env(demo_var_dir),
                          capture_output=True, text=True, timeout=120)
    assert shop.returncode == 0 and "job_applications" in shop.stdout, shop.stderr


def test_serve_starts_web_and_worker_on_a_fresh_database(demo_var_dir):
    tmp_path, env, exe = demo_var_dir, _demo_env(demo_var_dir), PERSONVERN
    port = _free_port()
    server = subprocess.Popen([exe, "serve", f"127.0.0.1:{port}"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                body = urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=2).read().decode()
                break
            except OSError:
                assert time.monotonic() < deadline, "the demo server did not start"
                time.sleep(0.3)
        assert 'name="password"' in body
        # the worker ran the periodic jobs at least once
        import sqlite3

        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with sqlite3.connect(tmp_path / "personvern.sqlite3") as con:
                if con.execute("select count(*) from jobs_periodicrun where last_run is not null").fetchone()[0]:
                    break
            time.sleep(0.5)
        else:
            pytest.fail("the worker did not run")
        worker = _children(server.pid)
        assert worker, "serve started no worker process"
    finally:
        server.terminate()
        server.wait(timeout=15)
    # stopping serve stops its worker too: none is left running on its own
    deadline = time.monotonic() + 15
    while any(Path(f"/proc/{pid}").exists() for pid in worker) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(Path(f"/proc/{pid}").exists() for pid in worker), "the worker outlived serve"


def _processes_of(var_dir: Path) -> list[int]:
    """Every live process started for this var dir, whoever its parent is now (an orphan has a new one)."""
    marker = f"PERSONVERN_VAR_DIR={var_dir}".encode()
    found = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if marker in environ.read_bytes().split(b"\0"):
                found.append(int(environ.parent.name))
        except OSError:
            continue
    return found


def test_serve_on_a_port_already_taken_exits_non_zero_and_leaves_no_worker(demo_var_dir, tmp_path):
    output = tmp_path / "serve.log"  # a file, not a pipe: an orphaned worker would hold a pipe open
    with socket.socket() as taken, output.open("w") as log:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([PERSONVERN, "serve", f"127.0.0.1:{port}"], env=_demo_env(demo_var_dir),
                              stdout=log, stderr=subprocess.STDOUT, timeout=60)
    assert done.returncode != 0 and "That port is already in use" in output.read_text()
    time.sleep(1)  # a worker started before the failed bind would be polling the (migrated) database by now
    _assert_nothing_left(demo_var_dir, "serve left a process running")


def test_a_worker_whose_serve_was_killed_stops_by_itself(demo_var_dir):
    """SIGKILL (or a crash) runs no clean-up in serve: the worker notices it has lost its parent."""
    server = subprocess.Popen([PERSONVERN, "serve", f"127.0.0.1:{_free_port()}"], env=_demo_env(demo_var_dir),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not (worker := _children(server.pid)):
            assert time.monotonic() < deadline, "serve started no worker"
            time.sleep(0.2)
        time.sleep(1)
        assert all(Path(f"/proc/{pid}").exists() for pid in worker)  # at work, not ended by itself for another reason
    finally:
        server.kill()
        server.wait(timeout=15)
    deadline = time.monotonic() + 15
    while _processes_of(demo_var_dir) and time.monotonic() < deadline:
        time.sleep(0.2)
    _assert_nothing_left(demo_var_dir, "the worker outlived its killed serve")


def _assert_nothing_left(var_dir: Path, message: str):
    left = _processes_of(var_dir)
    for pid in left:  # leave nothing running, even when the test fails
        os.kill(pid, signal.SIGTERM)
    assert left == [], message


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def test_demo_publishes_each_notice_and_sets_up_each_website_once(db, client):
    from personvern.consent.models import Site
    from personvern.notices.models import PublishedNotice

    call_command("demo", demo_installation=True)
    call_command("demo", demo_installation=True)
    for slug in SEEDS:
        assert PublishedNotice.objects.filter(organisation__slug=slug).count() == 1
        page = client.get(f"/p/{slug}/personvern")
        assert page.status_code == 200 and Organisation.objects.get(slug=slug).name in page.content.decode()
    backe = PublishedNotice.objects.get(organisation__slug="backe")
    assert backe.lint_errors and backe.override_reason.startswith("Demo:")  # the seed's defects, overridden openly
    websites = {s.url for s in Site.objects.filter(organisation__slug="bagges")}
    assert websites and all(client.get(f"/c/{s.key}.js").status_code == 200 for s in Site.objects.all())
    assert Site.objects.count() == len({(s.organisation_id, s.url) for s in Site.objects.all()})
