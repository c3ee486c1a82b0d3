"""The residue search after an erasure, and masks checked against the schema before one,
on SQLite, PostgreSQL and MariaDB (a small schema of its own: a fresh database per test)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from examples.shop import ensure_database
from personvern.connectors.datamap import parse_datamap
from personvern.connectors.engine import ConnectorError, make_engine
from personvern.connectors.execute import erase
from personvern.connectors.residue import like_pattern

from .conftest import HASH_KEY

NOW = dt.datetime(2026, 6, 1)
KARI = {"email": "kari_n@example.no", "phone": "+47 41234567", "name": ("Kari", "Nærø")}

metadata = sa.MetaData()
accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("email", sa.String(254), nullable=False, unique=True),
    sa.Column("first_name", sa.String(100), nullable=False),
    sa.Column("last_name", sa.String(100)),
    sa.Column("phone", sa.String(30)),
    sa.Column("password", sa.String(128), nullable=False),
    sa.Column("is_active", sa.Boolean, nullable=False),
    sa.Column("country", sa.String(2), nullable=False),
)
orders = sa.Table(
    "orders",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=True, index=True),
    sa.Column("ordered_at", sa.DateTime, nullable=False),
    sa.Column("buyer_name", sa.String(200)),
    sa.Column("note", sa.Text),  # free text the map does not name
)
admin_log = sa.Table(  # a table the map does not reach
    "admin_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("message", sa.String(500), nullable=False),
)

MAP = """
tables:
  accounts:
    erasure: mask
    columns:
      email: {category: contact.email, identity: email, erasure: keyed_hash}
      first_name: {category: name, erasure: {fixed: slettet}}
      last_name: {category: name, erasure: set_null}
      phone: {category: contact.phone, identity: phone, erasure: set_null}
      password: {category: account.credential, erasure: {fixed: "!"}}
      is_active: {category: account.status, erasure: {fixed: false}}
  orders:
    erasure: delete_row
    legal_hold:
      law: bokføringsloven § 13
      from_column: ordered_at
      years: 5
      keep: [id, ordered_at, buyer_name]
    columns:
      buyer_name: {category: name, erasure: set_null}
"""


def shop(url: str, *, kari_note: str | None = None, log: str | None = None) -> sa.Engine:
    ensure_database(url)
    engine = make_engine(url)
    metadata.create_all(engine)
    kari_first, kari_last = KARI["name"]
    with engine.begin() as conn:
        conn.execute(accounts.insert(), [
            {"id": 1, "email": KARI["email"], "first_name": kari_first, "last_name": kari_last, "phone": KARI["phone"],
             "password": "argon2$abc", "is_active": True, "country": "NO"},
            # Her e-mail with the underscore as any character, and her first name: not hers.
            {"id": 2, "email": "karixn@example.no", "first_name": "Kari", "last_name": "Hansen", "phone": "+47 99887766",
             "password": "argon2$def", "is_active": True, "country": "NO"},
            {"id": 3, "email": "kari.n@example.org", "first_name": "Kari", "last_name": "Nærø", "phone": None,
             "password": "argon2$ghi", "is_active": True, "country": "NO"},  # a namesake
        ])
        conn.execute(orders.insert(), [
            # Held (dated inside the five years), and old enough to go.
            {"id": 10, "account_id": 1, "ordered_at": dt.datetime(2024, 3, 5), "buyer_name": "Kari Nærø", "note": kari_note},
            {"id": 11, "account_id": 1, "ordered_at": dt.datetime(2019, 3, 5), "buyer_name": "Kari Nærø", "note": None},
            {"id": 12, "account_id": 2, "ordered_at": dt.datetime(2024, 4, 1), "buyer_name": "Kari Hansen", "note": "Ring Kari Hansen"},
            {"id": 13, "account_id": 3, "ordered_at": dt.datetime(2024, 4, 2), "buyer_name": "Kari Nærø", "note": None},
        ])
        conn.execute(admin_log.insert(), [{"id": 1, "message": log or "nightly export done"}])
    return engine


@pytest.fixture
def make_shop(db_url):
    engines = []

    def build(**kwargs):
        engines.append(shop(db_url, **kwargs))
        return engines[-1]

    yield build
    for engine in engines:
        engine.dispose()


def run(engine, text: str = MAP, **kwargs):
    return erase(engine, parse_datamap(__import__("yaml").safe_load(text)), {"email": KARI["email"]}, now=NOW, hash_key=HASH_KEY, **kwargs)


def test_her_phone_and_name_in_a_free_text_note_are_residue_and_not_verified(make_shop):
    engine = make_shop(kari_note="Levering: ring KARI NÆRØ på 412 34 567, ikke Kari Hansen")
    result = run(engine)
    assert result.verification.ok, "the identity columns alone look clean"
    places = {(p.table, p.column): p for p in result.residue.places}
    assert list(places) == [("orders", "note")]
    assert places["orders", "note"].rows == 1 and places["orders", "note"].kinds == ("name", "phone")
    assert not result.verified
    report = json.dumps(result.residue.as_dict(), default=str)
    assert "412" not in report and "Nærø" not in report and "kari" not in report.lower()


def test_a_clean_erasure_is_verified_and_held_rows_are_kept_not_residue(make_shop):
    engine = make_shop()
    result = run(engine)
    assert result.residue.places == [] and result.verified
    assert result.residue.name_only == {"orders.buyer_name": 1}, "her namesake's order: reported, not residue"
    [kept] = result.residue.kept
    assert (kept.table, kept.rows, kept.until, kept.matches) == ("orders", 1, dt.date(2029, 12, 31), 1)
    assert kept.law == "bokføringsloven § 13" and "buyer_name" in kept.columns
    with engine.connect() as conn:
        assert conn.execute(sa.select(orders.c.buyer_name).where(orders.c.id == 10)).scalar_one() == "Kari Nærø"


def test_the_whole_database_search_reaches_tables_outside_the_map(make_shop):
    engine = make_shop(log="Changed the e-mail of KARI_N@EXAMPLE.NO on request")
    assert run(engine).verified, "the map's tables are clean"
    result = run(engine, whole_database=True)
    assert [(p.table, p.column, p.rows, p.kinds) for p in result.residue.places] == [("admin_log", "message", 1, ("email",))]
    assert not result.verified and result.residue.whole_database


def test_a_dry_run_reports_what_would_remain_and_changes_nothing(make_shop):
    engine = make_shop(kari_note="ring 41234567")
    dry = run(engine, dry_run=True)
    assert [(p.table, p.column) for p in dry.residue.places] == [("orders", "note")]
    assert [k.table for k in dry.residue.kept] == ["orders"] and not dry.verified
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(orders)).scalar_one() == 4
        assert conn.execute(sa.select(accounts.c.email).where(accounts.c.id == 1)).scalar_one() == KARI["email"]


def test_an_account_is_deactivated_not_only_masked(make_shop):
    engine = make_shop()
    assert run(engine).verified
    with engine.connect() as conn:
        row = conn.execute(sa.select(accounts).where(accounts.c.id == 1)).one()
        other = conn.execute(sa.select(accounts).where(accounts.c.id == 2)).one()
    assert (row.password, bool(row.is_active), row.first_name, row.last_name, row.phone) == ("!", False, "slettet", None, None)
    assert row.email != KARI["email"] and len(row.email) == 64
    assert (other.password, bool(other.is_active), other.email) == ("argon2$def", True, "karixn@example.no")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("first_name: {category: name, erasure: {fixed: slettet}}", "tables.accounts.columns.first_name.erasure: set_null on a NOT NULL column; use keyed_hash or {fixed: …}"),
        ("email: {category: contact.email, identity: email, erasure: keyed_hash}", "tables.accounts.columns.email.erasure: a fixed value on a column in a UNIQUE constraint collides"),
        ("is_active: {category: account.status, erasure: {fixed: false}}", "tables.accounts.columns.is_active.erasure: {fixed: 'nei'} does not fit the column"),
        ("password: {category: account.credential, erasure: {fixed: \"!\"}}", "tables.accounts.columns.password.erasure: {fixed: 'x"),
        ("phone: {category: contact.phone, identity: phone, erasure: set_null}", "tables.accounts.columns.country.erasure: keyed_hash needs a column of at least 16 characters"),
    ],
    ids=["set_null-not-null", "fixed-unique", "fixed-type", "fixed-length", "hash-short"],
)
def test_masks_that_cannot_run_are_refused_before_anything_runs(make_shop, change, message):
    bad = {
        "first_name": "first_name: {category: name, erasure: set_null}",
        "email": "email: {category: contact.email, identity: email, erasure: {fixed: slettet}}",
        "is_active": "is_active: {category: account.status, erasure: {fixed: nei}}",
        "password": "password: {category: account.credential, erasure: {fixed: " + "x" * 129 + "}}",
        "phone": "phone: {category: contact.phone, identity: phone, erasure: set_null}\n      country: {category: location, erasure: keyed_hash}",
    }[change.split(":")[0]]
    engine = make_shop()
    with engine.connect() as conn:
        before = [conn.execute(sa.select(t).order_by(*t.primary_key.columns)).all() for t in (accounts, orders, admin_log)]
    with pytest.raises(ConnectorError) as refused:
        run(engine, MAP.replace(change, bad))
    assert message in str(refused.value)
    with engine.connect() as conn:
        assert before == [conn.execute(sa.select(t).order_by(*t.primary_key.columns)).all() for t in (accounts, orders, admin_log)]


def test_like_patterns_escape_wildcards_and_fold_letters_outside_ascii():
    assert like_pattern("kari_n@example.no") == "%kari/_n@example.no%"
    assert like_pattern("50% av/på") == "%50/% av//p_%"
    assert like_pattern("Kari Nærø") == "%Kari N_r_%"
