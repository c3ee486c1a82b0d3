"""The connection policy on its own (no Django): what a URL from organisation staff may reach."""

from __future__ import annotations

import os
import socket

import pytest
import sqlalchemy as sa

from personvern.connectors import engine as connector_engine
from personvern.connectors.engine import (
    ConnectFailed,
    ConnectionPolicy,
    OwnDatabase,
    Refused,
    check_url,
    make_engine,
    parse_ports,
    probe,
)

DEFAULT = ConnectionPolicy()  # what an operator who set nothing gets
LOOPBACK_ALLOWED = ConnectionPolicy(allow=("127.0.0.0/8", "::1"))


def refusal(url: str, policy: ConnectionPolicy = DEFAULT) -> Refused:
    with pytest.raises(Refused) as caught:
        check_url(url, policy)
    return caught.value


@pytest.mark.parametrize("host", ["127.0.0.1", "[::1]", "127.1", "2130706433", "0x7f.1", "localhost", "[::ffff:127.0.0.1]", "127.0.0.2"])
def test_loopback_in_every_spelling_is_refused_by_default(host):
    refused = refusal(f"postgresql://postgres@{host}:5432/postgres")
    assert refused.code == "not_allowed_address" and refused.params["kind"] == "loopback"
    assert "loopback address; the operator has not allowed it (PERSONVERN_CONNECTOR_ALLOW)" in str(refused)


def test_the_message_names_the_address_a_host_name_resolved_to():
    assert str(refusal("mysql://root@localhost:3306/x")).startswith("localhost (127.0.0.1) is a loopback address")
    assert str(refusal("postgresql://u@127.0.0.1:5432/x")).startswith("127.0.0.1 is a loopback address")


@pytest.mark.parametrize(
    "host, kind",
    [
        ("0.0.0.0", "wildcard"),
        ("[::]", "wildcard"),
        ("10.1.2.3", "private"),
        ("192.168.0.10", "private"),
        ("172.16.5.4", "private"),
        ("[fd00::1]", "private"),
        ("169.254.169.254", "link-local"),  # a cloud's metadata service
        ("[fe80::1]", "link-local"),
        ("100.64.0.1", "shared (carrier-grade NAT)"),
        ("[2002:7f00:1::]", "loopback"),  # 6to4 carrying 127.0.0.1
        ("[64:ff9b::7f00:1]", "loopback"),  # NAT64 carrying 127.0.0.1
        ("224.0.0.1", "multicast"),
        ("240.0.0.1", "reserved"),
    ],
)
def test_non_public_addresses_are_refused_by_default(host, kind):
    refused = refusal(f"postgresql://u@{host}:5432/db")
    assert (refused.code, refused.params["kind"]) == ("not_allowed_address", kind)


def test_ports_other_than_the_databases_are_refused():
    refused = refusal("mysql://root@127.0.0.1:25/x", LOOPBACK_ALLOWED)
    assert refused.code == "port" and "port 25 is not one the operator allows (5432, 3306" in str(refused)
    assert refusal("postgresql://u@8.8.8.8:80/x").code == "port"  # checked before any address is looked at
    assert parse_ports("5432, 6432-6439") == ((5432, 5432), (6432, 6439))
    with pytest.raises(ValueError):
        parse_ports("0-99999")


def test_what_the_operator_allows_is_reached():
    servers = (os.environ.get("PV_TEST_PG", "postgresql://postgres@127.0.0.1:5432"), os.environ.get("PV_TEST_MYSQL", "mysql://root@127.0.0.1:3306"))
    for url in (servers[0] + "/postgres", servers[1] + "/"):
        assert check_url(url, LOOPBACK_ALLOWED).host == "127.0.0.1"
        engine = make_engine(url, policy=LOOPBACK_ALLOWED)
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT 1")).scalar() == 1
        engine.dispose()
    by_name = ConnectionPolicy(allow=("localhost",))
    assert check_url("postgresql://postgres@localhost:5432/postgres", by_name)
    assert refusal("postgresql://postgres@127.0.0.1:5432/postgres", by_name).code == "not_allowed_address"


def test_an_operator_may_refuse_public_addresses():
    only_internal = ConnectionPolicy(allow=("10.20.0.0/16",), public=False)
    assert refusal("postgresql://u@8.8.8.8:5432/x", only_internal).code == "public_not_allowed"
    assert refusal("postgresql://u@10.21.0.1:5432/x", only_internal).code == "not_allowed_address"
    assert check_url("postgresql://u@10.20.3.4:5432/x", only_internal)
    assert check_url("postgresql://u@8.8.8.8:5432/x", DEFAULT)  # public: allowed unless the operator says otherwise
    with pytest.raises(ValueError):
        ConnectionPolicy(allow=("not a network/99",))


@pytest.mark.parametrize(
    "url, code",
    [
        ("postgresql://postgres@/postgres", "unix_socket"),  # empty host: libpq's default socket
        ("postgresql://postgres@%2Fvar%2Frun%2Fpostgresql/postgres", "unix_socket"),
        ("postgresql://postgres@/postgres?host=/var/run/postgresql", "parameter"),
        ("postgresql://postgres@db.example.no/postgres?host=/var/run/postgresql", "parameter"),
        ("mysql://root@/mysql", "unix_socket"),
        ("mysql://root@db.example.no/mysql?unix_socket=/run/mysqld/mysqld.sock", "parameter"),
    ],
)
def test_unix_sockets_are_refused_in_every_form(url, code):
    assert refusal(url, ConnectionPolicy(allow=("0.0.0.0/0", "::/0"))).code == code


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://u@db.example.no/x?sslrootcert=/etc/ssl/private/key.pem",
        "postgresql://u@db.example.no/x?passfile=/root/.pgpass",
        "postgresql://u@db.example.no/x?service=admin",
        "postgresql://u@db.example.no/x?options=-c%20statement_timeout%3D0",
        "postgresql://u@db.example.no/x?hostaddr=127.0.0.1",
        "postgresql://u@db.example.no/x?connect_timeout=3600",
        "postgresql://u@db.example.no/x?sslmode=require&sslkey=/etc/ssl/private/server.key",
        "mysql://u@db.example.no/x?init_command=DROP%20TABLE%20t",
        "mysql://u@db.example.no/x?read_default_file=/etc/mysql/debian.cnf",
        "mysql://u@db.example.no/x?local_infile=1",
        "mysql://u@db.example.no/x?ssl_ca=/etc/passwd",
        "sqlite:////srv/shop.db?uri=true",
    ],
)
def test_parameters_that_name_files_or_run_commands_are_refused(url):
    assert refusal(url, ConnectionPolicy(allow=("0.0.0.0/0",), sqlite_dirs=("/",))).code == "parameter"


def test_known_safe_parameters_pass_with_valid_values_only():
    anywhere = ConnectionPolicy(allow=("127.0.0.0/8",))
    assert check_url("postgresql://u@127.0.0.1:5432/x?sslmode=verify-full&application_name=personvern", anywhere)
    assert check_url("mysql://u@127.0.0.1:3306/x?charset=utf8mb4", anywhere)
    assert refusal("postgresql://u@127.0.0.1:5432/x?sslmode=off", anywhere).code == "parameter_value"
    assert refusal("postgresql://u@127.0.0.1:5432/x?sslmode=require&sslmode=disable", anywhere).code == "parameter_value"
    assert refusal("mysql://u@127.0.0.1:3306/x?charset=utf8'%3B", anywhere).code == "parameter_value"


def test_personvern_own_postgresql_database_is_refused_whatever_is_allowed():
    own = OwnDatabase("postgresql", "127.0.0.1", 5432, "personvern")
    policy = ConnectionPolicy(allow=("0.0.0.0/0", "::/0"), own_databases=(own,))
    for host in ("127.0.0.1", "localhost", "127.0.0.2", "[::1]", "2130706433"):
        refused = refusal(f"postgresql://postgres@{host}:5432/personvern", policy)
        assert refused.code == "own_database" and "personvern's own database" in str(refused)
    assert check_url("postgresql://postgres@127.0.0.1:5432/shop", policy)  # another database on that server
    assert check_url("postgresql://postgres@127.0.0.1:5433/personvern", ConnectionPolicy(allow=("0.0.0.0/0",), ports=((1, 65535),), own_databases=(own,)))
    on_socket = ConnectionPolicy(allow=("0.0.0.0/0",), own_databases=(OwnDatabase("postgresql", "/var/run/postgresql", 5432, "personvern"),))
    assert refusal("postgresql://postgres@127.0.0.1:5432/personvern", on_socket).code == "own_database"


def test_personvern_own_mysql_server_is_refused_for_every_database():
    policy = ConnectionPolicy(allow=("127.0.0.0/8",), own_databases=(OwnDatabase("mysql", "localhost", 3306, "personvern"),))
    assert refusal("mysql://root@127.0.0.1:3306/shop", policy).code == "own_database"


@pytest.fixture
def files(tmp_path):
    """An installation: the var directory with personvern's database, an allowed shops directory."""
    var, shops = tmp_path / "var", tmp_path / "shops"
    var.mkdir()
    shops.mkdir()
    own = var / "personvern.sqlite3"
    for path in (own, shops / "shop.sqlite3"):
        with make_engine(f"sqlite:///{path}").begin() as conn:
            conn.execute(sa.text("CREATE TABLE t (id INTEGER PRIMARY KEY)"))
    policy = ConnectionPolicy(sqlite_dirs=(str(shops),), protected_paths=(str(own),), protected_dirs=(str(var),))
    return tmp_path, policy


def test_personvern_own_sqlite_database_is_refused_by_every_path(files):
    root, policy = files
    own = root / "var" / "personvern.sqlite3"
    (root / "shops" / "innocent.sqlite3").symlink_to(own)
    (root / "everything").symlink_to(root)
    # An operator who allowed a directory that holds personvern's own files (here through a symlink).
    wide = ConnectionPolicy(sqlite_dirs=(str(root / "everything"),), protected_paths=policy.protected_paths, protected_dirs=policy.protected_dirs)
    urls = {
        f"sqlite:///{own}": ("sqlite_outside", "sqlite_own"),
        f"sqlite:///{root}/shops/../var/personvern.sqlite3": ("sqlite_outside", "sqlite_own"),
        f"sqlite:///{root}/shops/innocent.sqlite3": ("sqlite_outside", "sqlite_own"),  # the symlink is followed
        f"sqlite:///{root}/everything/var/personvern.sqlite3": ("sqlite_outside", "sqlite_own"),
        f"sqlite:///{root}/everything/var/personvern.sqlite3-wal": ("sqlite_outside", "sqlite_own"),
        f"sqlite:///file:{own}": ("sqlite_uri", "sqlite_uri"),
        f"sqlite:///file:{own}?mode=ro&uri=true": ("parameter", "parameter"),
        "sqlite://": ("sqlite_memory", "sqlite_memory"),
        "sqlite:///var/personvern.sqlite3": ("sqlite_relative", "sqlite_relative"),
    }
    for url, codes in urls.items():
        assert (refusal(url, policy).code, refusal(url, wide).code) == codes, url
    (root / "var" / "other.sqlite3").write_bytes(own.read_bytes())
    assert refusal(f"sqlite:///{root}/var/other.sqlite3", wide).code == "sqlite_own", "the var directory's own files"
    assert check_url(f"sqlite:///{root}/everything/shops/shop.sqlite3", wide)


def test_other_server_files_are_refused(files):
    root, policy = files
    assert refusal("sqlite:////etc/passwd", policy).code == "sqlite_outside"
    (root / "elsewhere.sqlite3").write_bytes((root / "shops" / "shop.sqlite3").read_bytes())
    assert refusal(f"sqlite:///{root}/elsewhere.sqlite3", policy).code == "sqlite_outside"
    # outside the allowed directories nothing is said about whether a file exists
    assert refusal("sqlite:////etc/no-such-file", policy).code == "sqlite_outside"
    (root / "shops" / "notes.txt").write_text("not a database")
    assert refusal(f"sqlite:///{root}/shops/notes.txt", policy).code == "sqlite_not_database"
    (root / "shops" / "folder").mkdir()
    assert refusal(f"sqlite:///{root}/shops/folder", policy).code == "sqlite_not_file"


def test_a_mistyped_sqlite_path_is_an_error_and_creates_no_file(files):
    root, policy = files
    mistyped = root / "shops" / "shpo.sqlite3"
    refused = refusal(f"sqlite:///{mistyped}", policy)
    assert refused.code == "sqlite_missing" and "personvern never creates a database" in str(refused)
    with pytest.raises(Refused, match="there is no file"):
        probe(f"sqlite:///{mistyped}", policy=policy)
    assert not mistyped.exists()


def test_every_new_connection_is_checked_again(files):
    root, policy = files
    shop = root / "shops" / "shop.sqlite3"
    engine = make_engine(f"sqlite:///{shop}", policy=policy)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM t")).scalar() == 0
    engine.dispose()
    shop.unlink()
    shop.symlink_to(root / "var" / "personvern.sqlite3")  # swapped after the check
    with pytest.raises(Refused, match="not in a directory the operator allows"):
        engine.connect()
    shop.unlink()
    with pytest.raises(Refused, match="there is no file"):
        engine.connect()
    assert not os.path.lexists(shop), "a removed file is not created again"


def test_a_refused_connection_is_refused_before_any_traffic(files):
    with pytest.raises(Refused):
        make_engine("postgresql://postgres@127.0.0.1:5432/postgres", policy=ConnectionPolicy(ports=((5433, 5433),)))
    with pytest.raises(ConnectFailed, match="127.0.0.1:9 refused the connection"):
        probe("postgresql://postgres@127.0.0.1:9/postgres", policy=ConnectionPolicy(allow=("127.0.0.1",), ports=((9, 9),)))


def test_the_connection_goes_to_the_checked_address_and_a_rebound_name_reaches_nothing(monkeypatch):
    """A DNS server that answers 127.0.0.1 (allowed) first and a private address next: the
    driver never resolves the name itself, and every new connection is checked again."""
    answers = iter(["127.0.0.1", "10.0.0.1"])

    def rebinding_dns(host, port, *args, **kwargs):
        assert host == "pv-rebind.invalid"  # a name no real resolver knows
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]

    monkeypatch.setattr(connector_engine, "getaddrinfo", rebinding_dns)
    servers = {"postgresql": os.environ.get("PV_TEST_PG", "postgresql://postgres@127.0.0.1:5432") + "/postgres",
               "mysql": os.environ.get("PV_TEST_MYSQL", "mysql://root@127.0.0.1:3306") + "/"}
    for url in servers.values():
        answers = iter(["127.0.0.1", "10.0.0.1"])
        engine = make_engine(sa.engine.make_url(url).set(host="pv-rebind.invalid"), policy=ConnectionPolicy(allow=("127.0.0.1",)))
        with engine.connect() as conn:  # the checked address: the driver could not resolve the name
            assert conn.execute(sa.text("SELECT 1")).scalar() == 1
        engine.dispose()
        with pytest.raises(Refused, match=r"pv-rebind.invalid \(10.0.0.1\) is a private address"):
            engine.connect()
