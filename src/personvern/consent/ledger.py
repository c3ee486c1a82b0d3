"""The consent ledger's write path: one lean INSERT per decision.

A decision is acknowledged to the browser only after its row is committed. The
INSERT runs in autocommit mode (one implicit transaction), so on SQLite it takes
the write lock once, waits on busy_timeout instead of failing, and holds the lock
for microseconds; on PostgreSQL it is an ordinary single-row insert. A retry with
the same client-generated `record_id` inserts nothing (`ON CONFLICT DO NOTHING`)
and gets the stored row back, so retries never double-count.
"""

from __future__ import annotations

import base64
import hmac
import ipaddress
import os
import re
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import DEFAULT_DB_ALIAS, connections
from django.utils.crypto import salted_hmac
from django.utils import timezone

from .models import METHODS, OPTIONAL_CATEGORIES, ConsentRecord

CONSENT_ID_RE = re.compile(r"^[A-Za-z0-9_-]{22}\Z")  # \Z: "$" would let a trailing newline through
RECORD_ID_RE = re.compile(r"^[0-9a-f]{32}\Z")
VERSION_RE = re.compile(r"^[0-9a-f]{12}\Z")


def state_cookie(site_key: str) -> str:
    """Where one site's banner keeps the visitor's choice: this cookie name and localStorage key.

    One name per site, so two sites that share a cookie domain or an origin keep apart.
    """
    return f"pvc_{site_key}"

# SQLite: the ledger writes through one long-lived connection per process (Django
# opens a new one per request on SQLite). Durability of an acknowledged decision:
#   GROUP (default): commit with synchronous=NORMAL, so the write lock is held for
#          microseconds, then fsync the WAL file *outside* the lock before answering.
#          Concurrent requests' fsyncs overlap in the kernel: a group commit across
#          the gunicorn workers. Survives a crash of the process, the OS or the power.
#   FULL:  SQLite fsyncs inside the write lock (writers queue behind each fsync).
#   NORMAL: no fsync before answering; survives a process crash, not a power cut.
SQLITE_DURABILITY = os.environ.get("PERSONVERN_CONSENT_SQLITE_SYNC", "GROUP").upper()
if SQLITE_DURABILITY not in ("GROUP", "NORMAL", "FULL"):
    SQLITE_DURABILITY = "GROUP"
_local = threading.local()


def truncate_ip(address: str) -> str:
    """'203.0.113.77' -> '203.0.113.0'; IPv6 to its /48; anything else -> ''."""
    address = (address or "").strip()
    parts = address.split(".")
    if len(parts) == 4 and all(p.isdigit() and len(p) <= 3 and int(p) <= 255 for p in parts):
        return f"{int(parts[0])}.{int(parts[1])}.{int(parts[2])}.0"  # the common case, without ipaddress
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return ""
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False).network_address)


# A consent id belongs to one site: 10 random bytes and a 6-byte tag, an HMAC (keyed by
# SECRET_KEY) of the site's key and those bytes; 22 characters in base64url. The banner keeps
# it in the site's own (first-party) storage and sends it back; the API keeps an id only when
# its tag matches the site it is posted to. An id from another site, or made up, is replaced
# by a new one, so a visitor's ids on two organisations' sites never meet in the ledger.
_ID_RANDOM, _ID_TAG = 10, 6


def _id_tag(site_key: str, random_part: bytes) -> bytes:
    mac = salted_hmac("personvern.consent.id", site_key.encode() + b"." + random_part, algorithm="sha256")
    return mac.digest()[:_ID_TAG]


def _id_text(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def new_consent_id(site_key: str) -> str:
    random_part = secrets.token_bytes(_ID_RANDOM)
    return _id_text(random_part + _id_tag(site_key, random_part))


def site_consent_id(site_key: str, claimed: str) -> str:
    """`claimed` when it is an id this site issued, otherwise a new id for this site."""
    if CONSENT_ID_RE.match(claimed):
        raw = base64.urlsafe_b64decode(claimed + "==")
        if hmac.compare_digest(raw[_ID_RANDOM:], _id_tag(site_key, raw[:_ID_RANDOM])):
            return _id_text(raw)  # as we write it (base64 has two spellings of the last character)
    return new_consent_id(site_key)


@dataclass(frozen=True)
class Decision:
    site_id: int
    record_id: str
    consent_id: str
    choices: dict[str, bool]
    method: str
    version: str
    language: str
    ip: str
    at: datetime

    def bits(self) -> str:
        return "".join("1" if self.choices.get(c) else "0" for c in OPTIONAL_CATEGORIES)

    def state(self) -> str:
        """What the banner keeps for the site (`state_cookie`): id.version.epoch.bits.method"""
        return f"{self.consent_id}.{self.version}.{int(self.at.timestamp())}.{self.bits()}.{self.method}"


class DecisionError(ValueError):
    pass


def parse_decision(data: dict, *, site_id: int, categories: set[str], consent_id: str, ip: str) -> Decision:
    """Validate what the banner sent. Categories the site does not use are stored as refused."""
    if not isinstance(data, dict):
        raise DecisionError("body must be a JSON object")
    record_id = str(data.get("id") or "").replace("-", "").lower()
    if not RECORD_ID_RE.match(record_id):
        raise DecisionError("id must be 32 hex digits (a random UUID)")
    method = data.get("method")
    if method not in METHODS:
        raise DecisionError(f"method must be one of {', '.join(METHODS)}")
    version = str(data.get("version") or "")
    if not VERSION_RE.match(version):
        raise DecisionError("version must be 12 hex digits")
    language = data.get("lang") if data.get("lang") in ("nb", "en") else "nb"
    raw = data.get("choices")
    if not isinstance(raw, dict) or not all(isinstance(v, bool) for v in raw.values()):
        raise DecisionError("choices must map category to true/false")
    unknown = set(raw) - set(OPTIONAL_CATEGORIES) - {"necessary"}
    if unknown:
        raise DecisionError(f"unknown category: {sorted(unknown)[0]}")
    choices = {c: bool(raw.get(c)) and c in categories for c in OPTIONAL_CATEGORIES}
    if method == "reject_all" and any(choices.values()):
        raise DecisionError("reject_all with a category accepted")
    if method == "gpc" and choices["marketing"]:
        raise DecisionError("gpc with marketing accepted")
    return Decision(site_id, record_id, consent_id, choices, method, version, language, ip, timezone.now())


_COLUMNS = ("site_id", "record_id", "consent_id", *OPTIONAL_CATEGORIES, "method", "version", "language", "at", "ip")


_TABLE = ConsentRecord._meta.db_table
_COLS = ", ".join(f'"{c}"' for c in _COLUMNS)  # double quotes: SQLite and PostgreSQL alike
INSERT_SQL = (f'INSERT INTO "{_TABLE}" ({_COLS}) VALUES ({", ".join(["%s"] * len(_COLUMNS))}) '
              'ON CONFLICT ("record_id") DO NOTHING')
SELECT_SQL = f'SELECT {_COLS} FROM "{_TABLE}" WHERE "record_id" = %s'


def _sqlite_connection(db) -> sqlite3.Connection | None:
    """This process's own autocommit connection to the SQLite file, or None to use Django's.

    None inside a transaction (the write must join it) and for in-memory test databases.
    """
    if db.vendor != "sqlite" or db.in_atomic_block:
        return None
    name = db.settings_dict["NAME"]
    conn = getattr(_local, "conn", None)
    if conn is not None and _local.key == (os.getpid(), name):
        return conn
    name_text = str(name)
    if name_text.startswith("file:") or ":memory:" in name_text or not os.path.isfile(name_text):
        return None
    conn = sqlite3.connect(name_text, timeout=20, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={'FULL' if SQLITE_DURABILITY == 'FULL' else 'NORMAL'}")
    conn.execute("PRAGMA busy_timeout=20000")
    conn.execute("PRAGMA foreign_keys=ON")
    _local.conn, _local.key, _local.wal = conn, (os.getpid(), name), name_text + "-wal"
    return conn


def _sync_wal() -> None:
    """fsync the WAL after a NORMAL commit: the decision is on disk before we answer.

    Frames that a checkpoint already moved into the database file were synced there
    by SQLite (synchronous=NORMAL syncs the database after each checkpoint).
    """
    try:
        fd = os.open(_local.wal, os.O_RDONLY)
    except FileNotFoundError:  # checkpointed and removed: the database file has it
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _execute(db, params: list, record_id: str) -> tuple[bool, tuple | None]:
    raw = _sqlite_connection(db)
    if raw is not None:
        try:
            cur = raw.execute(INSERT_SQL.replace("%s", "?"), params)
            if cur.rowcount == 1:
                if SQLITE_DURABILITY == "GROUP":
                    _sync_wal()
                return True, None
            return False, raw.execute(SELECT_SQL.replace("%s", "?"), [record_id]).fetchone()
        except sqlite3.Error:
            _local.conn = None
            raw.close()
            raise
    with db.cursor() as cur:
        cur.execute(INSERT_SQL, params)
        if cur.rowcount == 1:
            return True, None
        cur.execute(SELECT_SQL, [record_id])
        return False, cur.fetchone()


def store_decision(decision: Decision, attempts: int = 5) -> tuple[Decision, bool]:
    """Insert the decision (committed when this returns). Returns (stored decision, created).

    On a retry (same record_id) returns the decision as first stored, created=False.
    """
    d = decision
    db = connections[DEFAULT_DB_ALIAS]
    params = [d.site_id, d.record_id, d.consent_id, *(d.choices[c] for c in OPTIONAL_CATEGORIES),
              d.method, d.version, d.language, db.ops.adapt_datetimefield_value(d.at), d.ip]
    for attempt in range(attempts):
        try:
            created, row = _execute(db, params, d.record_id)
            if created:
                return d, True
            break
        except Exception as exc:  # "database is locked" after busy_timeout: wait and try again
            if attempt == attempts - 1 or "locked" not in str(exc).lower():
                raise
            time.sleep(0.05 * (attempt + 1))
    values = dict(zip(_COLUMNS, row, strict=True))
    at = values["at"]
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    if timezone.is_naive(at):
        at = at.replace(tzinfo=UTC)
    stored = Decision(
        values["site_id"], values["record_id"], values["consent_id"],
        {c: bool(values[c]) for c in OPTIONAL_CATEGORIES}, values["method"], values["version"],
        values["language"], values["ip"], at,
    )
    return stored, False
