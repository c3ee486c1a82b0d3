"""Engines for PostgreSQL (psycopg 3), MySQL/MariaDB (PyMySQL) and SQLite, with the
reflected schema cached per engine so a rights request does not pay for reflection.

An engine made with a `ConnectionPolicy` (what the installation's operator lets
organisation staff reach) checks the URL when it is made and again at every new
database connection: host names are resolved, every address is checked and the
connection goes to the checked address, so a name that changes its answer between the
check and the connection (DNS rebinding) reaches nothing new. Connection failures are
reported with fixed messages: nothing a foreign server sent (a banner, an error text)
is ever echoed to organisation staff. Without a policy (the operator's own command line)
the driver's message is added for the operator."""

from __future__ import annotations

import concurrent.futures
import ipaddress
import math
import os
import re
import socket
import threading
import urllib.parse
import weakref
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

# Which driver each accepted URL scheme uses; the user may write the short form.
DRIVERS = {
    "postgresql": "postgresql+psycopg",
    "postgres": "postgresql+psycopg",
    "postgresql+psycopg": "postgresql+psycopg",
    "mysql": "mysql+pymysql",
    "mariadb": "mysql+pymysql",
    "mysql+pymysql": "mysql+pymysql",
    "mariadb+pymysql": "mysql+pymysql",
    "sqlite": "sqlite",
    "sqlite+pysqlite": "sqlite",
}
DEFAULT_PORTS = {"postgresql": 5432, "mysql": 3306}
KIND_NAMES = {"postgresql": "PostgreSQL", "mysql": "MySQL/MariaDB", "sqlite": "SQLite"}


class ConnectorError(Exception):
    """A problem the user can fix (bad URL, unreachable server, map that does not fit the
    schema). The message says what is wrong and never contains data values."""


# ------------------------------------------------------------------ explained errors

# English texts; the web app translates by `code` (datasources/policy.py).
REFUSALS = {
    "not_allowed_address": "{subject} is a {kind} address; the operator has not allowed it (PERSONVERN_CONNECTOR_ALLOW)",
    "public_not_allowed": "{subject} is a public address; the operator allows only the networks in PERSONVERN_CONNECTOR_ALLOW",
    "port": "port {port} is not one the operator allows ({ports}; PERSONVERN_CONNECTOR_PORTS)",
    "unix_socket": "connections through a local socket are refused: write the database server's host name in the URL",
    "bad_host": "'{host}' is not a host name or an IP address",
    "unresolvable": "the host name {host} does not resolve",
    "parameter": "the URL parameter '{name}' is not accepted (accepted: {accepted})",
    "parameter_value": "'{value}' is not a valid value for the URL parameter {name}",
    "own_database": "{subject} is personvern's own database; a connection may never reach it",
    "sqlite_memory": "an in-memory SQLite database holds nothing: write the path of the file",
    "sqlite_uri": "write the SQLite file's path, not a file: URI",
    "sqlite_relative": "'{path}' is not an absolute path: write e.g. sqlite:////srv/shop.db",
    "sqlite_outside": "{path} is not in a directory the operator allows for SQLite files (PERSONVERN_SQLITE_DIRS)",
    "sqlite_own": "{path} is one of personvern's own files; a connection may never open it",
    "sqlite_missing": "there is no file {path}: check the path (personvern never creates a database)",
    "sqlite_not_file": "{path} is not a regular file",
    "sqlite_not_database": "{path} is not an SQLite database",
}
FAILURES = {
    "timeout": "{target} did not answer within {seconds} s",
    "refused": "{target} refused the connection: nothing listens on that port",
    "unreachable": "cannot reach {target}",
    "auth": "{target} refused the user name or password",
    "no_database": "there is no database {database} at {target}",
    "wrong_kind": "{target} did not answer as a {kind} server",
    "busy": "the SQLite file {target} is locked by another program",
    "statement_timeout": "a query at {target} ran longer than the statement timeout ({seconds} s)",
    "failed": "cannot connect to {target} ({kind})",
}


class ExplainedError(ConnectorError):
    """A ConnectorError with a fixed `code` and its `params`, so the web app can say it
    in its own language; str() is the English text."""

    TEXTS: dict[str, str] = {}

    def __init__(self, code: str, detail: str = "", **params):
        self.code, self.params, self.detail = code, params, detail
        text = self.TEXTS[code].format(**params)
        super().__init__(f"{text} (the driver said: {detail})" if detail else text)


class Refused(ExplainedError):
    """The connection policy refuses the URL."""

    TEXTS = REFUSALS


class ConnectFailed(ExplainedError):
    """The connection failed; the reason is one of a fixed set, never the server's words."""

    TEXTS = FAILURES


# ------------------------------------------------------------------ policy


@dataclass(frozen=True)
class OwnDatabase:
    """personvern's own database server (from Django's DATABASES), never a target."""

    backend: str  # "postgresql" | "mysql"
    host: str  # "" or a path: a local socket, i.e. this machine
    port: int
    name: str


@dataclass(frozen=True)
class Timeouts:
    """Seconds. `statement` also bounds a MySQL read and SQLite's wait for a lock (at most 30 s)."""

    connect: float = 10
    statement: float = 300


TEST_TIMEOUTS = Timeouts(connect=3, statement=3)  # "Test connection": a person waits for it


@dataclass(frozen=True)
class ConnectionPolicy:
    """What connections may reach, as the installation's operator set it.

    `allow`: networks (CIDR), addresses or host names that may be reached although they are
    loopback, private, link-local or otherwise not public. `public`: whether public addresses
    may be reached at all. `ports`: allowed port ranges. `sqlite_dirs`: directories whose
    SQLite files may be opened. `protected_paths`: files or directory trees never opened;
    `protected_dirs`: directories whose own files (not subdirectories) are never opened;
    `own_databases`: personvern's own database servers, never reached."""

    allow: tuple[str, ...] = ()
    public: bool = True
    ports: tuple[tuple[int, int], ...] = ((5432, 5432), (3306, 3306))
    sqlite_dirs: tuple[str, ...] = ()
    protected_paths: tuple[str, ...] = ()
    protected_dirs: tuple[str, ...] = ()
    own_databases: tuple[OwnDatabase, ...] = ()

    def __post_init__(self):
        for entry in self.allow:
            _allow_entry(entry)  # a bad entry fails when the policy is made, not at a connection

    def allows_port(self, port: int) -> bool:
        return any(low <= port <= high for low, high in self.ports)

    def ports_text(self) -> str:
        return ", ".join(str(low) if low == high else f"{low}-{high}" for low, high in self.ports) or "none"


def parse_ports(text: str) -> tuple[tuple[int, int], ...]:
    """'5432,3306,6432-6439' -> ((5432, 5432), (3306, 3306), (6432, 6439)); ValueError if bad."""
    ranges = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        low, _, high = part.partition("-")
        low_port, high_port = int(low), int(high or low)
        if not 1 <= low_port <= high_port <= 65535:
            raise ValueError(f"'{part}' is not a port or a port range (1-65535)")
        ranges.append((low_port, high_port))
    return tuple(ranges)


def _allow_entry(entry: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | str:
    """An allow-list entry: a network (an address is a network of one) or a host name."""
    try:
        return ipaddress.ip_network(entry.strip(), strict=False)
    except ValueError:
        name = entry.strip().lower().rstrip(".")
        if not _HOST_NAME.match(name):
            raise ValueError(f"'{entry}' is neither a network (CIDR), an address nor a host name") from None
        return name


_HOST_NAME = re.compile(r"^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_-]{1,63})*\.?$", re.IGNORECASE)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT


def address_kind(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why an address is not public ('loopback', 'private', ...), or None for a public one.
    IPv6 forms that carry an IPv4 address (mapped, 6to4, Teredo, NAT64) are judged by it."""
    if address.version == 6:
        embedded = [address.ipv4_mapped, address.sixtofour, address.teredo[1] if address.teredo else None]
        if address in _NAT64:
            embedded.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        for inner in embedded:
            if inner is not None and (kind := address_kind(inner)):
                return kind
    if address.is_unspecified:
        return "wildcard"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if address.version == 4 and address in _SHARED:
        return "shared (carrier-grade NAT)"
    if address.is_reserved:
        return "reserved"
    if address.is_private:
        return "private"
    if not address.is_global:
        return "reserved"
    return None


def _is_this_machine(address) -> bool:
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_loopback or address.is_unspecified or address in _local_addresses()


_local_cache: dict[str, frozenset] = {}


def _local_addresses() -> frozenset:
    """This machine's own addresses (those its host name resolves to)."""
    if "addresses" not in _local_cache:
        try:
            found = {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None)}
        except OSError:
            found = set()
        _local_cache["addresses"] = frozenset(ipaddress.ip_address(a.split("%")[0]) for a in found)
    return _local_cache["addresses"]


_resolver = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="pv-resolve")
getaddrinfo = socket.getaddrinfo  # the policy's resolver (a test plays a rebinding DNS server through it)


def resolve(host: str, port: int, timeout: float) -> list[str]:
    """The host's addresses, in the resolver's order; a literal address is returned as it is
    normalised (127.1 -> 127.0.0.1). Bounded: the system resolver has no timeout of its own."""
    future = _resolver.submit(getaddrinfo, host, port, type=socket.SOCK_STREAM)
    try:
        infos = future.result(timeout=timeout)
    except (OSError, UnicodeError, concurrent.futures.TimeoutError):
        raise Refused("unresolvable", host=host) from None
    addresses: list[str] = []
    for info in infos:
        if info[4][0] not in addresses:
            addresses.append(info[4][0])
    return addresses


def _check_host_shape(host: str | None) -> str:
    if not host or host.startswith(("/", "@", "%2F", "%2f")) or "/" in host:
        raise Refused("unix_socket")
    bare = host.strip("[]")
    try:
        ipaddress.ip_address(bare)
        return bare
    except ValueError:
        if not _HOST_NAME.match(bare):
            raise Refused("bad_host", host=host) from None
        return bare


def check_addresses(parsed: sa.URL, policy: ConnectionPolicy, timeout: float) -> list[str]:
    """The addresses a server URL may be reached at under the policy (every address the
    host resolves to is checked), or Refused with the reason."""
    backend = parsed.get_backend_name()
    host = _check_host_shape(parsed.host)
    port = parsed.port or DEFAULT_PORTS[backend]
    if not policy.allows_port(port):
        raise Refused("port", port=port, ports=policy.ports_text())
    allowed = [_allow_entry(entry) for entry in policy.allow]
    allowed_names = {entry for entry in allowed if isinstance(entry, str)}
    networks = [entry for entry in allowed if not isinstance(entry, str)]
    addresses = resolve(host, port, timeout)
    for text in addresses:
        address = ipaddress.ip_address(text.split("%")[0])
        subject = text if host.lower() == text.lower() else f"{host} ({text})"
        if _is_own_database(backend, address, port, parsed.database or "", policy):
            raise Refused("own_database", subject=f"{subject}:{port}")
        if host.lower().rstrip(".") in allowed_names or _in_networks(address, networks):
            continue
        kind = address_kind(address)
        if kind:
            raise Refused("not_allowed_address", subject=subject, kind=kind)
        if not policy.public:
            raise Refused("public_not_allowed", subject=subject)
    return addresses


def _in_networks(address, networks) -> bool:
    candidates = [address]
    if address.version == 6 and address.ipv4_mapped:
        candidates.append(address.ipv4_mapped)
    return any(c.version == n.version and c in n for c in candidates for n in networks)


_own_cache: dict[str, frozenset] = {}


def _is_own_database(backend: str, address, port: int, database: str, policy: ConnectionPolicy) -> bool:
    """The same server as personvern's own database (and, for PostgreSQL, the same database:
    a PostgreSQL connection reaches one database, a MySQL connection every database the
    user may read, so there the whole server is refused)."""
    for own in policy.own_databases:
        if own.backend != backend or own.port != port:
            continue
        if backend == "postgresql" and own.name != database:
            continue
        if not own.host or own.host.startswith("/"):
            same = _is_this_machine(address)
        else:
            own_addresses = _own_cache.get(own.host)
            if own_addresses is None:
                try:
                    found = resolve(own.host, port, TEST_TIMEOUTS.connect)
                    own_addresses = _own_cache[own.host] = frozenset(ipaddress.ip_address(a.split("%")[0]) for a in found)
                except Refused:  # unknown now (personvern cannot reach it either): refuse, ask again next time
                    return True
            same = address in own_addresses or (
                _is_this_machine(address) and any(_is_this_machine(a) for a in own_addresses)
            )
        if same:
            return True
    return False


# Query parameters a URL may carry, with the values they may take (None: any plain word).
SAFE_PARAMETERS = {
    "postgresql": {
        "sslmode": {"disable", "allow", "prefer", "require", "verify-ca", "verify-full"},
        "application_name": None,
    },
    "mysql": {"charset": None},
    "sqlite": {},
}
_PLAIN_VALUE = re.compile(r"^[\w .-]{1,64}$")


def _check_parameters(parsed: sa.URL) -> None:
    """Only the parameters known to be harmless: the others name files (sslrootcert, passfile,
    read_default_file), run commands (options, init_command), load data (local_infile) or
    point at sockets (host, unix_socket), and are the operator's business."""
    safe = SAFE_PARAMETERS[parsed.get_backend_name()]
    for name, value in parsed.query.items():
        if name not in safe:
            raise Refused("parameter", name=name, accepted=", ".join(sorted(safe)) or "none")
        values = value if isinstance(value, tuple) else (value,)
        choices = safe[name]
        for one in values:
            if len(values) > 1 or (choices is None and not _PLAIN_VALUE.match(one)) or (choices and one not in choices):
                raise Refused("parameter_value", name=name, value=one[:64])


SQLITE_HEADER = b"SQLite format 3\x00"
_SQLITE_SIDE_FILES = ("", "-wal", "-shm", "-journal")


def check_sqlite_path(database: str | None, policy: ConnectionPolicy) -> Path:
    """The real path (symlinks followed) of an existing SQLite file the policy allows."""
    if not database or database == ":memory:":
        raise Refused("sqlite_memory")
    if database.startswith("file:"):
        raise Refused("sqlite_uri")
    if not os.path.isabs(database):
        raise Refused("sqlite_relative", path=database)
    real = Path(os.path.realpath(database))
    # Containment first: outside the allowed directories nothing is said about the file.
    if not any(real.is_relative_to(os.path.realpath(d)) for d in policy.sqlite_dirs):
        raise Refused("sqlite_outside", path=database)
    for protected in policy.protected_paths:
        protected_real = Path(os.path.realpath(protected))
        if real.is_relative_to(protected_real) or any(str(real) == f"{protected_real}{end}" for end in _SQLITE_SIDE_FILES):
            raise Refused("sqlite_own", path=database)
    if any(real.parent == Path(os.path.realpath(d)) for d in policy.protected_dirs):
        raise Refused("sqlite_own", path=database)
    if not real.exists():
        raise Refused("sqlite_missing", path=database)
    if not real.is_file():
        raise Refused("sqlite_not_file", path=database)
    try:
        with real.open("rb") as file:
            header = file.read(len(SQLITE_HEADER))
    except OSError:
        header = b""
    if header != SQLITE_HEADER:
        raise Refused("sqlite_not_database", path=database)
    return real


def check_url(url: str | sa.URL, policy: ConnectionPolicy, timeout: float = TEST_TIMEOUTS.connect) -> sa.URL:
    """Refused (with the reason) unless the policy lets the URL be opened; resolves host names."""
    parsed = _check_static(url, policy)
    if parsed.get_backend_name() != "sqlite":
        check_addresses(parsed, policy, timeout)
    return parsed


def _check_static(url: str | sa.URL, policy: ConnectionPolicy) -> sa.URL:
    """The checks that need no network: the URL's shape, its parameters, the SQLite file."""
    parsed = normalise_url(url)
    _check_parameters(parsed)
    if parsed.get_backend_name() == "sqlite":
        check_sqlite_path(parsed.database, policy)
    else:
        _check_host_shape(parsed.host)
        port = parsed.port or DEFAULT_PORTS[parsed.get_backend_name()]
        if not policy.allows_port(port):
            raise Refused("port", port=port, ports=policy.ports_text())
    return parsed


# ------------------------------------------------------------------ engines


def normalise_url(url: str | sa.URL) -> sa.URL:
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        raise ConnectorError(
            f"'{_redact(url)}' is not a database URL; write e.g. postgresql://user@host/db, "
            "mysql://user@host/db or sqlite:///path/to/file.db"
        ) from None
    driver = DRIVERS.get(parsed.drivername)
    if driver is None:
        raise ConnectorError(
            f"database type '{parsed.drivername}' is not supported; use postgresql, mysql/mariadb or sqlite"
        )
    return parsed.set(drivername=driver)


def _redact(url: str | sa.URL) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return "<unparseable URL>"


def make_engine(
    url: str | sa.URL,
    *,
    policy: ConnectionPolicy | None = None,
    timeouts: Timeouts | None = None,
    create_sqlite: bool | None = None,
    **kwargs,
) -> Engine:
    """An engine for the URL, with settings that keep locks short and errors clear.

    With a policy the URL is checked now (Refused if it may not be opened) and every
    connection is checked again when it is made. Every connection has connect and
    statement timeouts. A SQLite file is created only when create_sqlite is true (the
    default without a policy, for the operator's tools that build databases)."""
    timeouts = timeouts or Timeouts()
    parsed = _check_static(url, policy) if policy else normalise_url(url)
    backend = parsed.get_backend_name()
    options: dict = {"pool_pre_ping": True}
    connect_args: dict = {}
    if backend == "sqlite":
        # Wait for a writer instead of failing at once with "database is locked".
        connect_args["timeout"] = min(timeouts.statement, 30)
    elif backend == "mysql":
        connect_args["charset"] = "utf8mb4"
        connect_args["connect_timeout"] = timeouts.connect
        # The handshake must come within the connect timeout (a port that speaks another
        # protocol sends no greeting); _connector raises the read timeout after it.
        connect_args["read_timeout"] = timeouts.connect
        connect_args["write_timeout"] = timeouts.connect
    else:
        connect_args["connect_timeout"] = max(2, math.ceil(timeouts.connect))  # libpq: whole seconds, at least 2
        connect_args["options"] = f"-c statement_timeout={int(timeouts.statement * 1000)}"
    options["connect_args"] = connect_args
    options.update(kwargs)
    try:
        engine = sa.create_engine(parsed, **options)
    except (ArgumentError, NoSuchModuleError) as exc:
        raise ConnectorError(f"cannot create an engine for {parsed.render_as_string()}: {exc}") from None
    create = policy is None if create_sqlite is None else create_sqlite
    sa.event.listen(engine, "do_connect", _connector(parsed, policy, timeouts, create))
    if backend == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _connector(parsed: sa.URL, policy: ConnectionPolicy | None, timeouts: Timeouts, create: bool):
    """The engine's way to open a DBAPI connection: the policy checked again, the checked
    address used, timeouts set, and a failure turned into a fixed message."""
    backend = parsed.get_backend_name()
    target = _target(parsed)
    reveal = policy is None  # the operator may read what the driver said

    def connect(dialect, _record, cargs, cparams):
        try:
            if backend == "sqlite":
                path = check_sqlite_path(parsed.database, policy) if policy else parsed.database
                if path and not create and path != ":memory:":
                    if not os.path.exists(path):
                        raise Refused("sqlite_missing", path=parsed.database)
                    cargs[:] = [f"file:{urllib.parse.quote(str(path))}?mode=rw"]
                    cparams["uri"] = True
                return dialect.connect(*cargs, **cparams)
            addresses = check_addresses(parsed, policy, timeouts.connect) if policy else [None]
            for index, address in enumerate(addresses):
                attempt = dict(cparams)
                if address is not None:
                    # Connect to the address that was checked; libpq keeps the name for TLS.
                    attempt["hostaddr" if backend == "postgresql" else "host"] = address
                try:
                    dbapi_connection = dialect.connect(*cargs, **attempt)
                    break
                except Exception as exc:
                    if index == len(addresses) - 1 or _failure_code(backend, exc) not in ("refused", "unreachable", "timeout"):
                        raise
            if backend == "mysql":
                _mysql_session(dbapi_connection, timeouts)
            return dbapi_connection
        except ExplainedError:
            raise
        except Exception as exc:
            raise _failure(backend, exc, target, parsed, timeouts, reveal) from None

    return connect


def _mysql_session(dbapi_connection, timeouts: Timeouts) -> None:
    """Statement timeout (MariaDB: max_statement_time in seconds; MySQL: max_execution_time
    in ms, SELECT only) and, after the handshake, reads as long as a statement may run."""
    cursor = dbapi_connection.cursor()
    if "mariadb" in dbapi_connection.get_server_info().lower():
        cursor.execute("SET SESSION max_statement_time = %s", (float(timeouts.statement),))
    else:
        cursor.execute("SET SESSION max_execution_time = %s", (int(timeouts.statement * 1000),))
    cursor.close()
    dbapi_connection._read_timeout = dbapi_connection._write_timeout = timeouts.statement + 5


def _target(parsed: sa.URL) -> str:
    if parsed.get_backend_name() == "sqlite":
        return parsed.database or ":memory:"
    host = parsed.host or "localhost"
    host = f"[{host}]" if ":" in host else host
    return f"{host}:{parsed.port or DEFAULT_PORTS[parsed.get_backend_name()]}"


_AUTH_TEXT = re.compile(r'authentication failed|no password supplied|role "[^"]*" does not exist')


def _failure_code(backend: str, exc: BaseException) -> str:
    """One of FAILURES' codes for a driver's exception. The driver's text is only looked at
    here, to classify; it never reaches organisation staff."""
    original = getattr(exc, "orig", None) or exc
    text = str(original).lower()
    sqlstate = getattr(original, "sqlstate", None) or ""
    code = original.args[0] if backend == "mysql" and original.args and isinstance(original.args[0], int) else None
    if sqlstate in ("28P01", "28000") or code in (1044, 1045, 1698) or _AUTH_TEXT.search(text):
        return "auth"
    if sqlstate == "3D000" or code == 1049 or re.search(r'database "[^"]*" does not exist', text):
        return "no_database"
    if sqlstate == "57014" or code in (1969, 3024):
        return "statement_timeout"
    if backend == "sqlite":
        if "not a database" in text:
            return "wrong_kind"
        if "locked" in text or "busy" in text:
            return "busy"
        return "failed"
    if isinstance(original, (TimeoutError, socket.timeout)) or "timeout" in text or "timed out" in text:
        return "timeout"
    if "connection refused" in text or isinstance(original, ConnectionRefusedError):
        return "refused"
    if any(s in text for s in ("no route to host", "network is unreachable", "could not translate host", "name or service")):
        return "unreachable"
    if code in (2013, 2006) or any(
        s in text for s in ("invalid response to ssl", "closed the connection unexpectedly", "lost synchronization",
                            "expected authentication request", "packet sequence", "invalid packet", "unexpected")
    ):
        return "wrong_kind"
    if not isinstance(original, Exception) or type(original).__module__.split(".")[0] not in ("psycopg", "pymysql", "sqlite3"):
        return "wrong_kind"  # a parser error inside the driver: the peer did not speak its protocol
    return "failed"


def _failure(backend, exc, target, parsed, timeouts, reveal) -> ConnectFailed:
    code = _failure_code(backend, exc)
    seconds = f"{timeouts.statement if code == 'statement_timeout' else timeouts.connect:g}"
    detail = _short(exc) if reveal else ""
    return ConnectFailed(
        code, detail, target=target, seconds=seconds, database=parsed.database or "", kind=KIND_NAMES[backend]
    )


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")  # SQLite ignores foreign keys unless told
    cursor.close()


_reflected: weakref.WeakKeyDictionary[Engine, sa.MetaData] = weakref.WeakKeyDictionary()
_reflect_lock = threading.Lock()


def reflect(engine: Engine, refresh: bool = False) -> sa.MetaData:
    """The engine's schema, reflected once and reused (reflection costs far more than a
    rights request's queries). Pass refresh=True after the schema has changed."""
    with _reflect_lock:
        metadata = _reflected.get(engine)
        if metadata is None or refresh:
            metadata = sa.MetaData()
            try:
                metadata.reflect(bind=engine)
                if engine.dialect.name == "sqlite":
                    with engine.connect() as conn:
                        add_sqlite_inline_unique(conn, metadata)
            except SQLAlchemyError as exc:
                raise ConnectorError(f"cannot read the schema: {_short(exc)}") from None
            _reflected[engine] = metadata
        return metadata


def add_sqlite_inline_unique(conn, metadata: sa.MetaData) -> None:
    """SQLAlchemy does not reflect a column declared UNIQUE inline (`"username" varchar(150)
    NOT NULL UNIQUE`, as Django writes it); SQLite keeps such a constraint as an automatic
    index, which PRAGMA index_list lists with origin 'u'. Added as unique constraints, so
    that what is unique (a user name a walk may follow, a column a fixed mask would make
    collide) is known on SQLite as it is on the servers."""
    quote = conn.dialect.identifier_preparer.quote
    for table in metadata.tables.values():
        known = {frozenset(c.name for c in con.columns) for con in table.constraints if isinstance(con, (sa.UniqueConstraint, sa.PrimaryKeyConstraint))}
        known |= {frozenset(c.name for c in index.columns) for index in table.indexes if index.unique}
        for _seq, index, unique, origin, *_ in conn.exec_driver_sql(f"PRAGMA index_list({quote(table.name)})").all():
            if unique and origin == "u":
                columns = [row[2] for row in conn.exec_driver_sql(f"PRAGMA index_info({quote(index)})").all()]
                if frozenset(columns) not in known and all(c in table.c for c in columns):
                    table.append_constraint(sa.UniqueConstraint(*(table.c[c] for c in columns)))
                    known.add(frozenset(columns))


def forget_reflection(engine: Engine) -> None:
    with _reflect_lock:
        _reflected.pop(engine, None)


# ------------------------------------------------------------------ "Test connection"


@dataclass(frozen=True)
class Answer:
    """What answered a connection test."""

    kind: str  # the dialect: postgresql, mysql, sqlite
    version: str
    tables: int

    def __str__(self) -> str:
        return f"connected to {self.kind} {self.version}".strip() + f", {self.tables} tables"


def probe(url: str, *, policy: ConnectionPolicy | None = None, timeouts: Timeouts = TEST_TIMEOUTS, bound: float = 5) -> Answer:
    """What answered (str(): 'connected to postgresql 15.4, 12 tables'), or ConnectorError saying
    why not. Returns within `bound` seconds whatever the server does: the attempt runs in
    a thread of its own, which its timeouts end later."""
    outcome: dict = {}

    def attempt() -> None:
        try:
            outcome["text"] = _probe(url, policy, timeouts)
        except ConnectorError as exc:
            outcome["error"] = exc
        except Exception as exc:  # never a traceback for a bad URL or a strange server
            outcome["error"] = ConnectorError(f"the connection test failed ({type(exc).__name__})")

    worker = threading.Thread(target=attempt, name="pv-connection-test", daemon=True)
    worker.start()
    worker.join(bound)
    if worker.is_alive():
        parsed = normalise_url(url)
        raise ConnectFailed(
            "timeout", target=_target(parsed), seconds=f"{bound:g}", database="", kind=KIND_NAMES[parsed.get_backend_name()]
        )
    if "error" in outcome:
        raise outcome["error"]
    return outcome["text"]


def _probe(url: str, policy: ConnectionPolicy | None, timeouts: Timeouts) -> Answer:
    engine = make_engine(url, policy=policy, timeouts=timeouts, create_sqlite=False, pool_pre_ping=False)
    parsed = normalise_url(url)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
            dialect = engine.dialect
            version = ".".join(str(part) for part in (dialect.server_version_info or ())[:3])
            tables = len(sa.inspect(conn).get_table_names())
        return Answer(dialect.name, version, tables)
    except SQLAlchemyError as exc:
        backend = parsed.get_backend_name()
        raise _failure(backend, exc, _target(parsed), parsed, timeouts, policy is None) from None
    finally:
        engine.dispose()


def test_connection(url: str, *, policy: ConnectionPolicy | None = None, bound: float = 5) -> tuple[bool, str]:
    """(True, 'what answered') or (False, 'why not'); never raises for bad input."""
    try:
        return True, str(probe(url, policy=policy, bound=bound))
    except ConnectorError as exc:
        return False, str(exc)


test_connection.__test__ = False  # not a pytest test, though its name says so


def _short(exc: Exception) -> str:
    """The driver's own message without SQLAlchemy's SQL echo and background link."""
    original = getattr(exc, "orig", None) or exc
    if len(original.args) == 2 and isinstance(original.args[0], int):  # PyMySQL: (code, message)
        original = original.args[1]
    return str(original).strip().splitlines()[0] if str(original).strip() else type(original).__name__


def quote(engine_or_conn, name: str) -> str:
    return engine_or_conn.dialect.identifier_preparer.quote(name)
