"""The operator's connection policy where organisation staff's input reaches a connection:
the connection form, "Test connection", stored connections (rights tasks, retention)."""

from __future__ import annotations

import socket
import socketserver
import threading
import time
from pathlib import Path

import pytest
from conftest import DATAMAP
from django.conf import settings as django_settings

from personvern.connectors.engine import ConnectorError
from personvern.core.manifest import EnforcementRule
from personvern.datasources import services
from personvern.datasources.models import Connection
from personvern.registry.services import current_register, register_save

BANNER = "XYZZY-secret-banner"
# The tests below point DATABASES at a file of their own to play personvern's database.
pytestmark = pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")


def _new(client, url: str, slug: str = "x", **headers):
    return client.post("/o/alpha/data/new/", {"name": "X", "slug": slug, "url": url}, **headers)


def _url_error(response) -> str:
    return " ".join(response.context["form"].errors.get("url", []))


@pytest.fixture(autouse=True)
def quick_password_hashing(settings):
    """The members' passwords play no part here: hash them cheaply (Argon2 is most of the set-up)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def officer(client, members, login, saved_register):
    login(members["privacy_officer"])
    return client


REFUSED = [
        ("postgresql://postgres@127.0.0.1:5432/postgres", "127.0.0.1 er en loopback-adresse; driftsansvarlig har ikke tillatt den (PERSONVERN_CONNECTOR_ALLOW)."),
        ("mysql://root@localhost:3306/mysql", "localhost (127.0.0.1) er en loopback-adresse"),
        ("postgresql://postgres@[::1]:5432/postgres", "::1 er en loopback-adresse"),
        ("postgresql://postgres@2130706433:5432/postgres", "2130706433 (127.0.0.1) er en loopback-adresse"),
        ("postgresql://postgres@127.1:5432/postgres", "127.1 (127.0.0.1) er en loopback-adresse"),
        ("postgresql://postgres@0.0.0.0:5432/postgres", "0.0.0.0 er en uspesifisert adresse"),
        ("mysql://root@127.0.0.1:25/x", "Port 25 er ikke blant portene driftsansvarlig tillater"),
        ("postgresql://u@10.0.0.7:5432/shop", "10.0.0.7 er en privat adresse"),
        ("postgresql://u@169.254.169.254:5432/shop", "169.254.169.254 er en lenkelokal adresse"),
        ("postgresql://postgres@/postgres?host=/var/run/postgresql", "URL-parameteren «host» er ikke tillatt"),
        ("postgresql://postgres@/postgres", "Tilkobling gjennom en lokal socket er ikke tillatt"),
        ("mysql://root@db.example.no/x?unix_socket=/run/mysqld/mysqld.sock", "URL-parameteren «unix_socket» er ikke tillatt"),
        ("postgresql://u@db.example.no/x?sslrootcert=/etc/shadow", "URL-parameteren «sslrootcert» er ikke tillatt"),
        ("mysql://u@db.example.no/x?init_command=DROP%20TABLE%20t", "URL-parameteren «init_command» er ikke tillatt"),
        ("mysql://u@db.example.no/x?local_infile=1", "URL-parameteren «local_infile» er ikke tillatt"),
        ("sqlite:////etc/passwd", "/etc/passwd ligger ikke i en mappe driftsansvarlig tillater for SQLite-filer"),
        ("postgresql://u@h1:5432,h2:5433/x", "Ikke en gyldig database-URL."),
]


def test_the_form_refuses_what_the_operator_has_not_allowed_on_the_url_field(officer):
    for url, says in REFUSED:
        response = _new(officer, url)
        assert response.status_code == 400 and says in _url_error(response), url
    assert not Connection.objects.exists()


def test_the_refusal_is_in_english_for_an_english_reader(officer):
    response = _new(officer, "postgresql://postgres@127.0.0.1:5432/postgres", HTTP_ACCEPT_LANGUAGE="en")
    assert _url_error(response) == "127.0.0.1 is a loopback address; the operator has not allowed it (PERSONVERN_CONNECTOR_ALLOW)."


def test_what_the_operator_allows_is_saved_and_tested(officer, settings):
    settings.PERSONVERN_CONNECTOR_ALLOW = ["127.0.0.1"]
    assert _new(officer, "postgresql://postgres@127.0.0.1:5432/postgres", slug="pg").status_code == 302
    page = officer.post("/o/alpha/data/c/pg/", {"action": "test"}, follow=True).content.decode()
    assert "Koblet til PostgreSQL" in page


def test_personvern_own_sqlite_database_is_refused_by_path_dots_and_symlink(officer, settings, tmp_path):
    own = tmp_path / "app" / "personvern.sqlite3"
    own.parent.mkdir()
    own.write_bytes(b"SQLite format 3\x00" + bytes(100))
    settings.DATABASES = {**django_settings.DATABASES, "default": {**django_settings.DATABASES["default"], "ENGINE": "django.db.backends.sqlite3", "NAME": str(own)}}
    settings.PERSONVERN_SQLITE_DIRS = [str(tmp_path)]  # the operator allowed a directory that holds it
    (tmp_path / "shops").mkdir()
    (tmp_path / "shops" / "shop.sqlite3").symlink_to(own)
    for url in (f"sqlite:///{own}", f"sqlite:///{tmp_path}/shops/../app/personvern.sqlite3", f"sqlite:///{tmp_path}/shops/shop.sqlite3",
                f"sqlite:///{own}-wal"):
        assert "er en av personverns egne filer" in _url_error(_new(officer, url)), url
    assert "ikke en file:-URI" in _url_error(_new(officer, f"sqlite:///file:{own}"))
    assert "URL-parameteren «mode» er ikke tillatt" in _url_error(_new(officer, f"sqlite:///file:{own}?mode=rw&uri=true"))
    # An operator who allowed everything still never lets staff open personvern's code, settings or var files.
    settings.PERSONVERN_SQLITE_DIRS = ["/"]
    var = Path(django_settings.VAR_DIR)
    for path in (Path(django_settings.BASE_DIR) / "settings.py", var / "personvern.sqlite3", var / "media" / "x.sqlite3"):
        assert "er en av personverns egne filer" in _url_error(_new(officer, f"sqlite:///{path}")), path
    assert not Connection.objects.exists()


def test_personvern_own_postgresql_database_is_refused_by_url(officer, settings):
    """Same server and port, same database (the configured one, or the one Django runs on)."""
    settings.PERSONVERN_CONNECTOR_ALLOW = ["127.0.0.0/8", "::1"]
    own = {"ENGINE": "django.db.backends.postgresql", "HOST": "localhost", "PORT": "5432", "NAME": "personvern_live", "USER": "personvern"}
    settings.DATABASES = {**django_settings.DATABASES, "live": own}
    for url in ("postgresql://postgres@127.0.0.1:5432/personvern_live", "postgresql://x@localhost/personvern_live", "postgresql://x@127.0.0.2:5432/personvern_live"):
        assert "er personverns egen database" in _url_error(_new(officer, url)), url
    assert _new(officer, "postgresql://postgres@127.0.0.1:5432/shop", slug="shop").status_code == 302  # another database there


@pytest.fixture
def banner_server():
    """A loopback TCP server that is no database: it greets like an SMTP server, or answers
    anything it is sent like a web server. Its words must never reach the page."""
    servers = []

    def start(greeting: bytes = b"", reply: bytes = b"") -> int:
        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                self.request.settimeout(8)
                try:
                    if greeting:
                        self.request.sendall(greeting)
                    while self.request.recv(4096):
                        if reply:
                            self.request.sendall(reply)
                            return
                except OSError:
                    pass

        server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server.server_address[1]

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("speaks", ["smtp", "http"])
def test_a_server_that_is_no_database_answers_within_the_bound_and_its_words_never_show(officer, org, settings, banner_server, speaks):
    settings.PERSONVERN_CONNECTOR_ALLOW = ["127.0.0.1"]
    settings.PERSONVERN_CONNECTOR_PORTS = "1024-65535"
    settings.PERSONVERN_CONNECTOR_TEST_TIMEOUT = 2
    if speaks == "smtp":
        port = banner_server(greeting=f"220 mail.internal ESMTP Postfix {BANNER}\r\n".encode())
    else:
        port = banner_server(reply=f"HTTP/1.1 400 Bad Request\r\nServer: {BANNER}\r\n\r\n".encode())
    for scheme in ("mysql", "postgresql"):
        Connection.objects.create(organisation=org, slug=scheme, name=scheme, url=f"{scheme}://root@127.0.0.1:{port}/shop")
        started = time.monotonic()
        page = officer.post(f"/o/alpha/data/c/{scheme}/", {"action": "test"}, follow=True).content.decode()
        assert time.monotonic() - started < 2 + 1.0, f"{scheme}: the test connection held the web worker past its bound"
        assert f"127.0.0.1:{port} svarte ikke" in page, scheme
        for word in (BANNER, "ESMTP", "HTTP/1.1", "Bad Request", "220 "):
            assert word not in page, (scheme, word)


def test_a_port_with_nothing_listening_says_so(officer, org, settings):
    settings.PERSONVERN_CONNECTOR_ALLOW = ["127.0.0.1"]
    settings.PERSONVERN_CONNECTOR_PORTS = "1-65535"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    Connection.objects.create(organisation=org, slug="closed", name="Closed", url=f"mysql://root@127.0.0.1:{port}/shop")
    page = officer.post("/o/alpha/data/c/closed/", {"action": "test"}, follow=True).content.decode()
    assert f"127.0.0.1:{port} avviste tilkoblingen: ingen lytter på den porten." in page


def test_a_mistyped_sqlite_path_is_an_error_and_creates_no_file(officer, org, shop):
    mistyped = shop.with_name("shpo.sqlite3")
    assert "Filen " + str(mistyped) + " finnes ikke: sjekk stien (personvern oppretter aldri en database)." in _url_error(_new(officer, f"sqlite:///{mistyped}"))
    # one stored before the policy existed: the test says the same, and creates nothing either
    Connection.objects.create(organisation=org, slug="typo", name="Typo", url=f"sqlite:///{mistyped}")
    page = officer.post("/o/alpha/data/c/typo/", {"action": "test"}, follow=True).content.decode()
    assert "finnes ikke" in page and "0 tables" not in page
    assert not mistyped.exists()


def test_connections_stored_before_the_policy_are_refused_by_rights_tasks_and_retention(org, saved_register, settings, tmp_path):
    """A connection to personvern's own database that staff stored earlier reaches nothing."""
    own = tmp_path / "personvern.sqlite3"
    own.write_bytes(b"SQLite format 3\x00" + bytes(100))
    settings.DATABASES = {**django_settings.DATABASES, "default": {**django_settings.DATABASES["default"], "ENGINE": "django.db.backends.sqlite3", "NAME": str(own)}}
    connection = Connection.objects.create(organisation=org, slug="shop", name="Own", url=f"sqlite:///{own}", datamap=DATAMAP)
    with pytest.raises(ConnectorError, match="personvern's own files"):
        services.person_access(connection=connection, identity={"email": "kari@example.no"})
    register = current_register(org)
    activity = next(a for a in register.activities if a.retention and a.retention.period)
    activity.retention.enforcement = [EnforcementRule(connection="shop", table="auth_user", timestamp="date_joined")]
    register_save(org=org, register=register, message="enforce")
    before = own.read_bytes()
    run = services.retention_run(org=org, trigger="schedule")
    assert "personverns egne filer" in run.error and not run.results
    assert own.read_bytes() == before


def test_a_mistyped_policy_setting_is_said_at_start_up(settings):
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    settings.PERSONVERN_CONNECTOR_ALLOW = ["10.0.0.0/33"]
    with pytest.raises(SystemCheckError, match="connection policy: '10.0.0.0/33' is neither a network"):
        call_command("check")
    settings.PERSONVERN_CONNECTOR_ALLOW = []
    settings.PERSONVERN_CONNECTOR_PORTS = "5432,99999"
    with pytest.raises(SystemCheckError, match="'99999' is not a port"):
        call_command("check")


def test_a_rights_task_on_a_refused_connection_says_why_and_changes_nothing(client, members, login, saved_register, settings, tmp_path):
    from personvern.rights import services as rights
    from personvern.rights.models import Task

    own = tmp_path / "personvern.sqlite3"
    own.write_bytes(b"SQLite format 3\x00" + bytes(100))
    settings.DATABASES = {**django_settings.DATABASES, "default": {**django_settings.DATABASES["default"], "ENGINE": "django.db.backends.sqlite3", "NAME": str(own)}}
    org = saved_register.organisation
    system = saved_register.register().systems[0].id
    Connection.objects.create(organisation=org, slug="shop", name="Own", url=f"sqlite:///{own}", datamap=DATAMAP, system_id=system)
    req = rights.request_submit(org=org, type="access", name="Kari Nordmann", email="kari@example.no")
    rights.request_verify_manually(req=req, note="ringte tilbake", user=members["privacy_officer"])
    rights.tasks_create(req=req)
    task = req.tasks.get(system_id=system)
    login(members["privacy_officer"])
    page = client.post(f"/o/alpha/requests/{req.reference}/tasks/{task.pk}/connector/", follow=True).content.decode()
    assert "er en av personverns egne filer; en tilkobling kan aldri åpne den." in page
    task.refresh_from_db()
    assert task.status == Task.Status.OPEN
