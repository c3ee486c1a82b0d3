"""Access and erasure on the real applications' schemas (tests/realschemas), for 25 people
each, with the map discovery proposed plus at most 10 hand edits (counted below).

Ground truth comes from the generator: every row it wrote knows the persons it belongs
to (`Population.owners`); rows it gave no owner (lookups, the catalogue, staff's own rows)
belong to no customer. Every table is snapshot before and after: an erasure may change
only rows of the people erased. Access exports may hold no other person's e-mail
address, user name or phone number of another customer. After the erasures none of the erased people's
values stands anywhere in the database, outside rows a legal hold keeps."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import sqlalchemy as sa

from personvern.connectors.datamap import DataMap, parse_datamap
from personvern.connectors.engine import make_engine, reflect
from personvern.connectors.execute import access, erase

from .conftest import HASH_KEY

NOW = dt.datetime(2026, 11, 1, 12, 0)
PEOPLE = 25
# The suite's time: 25 erasures cost about 15 s per schema and backend, so both schemas run on SQLite and oscar
# on PostgreSQL (by hand the same holds on MariaDB: docs/connectors.md). Only these combinations are generated.
RUN_ON = [("sqlite", "oscar"), ("sqlite", "helpdesk"), ("postgresql", "oscar")]
MAX_EDITS = 10
BOOKKEEPING = {"law": "bokføringsloven § 13 (5 years after the end of the financial year)", "years": 5}
# The hand edits a careful operator makes to discovery's proposal, as (path, value).
EDITS: dict[str, list[tuple[str, Any]]] = {
    "oscar": [
        # Others' votes on her reviews stay: the review is kept with its text and her name masked.
        ("tables.reviews_productreview.erasure", "mask"),
        # Bookkeeping: orders and their lines are kept for five years, without her details.
        ("tables.order_order.legal_hold", dict(BOOKKEEPING, from_column="date_placed", keep=["id", "number", "currency", "total_incl_tax", "total_excl_tax", "date_placed", "status"])),
        ("tables.order_line.legal_hold", dict(BOOKKEEPING, from_column="order_order.date_placed", keep=["id", "order_id", "title", "quantity", "line_price_incl_tax", "line_price_excl_tax"])),
    ],
    "helpdesk": [],
}


def with_edits(proposal: DataMap, edits: list[tuple[str, Any]]) -> DataMap:
    data = proposal.model_dump(mode="json", by_alias=True, exclude_none=True)
    for path, value in edits:
        *parents, last = path.split(".")
        node = data
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return parse_datamap(data)


def snapshot(engine: sa.Engine) -> dict[str, dict[tuple, tuple]]:
    metadata = reflect(engine, refresh=True)
    tables = {}
    with engine.connect() as conn:
        for name, table in metadata.tables.items():
            if name.startswith("pv_"):
                continue
            pk = list(table.primary_key.columns)
            rows = conn.execute(sa.select(table)).all()
            tables[name] = {tuple(row._mapping[c.name] for c in pk): tuple(row) for row in rows}
    return tables


def changed_rows(before: dict, after: dict) -> list[tuple[str, tuple]]:
    out = []
    for name, rows in before.items():
        later = after.get(name, {})
        out += [(name, key) for key, row in rows.items() if later.get(key) != row]
        out += [(name, key) for key in later if key not in rows]
    return out


def text_cells(rows: dict[str, list[dict]]) -> list[str]:
    return [value for table_rows in rows.values() for row in table_rows for value in row.values() if isinstance(value, str)]


@pytest.mark.parametrize(("backend", "app"), RUN_ON, indirect=["backend"])
def test_access_and_erasure_for_25_people_touch_no_one_else(app, backend, fresh_real_schema, real_discovery):
    assert len(EDITS[app]) <= MAX_EDITS
    url, population = fresh_real_schema(app)
    engine = make_engine(url)
    try:
        datamap = with_edits(real_discovery(app).proposal, EDITS[app])  # discovery ran on the same data
        people = population.customers[:: len(population.customers) // PEOPLE][:PEOPLE]
        erased = {p.id for p in people}
        # (Staff names and addresses may stand in her rows: the agent who answered her ticket.)
        customers = population.customers
        before = snapshot(engine)

        for person in people:
            export = access(engine, datamap, {"email": person.email})
            cells = text_cells(export.rows) + text_cells(export.context)
            assert export.rows.get("auth_user"), f"{person.email}: no account row in the export"
            leaked = [
                other.email
                for other in customers
                if other.id != person.id and any(v in cell for cell in cells for v in (other.email, other.username, other.phone))
            ]
            assert not leaked, f"access for {person.email} holds {len(leaked)} other customers' identity values"

        for person in people:
            result = erase(engine, datamap, {"email": person.email}, hash_key=HASH_KEY, now=NOW)
            assert result.verified, (person.email, result.verification, result.residue and result.residue.places, result.counts)

        after = snapshot(engine)
        owners = population.owners
        others = [(t, k) for t, k in changed_rows(before, after) if not owners.get(t, {}).get(k, frozenset()) & erased]
        assert not others, f"{len(others)} rows of other people changed, e.g. {others[:5]}"

        values = {v: p.email for p in people for v in (p.email, p.username, p.phone)}
        anywhere = re.compile("|".join(re.escape(v) for v in sorted(values, key=len, reverse=True)))
        remaining = {
            (name, values[found.group(0)])
            for name, rows in after.items()
            for row in rows.values()
            for cell in row
            if isinstance(cell, str)
            for found in anywhere.finditer(cell)
        }
        assert not remaining, f"values of erased people remain: {sorted(remaining)[:5]}"
        print(f"\n{app} on {backend}: {PEOPLE} people accessed and erased with {len(EDITS[app])} hand edits; "
              f"{len(changed_rows(before, after))} rows changed, all theirs; no residue")
    finally:
        engine.dispose()
