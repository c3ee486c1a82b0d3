"""Engines for PostgreSQL (psycopg 3), MySQL/MariaDB (PyMySQL) and SQLite, with the
reflected schema cached per engine so a rights request does not pay for reflection."""

from __future__ import annotations

import threading
import weakref

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


class ConnectorError(Exception):
    """A problem the user can fix (bad URL, unreachable server, map that does not fit the
    schema). The message says what is wrong and never contains data values."""


def normalise_url(url: str) -> sa.URL:
    try:
        parsed = make_url(url)
    except ArgumentError:
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


def _redact(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable URL>"


def make_engine(url: str | sa.URL, **kwargs) -> Engine:
    """An engine for the URL, with settings that keep locks short and errors clear."""
    parsed = normalise_url(str(url) if isinstance(url, str) else url.render_as_string(hide_password=False))
    options: dict = {"pool_pre_ping": True}
    connect_args: dict = {}
    if parsed.get_backend_name() == "sqlite":
        # Wait for a writer instead of failing at once with "database is locked".
        connect_args["timeout"] = 30
    elif parsed.get_backend_name() == "mysql":
        connect_args["charset"] = "utf8mb4"
        connect_args["connect_timeout"] = 10
    else:
        connect_args["connect_timeout"] = 10
    options["connect_args"] = connect_args
    options.update(kwargs)
    try:
        engine = sa.create_engine(parsed, **options)
    except (ArgumentError, NoSuchModuleError) as exc:
        raise ConnectorError(f"cannot create an engine for {parsed.render_as_string()}: {exc}") from None
    if parsed.get_backend_name() == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    return engine


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
            except SQLAlchemyError as exc:
                raise ConnectorError(f"cannot read the schema: {_short(exc)}") from None
            _reflected[engine] = metadata
        return metadata


def forget_reflection(engine: Engine) -> None:
    with _reflect_lock:
        _reflected.pop(engine, None)


def test_connection(url: str) -> tuple[bool, str]:
    """(True, 'what answered') or (False, 'why not'); never raises for bad input."""
    try:
        engine = make_engine(url)
    except ConnectorError as exc:
        return False, str(exc)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
            dialect = engine.dialect
            version = ".".join(str(part) for part in (dialect.server_version_info or ())[:3])
            tables = len(sa.inspect(conn).get_table_names())
        return True, f"connected to {dialect.name} {version}".strip() + f", {tables} tables"
    except SQLAlchemyError as exc:
        return False, f"cannot connect to {engine.url.render_as_string(hide_password=True)}: {_short(exc)}"
    finally:
        engine.dispose()


def _short(exc: Exception) -> str:
    """The driver's own message without SQLAlchemy's SQL echo and background link."""
    original = getattr(exc, "orig", None) or exc
    return str(original).strip().splitlines()[0] if str(original).strip() else type(original).__name__


def quote(engine_or_conn, name: str) -> str:
    return engine_or_conn.dialect.identifier_preparer.quote(name)
