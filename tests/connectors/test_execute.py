"""Access, erasure with legal hold, rectification and restriction against the demo shop
on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from examples.shop import REFERENCE_NOW, customers_with_orders, ensure_database
from personvern.connectors.datamap import parse_datamap
from personvern.connectors.engine import ConnectorError, make_engine
from personvern.connectors.execute import access, erase, keyed_hash, rectify, restrict

from .conftest import HASH_KEY

INJECTIONS = [
    "' OR '1'='1",
    "x'; DROP TABLE customers; --",
    "\" OR 1=1 --",
    "a@b.no' UNION SELECT * FROM customers --",
    "%",
    "'); DELETE FROM orders; --",
    "\\'; SELECT pg_sleep(5); --",
]


def table_counts(engine) -> dict[str, int]:
    metadata = sa.MetaData()
    metadata.reflect(engine)
    with engine.connect() as conn:
        return {
            name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for name, t in metadata.tables.items()
            if not name.startswith("pv_")  # the connector's own side tables
        }


def fetch(engine, sql: str, **params) -> list[sa.Row]:
    with engine.connect() as conn:
        return list(conn.execute(sa.text(sql), params))


@pytest.fixture
def subject(request):
    """A customer with exactly five orders: (id, e-mail), in whichever shop the test uses."""
    engine = request.getfixturevalue("readonly_engine" if "readonly_engine" in request.fixturenames else "engine")
    return customers_with_orders(engine, orders=5, limit=1)[0]


def test_access_finds_every_row_of_the_person_and_nothing_else(readonly_engine, datamap, subject):
    engine = readonly_engine
    cid, email = subject
    result = access(engine, datamap, {"email": email})

    expected_orders = {r.id for r in fetch(engine, "SELECT id FROM orders WHERE customer_id = :c", c=cid)}
    assert {r["id"] for r in result.rows["orders"]} == expected_orders
    assert len(expected_orders) == 5
    lines = fetch(engine, "SELECT count(*) FROM order_lines WHERE order_id IN (SELECT id FROM orders WHERE customer_id = :c)", c=cid)
    assert result.counts["order_lines"] == lines[0][0]
    assert result.counts["invoices"] == 5
    assert [r["email"] for r in result.rows["customers"]] == [email]
    assert all(r["customer_id"] == cid for r in result.rows["addresses"])
    # Found through the map's own relationship (newsletter e-mail = customer e-mail) or not at all.
    newsletter = fetch(engine, "SELECT count(*) FROM newsletter_subscribers WHERE email = :e", e=email)[0][0]
    assert result.counts.get("newsletter_subscribers", 0) == newsletter
    assert result.queries < 25


def test_access_by_phone_in_another_format_finds_the_customer(readonly_engine, datamap, subject):
    engine = readonly_engine
    cid, _ = subject
    phone = fetch(engine, "SELECT phone FROM customers WHERE id = :c", c=cid)[0][0]
    digits = "".join(ch for ch in phone if ch.isdigit())[-8:]
    result = access(engine, datamap, {"phone": digits})
    assert [r["id"] for r in result.rows["customers"]] == [cid]


def test_bad_identities_are_clear_errors(readonly_engine, datamap):
    engine = readonly_engine
    with pytest.raises(ConnectorError, match="no column that identifies a person by 'shoe_size'"):
        access(engine, datamap, {"shoe_size": "44"})
    with pytest.raises(ConnectorError, match="empty"):
        access(engine, datamap, {"email": "  "})
    with pytest.raises(ConnectorError, match="at least one identity"):
        access(engine, datamap, {})


def test_sql_injection_strings_are_only_values(engine, datamap):
    before = table_counts(engine)
    for hostile in INJECTIONS:
        assert access(engine, datamap, {"email": hostile, "phone": hostile, "customer_number": hostile}).counts == {}
        result = erase(engine, datamap, {"email": hostile}, now=REFERENCE_NOW, hash_key=HASH_KEY)
        assert result.counts == {} and result.verification.ok
        assert rectify(engine, datamap, {"email": hostile}, {"customers": {"last_name": hostile}}).changed == {"customers": 0}
        restrict(engine, datamap, {"fodselsnummer": hostile}, reason=hostile)
    assert table_counts(engine) == before


def test_erasure_keeps_accounting_fields_under_legal_hold(engine, datamap, subject):
    cid, email = subject
    orders = fetch(engine, "SELECT id, ordered_at, total FROM orders WHERE customer_id = :c ORDER BY id", c=cid)
    cutoff = datamap.tables["orders"].legal_hold.cutoff(REFERENCE_NOW)
    held = {o.id: o for o in orders if _as_datetime(o.ordered_at) > cutoff}
    expired = {o.id for o in orders} - set(held)
    before = table_counts(engine)

    dry = erase(engine, datamap, {"email": email}, now=REFERENCE_NOW, hash_key=HASH_KEY, dry_run=True)
    assert table_counts(engine) == before, "a dry run changes nothing"

    result = erase(engine, datamap, {"email": email}, now=REFERENCE_NOW, hash_key=HASH_KEY)
    assert result.counts == dry.counts, "the dry run's figures are the real ones"
    assert result.verification.ok, result.verification
    assert result.verification.identity_matches == {}
    outcome = {t.table: t for t in result.tables}
    assert outcome["customers"].deleted == 1
    assert outcome["orders"].held == len(held) and outcome["orders"].deleted == len(expired)

    assert fetch(engine, "SELECT count(*) FROM customers WHERE id = :c", c=cid)[0][0] == 0
    kept = fetch(engine, "SELECT * FROM orders WHERE id IN ({})".format(",".join(map(str, held)) or "0"))
    for row in kept:
        assert row.delivery_name is None and row.delivery_address is None and row.delivery_phone is None
        assert row.customer_id is None, "detached from the deleted customer"
        assert row.total == held[row.id].total and row.status
    invoices = fetch(engine, "SELECT * FROM invoices WHERE order_id IN ({})".format(",".join(map(str, held)) or "0"))
    assert len(invoices) == len(held)
    assert all(i.buyer_email is None and i.buyer_name and i.amount is not None for i in invoices)
    if expired:
        ids = ",".join(map(str, expired))
        assert fetch(engine, f"SELECT count(*) FROM orders WHERE id IN ({ids})")[0][0] == 0
        assert fetch(engine, f"SELECT count(*) FROM order_lines WHERE order_id IN ({ids})")[0][0] == 0

    again = erase(engine, datamap, {"email": email}, now=REFERENCE_NOW, hash_key=HASH_KEY)
    assert again.counts == {} and again.verification.ok, "retrying changes nothing more"


def test_erasure_masks_with_keyed_hash_and_fixed_values(engine, datamap):
    data = datamap.model_dump(by_alias=True)
    data["tables"]["newsletter_subscribers"]["erasure"] = "mask"
    data["tables"]["job_applications"]["erasure"] = "mask"
    masking = parse_datamap(data)
    email = fetch(engine, "SELECT email FROM newsletter_subscribers ORDER BY id")[-1][0]
    applicant = fetch(engine, "SELECT id, email FROM job_applications ORDER BY id")[0]

    with pytest.raises(ConnectorError, match="keyed hash"):
        erase(engine, masking, {"email": email}, now=REFERENCE_NOW)
    erase(engine, masking, {"email": email}, now=REFERENCE_NOW, hash_key=HASH_KEY)
    erase(engine, masking, {"email": applicant.email}, now=REFERENCE_NOW, hash_key=HASH_KEY)

    hashed = keyed_hash(HASH_KEY, email, 254)
    assert fetch(engine, "SELECT signup_ip FROM newsletter_subscribers WHERE email = :h", h=hashed) == [(None,)]
    row = fetch(engine, "SELECT full_name, email, cover_letter FROM job_applications WHERE id = :i", i=applicant.id)[0]
    assert (row.full_name, row.email, row.cover_letter) == ("slettet", "slettet", None)


def test_rectification_changes_only_the_persons_rows(engine, datamap, subject):
    cid, email = subject
    others = fetch(engine, "SELECT id, last_name FROM customers WHERE id <> :c ORDER BY id", c=cid)
    dry = rectify(engine, datamap, {"email": email}, {"customers": {"last_name": "Nordmann"}}, dry_run=True)
    assert dry.changed == {"customers": 1}
    assert fetch(engine, "SELECT last_name FROM customers WHERE id = :c", c=cid)[0][0] != "Nordmann"

    result = rectify(engine, datamap, {"email": email}, {"customers": {"last_name": "Nordmann"}, "orders": {"delivery_name": "Ola Nordmann"}})
    assert result.changed == {"customers": 1, "orders": 5}
    assert fetch(engine, "SELECT last_name FROM customers WHERE id = :c", c=cid)[0][0] == "Nordmann"
    assert fetch(engine, "SELECT id, last_name FROM customers WHERE id <> :c ORDER BY id", c=cid) == others
    with pytest.raises(ConnectorError, match="no such column"):
        rectify(engine, datamap, {"email": email}, {"customers": {"shoe_size": 44}})
    with pytest.raises(ConnectorError, match="primary key"):
        rectify(engine, datamap, {"email": email}, {"customers": {"id": 1}})


def test_restriction_is_honoured_by_erasure_and_can_be_lifted(engine, datamap, subject):
    cid, email = subject
    marked = restrict(engine, datamap, {"email": email}, reason="accuracy contested", now=REFERENCE_NOW)
    assert marked.changed == {"customers": 1, "orders": 5}
    assert "addresses" in marked.not_applicable
    again = restrict(engine, datamap, {"email": email}, now=REFERENCE_NOW)
    assert again.changed["orders"] == 0, "marking twice adds no second mark"

    before = table_counts(engine)
    result = erase(engine, datamap, {"email": email}, now=REFERENCE_NOW, hash_key=HASH_KEY)
    assert table_counts(engine) == before, "restricted rows (and rows depending on them) are left alone"
    assert result.verification.ok and result.verification.restricted_matches

    restrict(engine, datamap, {"email": email}, lift=True, now=REFERENCE_NOW)
    result = erase(engine, datamap, {"email": email}, now=REFERENCE_NOW, hash_key=HASH_KEY)
    assert {t.table: t.deleted for t in result.tables}["customers"] == 1
    assert result.verification.ok and not result.verification.restricted_matches


def test_a_map_that_does_not_fit_the_schema_is_a_clear_error(readonly_engine, datamap):
    engine = readonly_engine
    data = datamap.model_dump(by_alias=True)
    data["tables"]["customers"]["columns"]["shoe_size"] = {"category": "misc"}
    data["tables"]["ghosts"] = {"columns": {}}
    with pytest.raises(ConnectorError) as info:
        access(engine, parse_datamap(data), {"email": "a@b.no"})
    assert "customers.shoe_size' does not exist" in str(info.value)
    assert "tables.ghosts: table does not exist" in str(info.value)


def _as_datetime(value) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))


def test_orders_restricted_in_the_side_table_keep_their_customer_masked_not_deleted(engine, datamap, subject):
    """Only the orders are restricted (side table pv_restriction): they and their lines and
    invoices stay untouched; the customer they point at cannot be deleted, so it is masked."""
    cid, email = subject
    restrict(engine, datamap, {"email": email}, reason="legal claim", now=REFERENCE_NOW)
    with engine.begin() as conn:  # lift the customer's own mark, keep the orders' side-table marks
        conn.execute(sa.text("UPDATE customers SET processing_restricted = :f WHERE id = :c"), {"f": False, "c": cid})
    lines_before = fetch(engine, "SELECT count(*) FROM order_lines WHERE order_id IN (SELECT id FROM orders WHERE customer_id = :c)", c=cid)[0][0]

    result = erase(engine, datamap, {"email": email}, now=REFERENCE_NOW, hash_key=HASH_KEY)
    outcome = {t.table: t for t in result.tables}
    assert outcome["orders"].skipped_restricted == 5 and outcome["orders"].deleted == outcome["orders"].held == 0
    assert outcome["order_lines"].skipped_restricted == lines_before
    assert outcome["customers"].deleted == 0 and outcome["customers"].kept_referenced == 1
    row = fetch(engine, "SELECT email, first_name, phone, fodselsnummer FROM customers WHERE id = :c", c=cid)[0]
    assert row.email == keyed_hash(HASH_KEY, email, 254)
    assert (row.first_name, row.phone, row.fodselsnummer) == (None, None, None)
    assert fetch(engine, "SELECT count(*) FROM orders WHERE customer_id = :c AND delivery_name IS NOT NULL", c=cid)[0][0] == 5
    assert result.verification.ok, result.verification
    assert result.verification.restricted_matches == {"invoices.buyer_email": 5}


def test_erasure_of_rows_with_a_composite_key_holding_a_timestamp(db_url):
    """Keys are bound through the column types (SQLite keeps timestamps as text)."""
    ensure_database(db_url)
    engine = make_engine(db_url)
    meta = sa.MetaData()
    visits = sa.Table(
        "visits", meta,
        sa.Column("email", sa.String(100), primary_key=True),
        sa.Column("visited_at", sa.DateTime, primary_key=True),
        sa.Column("ip", sa.String(45)),
    )
    meta.create_all(engine)
    when = [dt.datetime(2026, 1, d, 10, 30, 15, 250000 * (d - 1)) for d in (1, 2, 3)]  # one with 0 microseconds
    with engine.begin() as conn:
        conn.execute(sa.insert(visits), [{"email": "kari@example.no", "visited_at": w, "ip": "10.0.0.1"} for w in when])
        conn.execute(sa.insert(visits), [{"email": "ola@example.no", "visited_at": when[0], "ip": "10.0.0.2"}])
    visit_map = parse_datamap({"tables": {"visits": {"erasure": "delete_row", "columns": {
        "email": {"category": "contact.email", "identity": "email"}, "ip": {"category": "online.ip_address", "erasure": "set_null"}}}}})
    try:
        assert access(engine, visit_map, {"email": "kari@example.no"}).counts == {"visits": 3}
        result = erase(engine, visit_map, {"email": "kari@example.no"})
        assert result.counts == {"visits": {"found": 3, "deleted": 3}} and result.verification.ok
        assert fetch(engine, "SELECT email FROM visits") == [("ola@example.no",)]
    finally:
        engine.dispose()


def test_a_row_referenced_from_a_table_outside_the_map_is_masked_whatever_its_name(db_url):
    """The NOT EXISTS guard names every referencing table, quoted; a '%' in a name is no placeholder."""
    ensure_database(db_url)
    engine = make_engine(db_url)
    meta = sa.MetaData()
    people = sa.Table("people", meta, sa.Column("id", sa.Integer, primary_key=True), sa.Column("email", sa.String(100)), sa.Column("name", sa.String(100)))
    sa.Table("log%2 \"x\"", meta, sa.Column("id", sa.Integer, primary_key=True), sa.Column("person_id", sa.Integer, sa.ForeignKey("people.id")))
    meta.create_all(engine)
    with engine.begin() as conn:
        conn.execute(sa.insert(people), [{"id": 1, "email": "kari@example.no", "name": "Kari"}, {"id": 2, "email": "ola@example.no", "name": "Ola"}])
        conn.execute(sa.insert(meta.tables['log%2 "x"']), [{"id": 1, "person_id": 1}])
    people_map = parse_datamap({"tables": {"people": {"erasure": "delete_row", "columns": {
        "email": {"category": "contact.email", "identity": "email", "erasure": {"fixed": "slettet"}},
        "name": {"category": "name", "erasure": "set_null"}}}}})
    try:
        kept = erase(engine, people_map, {"email": "kari@example.no"})
        assert kept.counts == {"people": {"found": 1, "kept_referenced": 1}} and kept.verification.ok
        assert fetch(engine, "SELECT id, email, name FROM people ORDER BY id") == [(1, "slettet", None), (2, "ola@example.no", "Ola")]
        assert erase(engine, people_map, {"email": "ola@example.no"}).counts == {"people": {"found": 1, "deleted": 1}}
    finally:
        engine.dispose()


def test_access_reads_the_same_values_as_sqlalchemy_does(readonly_engine, datamap, subject):
    """On SQLite the collecting reads go out as SQL text with the columns' conversions;
    they must give the very values (types included) of SQLAlchemy's own reads."""
    from personvern.connectors.execute import Collector, _jsonable, prepare

    cid, email = subject
    result = access(readonly_engine, datamap, {"email": email})
    ctx = prepare(readonly_engine, datamap)
    with readonly_engine.connect() as conn:
        through_sqlalchemy = Collector(ctx, conn)
        through_sqlalchemy.raw = None
        found = through_sqlalchemy.run({"email": email})
    expected = {name: [_jsonable(r) for r in rows.values()] for name, rows in found.rows.items()}
    assert {n: sorted(map(repr, rows)) for n, rows in result.rows.items()} == {n: sorted(map(repr, rows)) for n, rows in expected.items()}
    raw_types = {n: [{k: type(v) for k, v in r.items()} for r in rows] for n, rows in result.rows.items()}
    assert raw_types["orders"][0]["ordered_at"] is str and raw_types["orders"][0]["total"] is str  # isoformat, Decimal as text
    assert sum(result.counts.values()) > 20
