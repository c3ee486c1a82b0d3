"""The walk, the erasure plan and the collateral guard on a schema shaped like a real web
shop's (issue 9): one users table for customers and staff, order notes written by staff,
billing addresses of one order or shared, lookup tables, reviews with other customers'
votes. On SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from examples.shop import drop_database, ensure_database
from personvern.connectors.datamap import parse_datamap
from personvern.connectors.engine import ConnectorError, make_engine
from personvern.connectors.execute import Collector, access, erase, prepare, restrict
from personvern.connectors.plan import ErasureRefused, build_plan, prove

from .conftest import _new_url

NOW = dt.datetime(2026, 11, 1, 12, 0)
KARI, OLA, SIRI, PER = 1, 2, 3, 4  # two customers, two staff users (Per wrote only a note on Kari's order)
EMAILS = {KARI: "kari@example.no", OLA: "ola@example.no", SIRI: "siri@butikk.no", PER: "per@butikk.no"}

metadata = sa.MetaData()
sa.Table("site", metadata, sa.Column("id", sa.Integer, primary_key=True, autoincrement=False), sa.Column("domain", sa.String(100)))
sa.Table("country", metadata, sa.Column("code", sa.String(2), primary_key=True), sa.Column("name", sa.String(100)))
sa.Table(
    "users", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("email", sa.String(254), unique=True),
    sa.Column("first_name", sa.String(100)),
    sa.Column("last_name", sa.String(100)),
    sa.Column("is_staff", sa.Boolean, nullable=False),
    sa.Column("site_id", sa.Integer, sa.ForeignKey("site.id"), nullable=False),
)
sa.Table(
    "address", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("street", sa.String(200)),
    sa.Column("city", sa.String(100)),
    sa.Column("country_code", sa.String(2), sa.ForeignKey("country.code"), nullable=False),
)
sa.Table("product", metadata, sa.Column("id", sa.Integer, primary_key=True, autoincrement=False), sa.Column("title", sa.String(100)))
sa.Table(
    "orders", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("number", sa.String(20), nullable=False),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
    sa.Column("site_id", sa.Integer, sa.ForeignKey("site.id"), nullable=False),
    sa.Column("billing_address_id", sa.Integer, sa.ForeignKey("address.id"), nullable=True),
    sa.Column("total", sa.Integer, nullable=False),
    sa.Column("delivery_name", sa.String(200)),
)
sa.Table(
    "order_line", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("order_id", sa.Integer, sa.ForeignKey("orders.id"), nullable=False),
    sa.Column("product_id", sa.Integer, sa.ForeignKey("product.id"), nullable=False),
    sa.Column("quantity", sa.Integer, nullable=False),
)
sa.Table(
    "order_note", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("order_id", sa.Integer, sa.ForeignKey("orders.id"), nullable=False),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),  # the author: staff
    sa.Column("message", sa.String(500)),
)
sa.Table(
    "review", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("product_id", sa.Integer, sa.ForeignKey("product.id"), nullable=False),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
    sa.Column("title", sa.String(200)),
    sa.Column("body", sa.String(1000)),
)
sa.Table(
    "review_vote", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("review_id", sa.Integer, sa.ForeignKey("review.id"), nullable=False),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("delta", sa.Integer, nullable=False),
)

ROWS = {
    "site": [{"id": 1, "domain": "butikk.no"}],
    "country": [{"code": "NO", "name": "Norge"}, {"code": "SE", "name": "Sverige"}],
    "users": [
        {"id": KARI, "email": EMAILS[KARI], "first_name": "Kari", "last_name": "Nordmann", "is_staff": False, "site_id": 1},
        {"id": OLA, "email": EMAILS[OLA], "first_name": "Ola", "last_name": "Hansen", "is_staff": False, "site_id": 1},
        {"id": SIRI, "email": EMAILS[SIRI], "first_name": "Siri", "last_name": "Lund", "is_staff": True, "site_id": 1},
        {"id": PER, "email": EMAILS[PER], "first_name": "Per", "last_name": "Berg", "is_staff": True, "site_id": 1},
    ],
    "address": [
        {"id": 11, "street": "Karis gate 1", "city": "Oslo", "country_code": "NO"},  # only Kari's order 101
        {"id": 12, "street": "Felles vei 2", "city": "Bergen", "country_code": "NO"},  # Kari's 102 and Ola's 103
        {"id": 13, "street": "Olas gate 3", "city": "Malmö", "country_code": "SE"},  # only Ola's 104
    ],
    "product": [{"id": 51, "title": "Genser"}, {"id": 52, "title": "Lue"}],
    "orders": [
        {"id": 101, "number": "A101", "user_id": KARI, "site_id": 1, "billing_address_id": 11, "total": 100, "delivery_name": "Kari Nordmann"},
        {"id": 102, "number": "A102", "user_id": KARI, "site_id": 1, "billing_address_id": 12, "total": 200, "delivery_name": "Kari Nordmann"},
        {"id": 103, "number": "A103", "user_id": OLA, "site_id": 1, "billing_address_id": 12, "total": 300, "delivery_name": "Ola Hansen"},
        {"id": 104, "number": "A104", "user_id": OLA, "site_id": 1, "billing_address_id": 13, "total": 400, "delivery_name": "Ola Hansen"},
    ],
    "order_line": [
        {"id": 201, "order_id": 101, "product_id": 51, "quantity": 1},
        {"id": 202, "order_id": 102, "product_id": 52, "quantity": 2},
        {"id": 203, "order_id": 103, "product_id": 51, "quantity": 1},
        {"id": 204, "order_id": 104, "product_id": 52, "quantity": 1},
    ],
    "order_note": [
        {"id": 301, "order_id": 101, "user_id": SIRI, "message": "Ringte kunden"},
        {"id": 302, "order_id": 103, "user_id": SIRI, "message": "Pakke sendt"},
        {"id": 303, "order_id": 102, "user_id": PER, "message": "Byttet størrelse"},
    ],
    "review": [
        {"id": 401, "product_id": 51, "user_id": KARI, "title": "Varm", "body": "Kari liker genseren"},
        {"id": 402, "product_id": 51, "user_id": OLA, "title": "Grei", "body": "Ola synes den er ok"},
    ],
    "review_vote": [
        {"id": 501, "review_id": 401, "user_id": OLA, "delta": 1},  # Ola's vote on Kari's review
        {"id": 502, "review_id": 402, "user_id": KARI, "delta": 1},  # Kari's vote on Ola's review
    ],
}

# Kari's own rows, and what an erasure may change of them: nothing else may change.
KARIS = {"users": {KARI}, "orders": {101, 102}, "order_line": {201, 202}, "address": {11}, "review": {401}, "review_vote": {502}}

MAP = {
    "tables": {
        "site": {"role": "reference"},
        "country": {"role": "reference"},
        "users": {"erasure": "delete_row", "columns": {
            "email": {"category": "contact.email", "identity": "email", "erasure": "set_null"},
            "first_name": {"category": "name", "erasure": "set_null"},
            "last_name": {"category": "name", "erasure": "set_null"}}},
        "address": {"erasure": "delete_row", "columns": {
            "street": {"category": "contact.address", "erasure": "set_null"},
            "city": {"category": "contact.address", "erasure": "set_null"}}},
        "product": {},
        "orders": {"erasure": "delete_row", "columns": {"delivery_name": {"category": "name", "erasure": "set_null"}}},
        "order_line": {"erasure": "delete_row"},
        "order_note": {"erasure": "delete_row", "columns": {"message": {"category": "free_text", "erasure": "set_null"}}},
        "review": {"erasure": "delete_row", "columns": {
            "title": {"category": "free_text", "erasure": "set_null"},
            "body": {"category": "free_text", "erasure": "set_null"}}},
        "review_vote": {"erasure": "delete_row"},
    },
}


def with_changes(**changes) -> dict:
    data = json.loads(json.dumps(MAP))
    for table, spec in changes.items():
        if table == "relationships":
            data["relationships"] = spec
        elif table == "limits":
            data["limits"] = spec
        else:
            data["tables"][table].update(spec)
    return data


@pytest.fixture(scope="session")
def _walk_db(backend, tmp_path_factory):
    url = _new_url(backend, tmp_path_factory.mktemp(backend + "-walk"), "walk")
    ensure_database(url)
    engine = make_engine(url)
    metadata.create_all(engine)
    engine.dispose()
    yield url
    drop_database(url)


@pytest.fixture
def shop(_walk_db):
    """The shop-shaped schema, its rows laid anew for each test (one database per backend)."""
    engine = make_engine(_walk_db)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE IF EXISTS pv_restriction"))
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())
        for table in metadata.sorted_tables:
            conn.execute(table.insert(), ROWS[table.name])
    yield engine
    engine.dispose()


def snapshot(engine) -> dict[str, dict[tuple, tuple]]:
    """Every row of every table, by primary key."""
    out = {}
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            pk = list(table.primary_key.columns)
            out[table.name] = {tuple(r[:len(pk)]): tuple(r) for r in conn.execute(sa.select(*pk, *table.c))}
    return out


def changed_rows(before, after) -> dict[str, set]:
    """Rows that differ (changed, deleted or added), per table, by their single-column key."""
    out = {}
    for name in before:
        keys = {k for k in before[name].keys() | after[name].keys() if before[name].get(k) != after[name].get(k)}
        if keys:
            out[name] = {k[0] for k in keys}
    return out


def test_an_erasure_changes_only_the_persons_own_rows(shop):
    before = snapshot(shop)
    result = erase(shop, parse_datamap(MAP), {"email": EMAILS[KARI]}, now=NOW)
    after = snapshot(shop)

    changed = changed_rows(before, after)
    assert changed == KARIS, "staff, Ola, the staff's notes, Ola's vote, shared and lookup rows are left alone"
    assert after["users"].keys() == {(OLA,), (SIRI,), (PER,)}, "Kari deleted; Per, who wrote only a note on her order, kept"
    assert (11,) not in after["address"] and after["address"][(12,)] == before["address"][(12,)], "her own address deleted, the shared one kept"
    # The staff's notes hang below her orders and name a staff user: dependent rows of others.
    # They stay, and so do her orders above them, masked and let go of her account.
    assert after["orders"][(101,)] == (101, 101, "A101", None, 1, None, 100, None)
    assert after["review"][(401,)] == (401, 401, 51, None, None, None), "her review stays (masked) under Ola's vote"
    plan = result.plan
    assert plan.dependent_rows_of_others == {"order_note": 2, "review_vote": 1}
    assert plan.tables["orders"].kept_referenced == [(101,), (102,)]
    assert plan.tables["site"].reference == [(1,)] and plan.tables["product"].reference == [(51,), (52,)]
    assert plan.tables["address"].reference == [(12,)]
    assert result.verification.ok


def test_ignoring_the_note_authors_key_makes_the_notes_hers(shop):
    """order_note.user_id: ignore (the author is not whose the note is): the notes go with her
    orders, and the staff users stay untouched."""
    datamap = parse_datamap(with_changes(order_note={"foreign_keys": {"user_id": "ignore"}}))
    before = snapshot(shop)
    dry = erase(shop, datamap, {"email": EMAILS[KARI]}, now=NOW, dry_run=True)
    assert snapshot(shop) == before, "a dry run changes nothing"
    result = erase(shop, datamap, {"email": EMAILS[KARI]}, now=NOW)
    assert dry.plan == result.plan, "the dry run shows exactly the plan carried out"
    changed = changed_rows(before, snapshot(shop))
    assert changed == {**KARIS, "order_note": {301, 303}}
    assert result.plan.tables["orders"].delete == [(101,), (102,)]
    assert result.plan.summary()["tables"]["order_note"] == {"delete": 2}


def test_access_returns_her_rows_and_lookups_but_no_one_elses_identity(shop):
    result = access(shop, parse_datamap(MAP), {"email": EMAILS[KARI]})
    text = json.dumps([result.rows, result.context], default=str)
    for other in (OLA, SIRI, PER):
        assert EMAILS[other] not in text
    for name in ("Ola", "Hansen", "Siri", "Per", "Felles vei", "Olas gate"):
        assert name not in text, name
    assert {r["id"] for r in result.rows["orders"]} == {101, 102}
    assert {r["id"] for r in result.rows["address"]} == {11}
    assert {r["id"] for r in result.rows["users"]} == {KARI}
    assert result.context["country"] == [{"code": "NO", "name": "Norge"}]
    assert result.context["address"] == [{"id": 12, "country_code": "NO"}], "a shared row without its personal columns"
    assert "users" not in result.context, "another person's row is never context"


def test_the_guard_refuses_a_plan_a_wrong_follow_makes_unsafe(shop):
    """A relationship marked follow on a value that is not a key (a review's product, for
    the order lines of that product) would collect Ola's order line: refused, nothing changed."""
    datamap = parse_datamap(with_changes(relationships=[{"from": "order_line.product_id", "to": "review.product_id", "walk": "follow"}]))
    before = snapshot(shop)
    with pytest.raises(ErasureRefused) as refused:
        erase(shop, datamap, {"email": EMAILS[KARI]}, now=NOW)
    assert snapshot(shop) == before
    assert refused.value.reason == "collateral"
    [hit] = refused.value.collateral
    assert (hit.table, hit.count) == ("order_line", 1) and "not unique" in hit.why
    assert "order_line: 1 row(s)" in str(refused.value)


def test_the_guard_proves_each_claim_with_its_own_queries(shop):
    """A plan that claims another customer's rows as hers (whatever the walk said) is caught."""
    datamap = parse_datamap(MAP)
    ctx = prepare(shop, datamap)
    identity = {"email": EMAILS[KARI]}
    with shop.connect() as conn:
        found = Collector(ctx, conn, flags_at=NOW).run(identity)
        plan = build_plan(ctx, found, NOW)
        assert prove(conn, ctx, plan, found, identity) == []
        # Ola's order as if it hung below Kari's user:
        found.reach["orders"][(103,)] = found.reach["orders"][(101,)]
        found.rows["orders"][(103,)] = dict(found.rows["orders"][(101,)], id=103)
        plan.tables["orders"].delete.append((103,))
        hits = {c.why for c in prove(conn, ctx, plan, found, identity) if (c.table, c.count) == ("orders", 1)}
        assert hits == {"does not hang below the person's rows of users"}
        # A line of Ola's other order, as if it were below Kari's orders:
        found.reach["order_line"][(204,)] = found.reach["order_line"][(201,)]
        plan.tables["order_line"].delete.append((204,))
        hits = {c.why for c in prove(conn, ctx, plan, found, identity) if c.table == "order_line"}
        assert hits == {"does not hang below the person's rows of orders"}
        # Ola's user as if it were a seed, a lookup row as if it were hers:
        found.reach["users"][(OLA,)] = found.reach["users"][(KARI,)]
        plan.tables["users"].delete.append((OLA,))
        found.reach["site"] = {(1,): found.reach["users"][(KARI,)]}
        plan.tables["site"].mask.append((1,))
        hits = {(c.table, c.count): c.why for c in prove(conn, ctx, plan, found, identity)}
    assert "identity does not match" in hits[("users", 1)]
    assert "reference table" in hits[("site", 1)]


def test_a_large_plan_needs_confirmation(shop):
    datamap = parse_datamap(with_changes(limits={"max_rows": 3}))
    before = snapshot(shop)
    dry = erase(shop, datamap, {"email": EMAILS[KARI]}, now=NOW, dry_run=True)
    assert dry.plan.needs_confirmation and dry.plan.touched == 8
    with pytest.raises(ErasureRefused) as refused:
        erase(shop, datamap, {"email": EMAILS[KARI]}, now=NOW)
    assert refused.value.reason == "confirmation" and refused.value.plan == dry.plan
    assert "limits.max_rows (3)" in str(refused.value)
    assert snapshot(shop) == before
    result = erase(shop, datamap, {"email": EMAILS[KARI]}, now=NOW, confirm_large=True)
    assert changed_rows(before, snapshot(shop)) == KARIS and result.plan.confirmed


def test_a_restricted_order_protects_the_address_it_owns(shop):
    """Restricting one order (side table) keeps its lines and its own billing address
    untouched; the rest of her rows are erased."""
    datamap = parse_datamap(with_changes(orders={"restriction": {"side_table": "pv_restriction"}}))
    restrict(shop, datamap, {"email": EMAILS[KARI]}, reason="legal claim", now=NOW)
    with shop.begin() as conn:  # keep the mark on order 101 only
        conn.execute(sa.text("DELETE FROM pv_restriction WHERE row_key <> '101'"))
    before = snapshot(shop)
    result = erase(shop, datamap, {"email": EMAILS[KARI]}, now=NOW)
    after = snapshot(shop)
    assert after["address"][(11,)] == before["address"][(11,)], "the restricted order's own address is not masked or deleted"
    assert after["orders"][(101,)] == before["orders"][(101,)] and after["order_line"][(201,)] == before["order_line"][(201,)]
    assert result.plan.tables["address"].restricted == [(11,)]
    assert changed_rows(before, after) == {"users": {KARI}, "orders": {102}, "order_line": {202}, "review": {401}, "review_vote": {502}}


def test_the_map_marks_are_checked_against_the_schema(shop):
    bad = with_changes(order_note={"foreign_keys": {"author_id": "ignore"}})
    with pytest.raises(ConnectorError) as info:
        access(shop, parse_datamap(bad), {"email": EMAILS[KARI]})
    assert "tables.order_note.foreign_keys.author_id: order_note has no foreign key on (author_id)" in str(info.value)
    with pytest.raises(ConnectorError, match=r"tables.order_note.foreign_keys.user_id: Input should be 'follow', 'reference' or 'ignore'"):
        parse_datamap(with_changes(order_note={"foreign_keys": {"user_id": "sometimes"}}))
    legacy = parse_datamap({"tables": {name: spec for name, spec in MAP["tables"].items() if "role" not in spec}})
    assert legacy.limits.max_rows == 1000 and legacy.tables["order_note"].foreign_keys == {}  # today's maps still load


def test_a_person_below_her_who_names_someone_else_by_any_identity_is_not_hers(db_url):
    """Lise, invited by Kari, has no e-mail but a phone number of her own: erasing Kari by
    e-mail leaves Lise's row alone (a dependent row of others); Kari's row stays, masked."""
    ensure_database(db_url)
    engine = make_engine(db_url)
    people = sa.Table(
        "people", sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("email", sa.String(100)), sa.Column("phone", sa.String(30)), sa.Column("name", sa.String(100)),
        sa.Column("invited_by", sa.Integer, sa.ForeignKey("people.id"), nullable=True),
    )
    people.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(people.insert(), [
            {"id": 1, "email": "kari@example.no", "phone": "41234567", "name": "Kari", "invited_by": None},
            {"id": 2, "email": None, "phone": "+47 998 87 766", "name": "Lise", "invited_by": 1},
        ])
    datamap = parse_datamap({"tables": {"people": {"erasure": "delete_row", "columns": {
        "email": {"category": "contact.email", "identity": "email", "erasure": "set_null"},
        "phone": {"category": "contact.phone", "identity": "phone", "erasure": "set_null"},
        "name": {"category": "name", "erasure": "set_null"}}}}})
    try:
        result = erase(engine, datamap, {"email": "kari@example.no"}, now=NOW)
        with engine.connect() as conn:
            assert list(conn.execute(sa.text("SELECT id, email, phone, name, invited_by FROM people ORDER BY id"))) == [
                (1, None, None, None, None), (2, None, "+47 998 87 766", "Lise", 1)]
        assert result.plan.tables["people"].dependent_kept == [(2,)] and result.plan.tables["people"].kept_referenced == [(1,)]
    finally:
        engine.dispose()


# ------------------------------------------------ real applications' schemas

LOOKUPS = {  # shared rows every customer's rows point at (tests/realschemas/fill.py)
    "oscar": ["address_country", "django_site", "partner_partner", "catalogue_product", "partner_stockrecord", "auth_group"],
    "helpdesk": ["helpdesk_queue", "helpdesk_kbitem", "helpdesk_kbcategory", "auth_group"],
}


def operators_map(app: str):
    """A careful operator's map as the issue's was: every table of the application, rows
    deleted, the e-mail columns as identity (masked where they may be NULL). No marks."""
    from tests.realschemas import schema_metadata

    tables = {}
    for name, table in schema_metadata(app).tables.items():
        columns = {}
        for column in table.c:
            if (column.name == "email" or column.name.endswith("_email")) and isinstance(column.type, sa.String):
                columns[column.name] = {"category": "contact.email", "identity": "email"} | ({"erasure": "set_null"} if column.nullable else {})
        tables[name] = {"erasure": "delete_row", "columns": columns}
    return parse_datamap({"tables": tables})


def every_row(engine, app: str) -> dict[str, dict[tuple, tuple]]:
    from tests.realschemas import schema_metadata

    out = {}
    with engine.connect() as conn:
        for name, table in schema_metadata(app).tables.items():
            pk = list(table.primary_key.columns)
            out[name] = {tuple(r[: len(pk)]): tuple(r) for r in conn.execute(sa.select(*pk, *table.c))}
    return out


@pytest.mark.parametrize("app", ["oscar", "helpdesk"])
def test_real_schemas_erasure_touches_no_one_else(fresh_real_schema, app):
    """django-oscar and django-helpdesk, filled with 200 customers and staff: for two
    customers in turn, access shows no other customer's e-mail and no other account (her
    own messages may name the staff they went to), and erasure changes only rows of
    hers (and reported dependent rows of others): no other account, no row pointing at
    another user, no shared lookup row."""
    from tests.realschemas import schema_metadata

    url, population = fresh_real_schema(app)
    engine = make_engine(url)
    datamap = operators_map(app)
    metadata = schema_metadata(app)
    user_keys = [(t.name, fk.parent.name) for t in metadata.tables.values() for fk in t.foreign_keys if fk.column.table.name == "auth_user"]
    try:
        for person in (population.customers[3], population.customers[50]):
            seen = access(engine, datamap, {"email": person.email})
            text = json.dumps([seen.rows, seen.context], default=str)
            assert [p.email for p in population.customers if p.email != person.email and p.email in text] == []
            assert [r["id"] for r in seen.rows["auth_user"]] == [person.id] and "auth_user" not in seen.context

            before = every_row(engine, app)
            result = erase(engine, datamap, {"email": person.email}, now=NOW, search_residue=False)  # residue: test_residue.py
            changed = changed_rows(before, every_row(engine, app))
            assert changed.pop("auth_user") == {person.id}, "no other account is touched"
            for name in LOOKUPS[app]:
                assert name not in changed, f"{name}: a shared row changed"
            dependent = {name: {k[0] for k in t.dependent_deleted} for name, t in result.plan.tables.items()}
            for name, column in user_keys:
                if name not in changed:
                    continue
                names = [c.name for c in metadata.tables[name].c]
                at = names.index(column) + 1  # after the key
                hers = [names.index(c) + 1 for c in datamap.tables[name].identity_columns()]  # her ticket, assigned to staff
                others = {
                    k for k in changed[name] - dependent.get(name, set())
                    if before[name][(k,)][at] not in (None, person.id) and person.email not in [before[name][(k,)][i] for i in hers]
                }
                assert not others, f"{name}.{column}: rows of other users changed: {sorted(others)}"
            assert sum(map(len, changed.values())) + 1 <= result.plan.touched
    finally:
        engine.dispose()


def test_her_known_identities_are_the_given_ones_and_other_kinds_on_her_seed_rows():
    """A second e-mail column of her seed row (whom she wrote to) is not hers; the phone on
    her row, when she gave only her e-mail, is."""
    from personvern.connectors.walk import known_identities

    datamap = parse_datamap({"tables": {"messages": {"columns": {
        "sender_email": {"category": "contact.email", "identity": "email"},
        "recipient_email": {"category": "contact.email", "identity": "email"},
        "sender_phone": {"category": "contact.phone", "identity": "phone"}}}}})
    row = {"id": 1, "sender_email": "kari@example.no", "recipient_email": "ola@example.no", "sender_phone": "41234567"}
    known = known_identities(datamap, {"email": "kari@example.no"}, {"messages": {(1,): row}})
    assert "ola@example.no" not in known["email"] and "kari@example.no" in known["email"]
    assert {"41234567", "+4741234567"} <= known["phone"]
