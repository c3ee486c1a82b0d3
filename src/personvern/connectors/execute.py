"""Rights requests against a connected database: access, erasure, rectification and
restriction of one person's rows, found through the dataset map and the foreign keys.

Set-based throughout: the rows of a person are collected with one query per table and
traversal round, and every write is one statement per table (the primary keys bound as
an IN list), so the cost does not grow with one statement per row. Identity values are
always bound parameters. Nothing here writes an audit record: every result says which
tables were touched and how many rows, never the values, and the caller audits that."""

from __future__ import annotations

import datetime as dt
import graphlib
import hashlib
import hmac
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from personvern.connectors.datamap import (
    ColumnErasure,
    DataMap,
    connection_collation,
    fixed_value,
    is_flag,
    restriction_table,
    row_key,
)
from personvern.connectors.engine import ConnectorError, _short
from personvern.connectors.plan import ErasurePlan, ErasureRefused, build_plan, prove
from personvern.connectors.rawsql import HashMap, RawSQL, references_to, unreferenced
from personvern.connectors.walk import (
    Collector,
    Context,
    Found,
    Key,
    _check_identity,
    _chunks,
    _in,
    identity_variants,
    prepare,
)

if TYPE_CHECKING:
    from personvern.connectors.residue import Residue

__all__ = [  # what other modules import from here
    "AccessResult", "ChangeResult", "Collector", "EraseResult", "ErasurePlan", "ErasureRefused", "HashMap", "RawSQL",
    "TableOutcome", "Verification", "access", "erase", "identity_variants", "keyed_hash", "mask_values", "prepare",
    "rectify", "references_to", "restrict", "unreferenced",
]

# ----------------------------------------------------------------- results


@dataclass
class AccessResult:
    rows: dict[str, list[dict[str, Any]]]  # the person's rows per table (the export package)
    counts: dict[str, int]  # what was touched, for the audit trail
    queries: int
    seconds: float
    # Rows hers point at that are not hers (lookup rows as they are; shared rows without the
    # columns the map marks as personal): context in the export, per table.
    context: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


@dataclass
class TableOutcome:
    table: str
    found: int = 0
    deleted: int = 0
    masked: int = 0  # kept with personal columns masked (table erasure 'mask')
    held: int = 0  # kept under legal hold, non-kept columns masked
    kept_referenced: int = 0  # masked instead of deleted: other rows still point at them
    skipped_restricted: int = 0
    dependent_kept: int = 0  # rows of others below hers, left alone
    dependent_deleted: int = 0  # rows of others below a row of hers that had to go
    columns_masked: list[str] = field(default_factory=list)


@dataclass
class Verification:
    """After the erasure: rows still matching the identity, per table.column. Matches in
    columns a legal hold keeps, and in restricted rows, are expected and listed apart."""

    identity_matches: dict[str, int]
    held_matches: dict[str, int]
    restricted_matches: dict[str, int]  # left alone on purpose (restricted rows)
    unmasked_rows: dict[str, int]
    ok: bool


@dataclass
class EraseResult:
    dry_run: bool
    tables: list[TableOutcome]
    verification: Verification | None
    statements: int
    seconds: float  # the erasure's own time; the residue search's is residue.seconds
    plan: ErasurePlan | None = None  # what was carried out (a dry run: what would be), as the guard proved it
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase: walk, plan, guard, write, verify
    residue: Residue | None = None  # where her values remain (dry run: would remain); None: not searched

    @property
    def verified(self) -> bool:
        """Nothing of hers remains outside rows kept under a legal hold (or restricted):
        the masks hold and the residue search found nothing. False when not searched."""
        return bool(self.verification and self.verification.ok and self.residue is not None and self.residue.clean)

    @property
    def counts(self) -> dict[str, dict[str, int]]:
        return {
            t.table: {k: v for k, v in vars(t).items() if isinstance(v, int) and v}
            for t in self.tables
            if t.found
        }


@dataclass
class ChangeResult:
    """Rectification or restriction: rows changed per table."""

    dry_run: bool
    changed: dict[str, int]
    not_applicable: list[str]
    seconds: float


# --------------------------------------------------------------- identities


# --------------------------------------------------------------- collection


def access(engine: Engine, datamap: DataMap, identity: Mapping[str, str]) -> AccessResult:
    """Every row of the person across the map, for the export package, and as context the
    shared and lookup rows hers point at. Rows of other people are never in it."""
    started = time.perf_counter()
    identity = _check_identity(datamap, identity)
    ctx = prepare(engine, datamap, masks=False)
    try:
        with engine.connect() as conn:
            collector = Collector(ctx, conn, context=True)
            found = collector.run(identity)
            conn.rollback()
    except SQLAlchemyError as exc:
        raise ConnectorError(f"access failed: {_short(exc)}") from None
    rows = {name: [_jsonable(_export_row(ctx, found, name, k, r)) for k, r in found.rows[name].items()] for name in ctx.datamap.tables if found.rows.get(name)}
    context = {
        name: [_jsonable(r) for r in found.reference[name].values() if r is not None]
        for name in ctx.datamap.tables
        if any(r is not None for r in found.reference.get(name, {}).values())
    }
    return AccessResult(rows, {n: len(r) for n, r in rows.items()}, collector.queries, time.perf_counter() - started, context)


def _export_row(ctx: Context, found: Found, name: str, key: Key, row: dict[str, Any]) -> dict[str, Any]:
    """A row of hers as it is; a dependent row of others (a staff member's note on her
    order) without its identity columns, which name the other person."""
    if key not in found.dependent.get(name, ()):
        return row
    identity = ctx.datamap.tables[name].identity_columns()
    return {k: v for k, v in row.items() if k not in identity}


def _jsonable(row: Mapping[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in row.items():
        if isinstance(value, (dt.date, dt.datetime, dt.time)):
            value = value.isoformat()
        elif isinstance(value, bytes):
            value = value.hex()
        elif value is not None and not isinstance(value, (str, int, float, bool)):
            value = str(value)  # Decimal and the like, exactly as the database holds them
        out[key] = value
    return out


# ------------------------------------------------------------------- erasure


def keyed_hash(key: bytes, value: Any, length: int | None) -> str:
    digest = hmac.new(key, str(value).encode(), hashlib.sha256).hexdigest()
    return digest[: min(64, length)] if length else digest


def mask_plan(
    table: sa.Table, masks: Mapping[str, ColumnErasure], rows: Iterable[Mapping[str, Any]], hash_key: bytes | None
) -> dict[str, Any]:
    """The new value of each masked column: None, a fixed value, or a HashMap over the
    values the rows hold (the hash is computed here, the statement stays one per table)."""
    values: dict[str, Any] = {}
    rows = list(rows)
    for name, erasure in masks.items():
        if erasure.action == "set_null":
            values[name] = None
        elif erasure.action == "fixed":
            values[name] = fixed_value(table.c[name], erasure.value)
        else:
            if hash_key is None:
                raise ConnectorError(f"{table.name}.{name} is erased with a keyed hash; give the hash key")
            length = getattr(table.c[name].type, "length", None)
            mapping = {r[name]: keyed_hash(hash_key, r[name], length) for r in rows if r[name] is not None}
            if mapping:
                values[name] = HashMap(mapping)
    return values


def mask_values(
    table: sa.Table, masks: Mapping[str, ColumnErasure], rows: Iterable[Mapping[str, Any]], hash_key: bytes | None
) -> dict[str, Any]:
    """mask_plan as SQLAlchemy SET values (keyed hashes as a CASE)."""
    return {
        name: sa.case(v.mapping, value=table.c[name], else_=table.c[name]) if isinstance(v, HashMap) else v
        for name, v in mask_plan(table, masks, rows, hash_key).items()
    }


def _child_order(ctx: Context, names: Iterable[str]) -> list[str]:
    """Tables with children before their parents (declared foreign keys)."""
    names = list(names)
    sorter = graphlib.TopologicalSorter({name: set() for name in names})
    for edge in ctx.links:
        if edge.declared and edge.child != edge.parent and edge.child in names and edge.parent in names:
            sorter.add(edge.parent, edge.child)
    try:
        return list(sorter.static_order())
    except graphlib.CycleError:
        return names


def erase(
    engine: Engine,
    datamap: DataMap,
    identity: Mapping[str, str],
    *,
    now: dt.datetime | None = None,
    hash_key: bytes | None = None,
    dry_run: bool = False,
    include_restricted: bool = False,
    confirm_large: bool = False,
    search_residue: bool = True,
    whole_database: bool = False,
) -> EraseResult:
    """Delete or mask the person's rows in foreign-key order, in one transaction.

    First the walk and the plan (plan.build_plan), then the collateral guard (plan.prove):
    a plan that would touch a row the guard cannot prove to be the person's, or that is
    larger than the map's limits.max_rows without confirm_large, raises ErasureRefused
    before any write. Rows under a legal hold keep the hold's columns and lose the rest;
    restricted rows are left alone unless include_restricted. A dry run carries out the
    same plan and rolls back, so its figures are exact. The verification runs after the
    commit, as a separate query; then the residue search (connectors.residue) looks for
    her values in the text columns (with whole_database, of every table). A dry run's
    residue search runs on the unchanged database and leaves out what the plan would
    delete or mask: what would remain."""
    started = time.perf_counter()
    identity = _check_identity(datamap, identity)
    ctx = prepare(engine, datamap)
    now = now or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    if datamap.needs_hash_key() and hash_key is None:
        raise ConnectorError("the dataset map erases some columns with a keyed hash; give hash_key")
    outcomes: dict[str, TableOutcome] = {}
    masked_keys: dict[str, tuple[set[Key], dict[str, ColumnErasure]]] = {}
    timings: dict[str, float] = {}
    try:
        with engine.connect() as conn:
            trans = conn.begin()
            lock_statements = _short_lock_wait(conn)
            collector = Collector(ctx, conn, lock=True, flags_at=now)
            found = collector.run(identity)
            timings["walk"] = time.perf_counter() - started
            plan = build_plan(ctx, found, now, include_restricted=include_restricted, confirmed=confirm_large)
            timings["plan"] = time.perf_counter() - started - sum(timings.values())
            raw = RawSQL(conn)
            collateral = prove(conn, ctx, plan, found, identity, raw)
            timings["guard"] = time.perf_counter() - started - sum(timings.values())
            if collateral:
                raise ErasureRefused(plan, collateral)
            if plan.needs_confirmation and not confirm_large and not dry_run:
                raise ErasureRefused(plan)
            doomed = {name: set(t.delete) | set(t.dependent_deleted) for name, t in plan.tables.items()}
            # Every write is known before the first is sent; in foreign-key order,
            # children before parents, one statement per table and kind (and chunk).
            for name in _child_order(ctx, found.tables()):
                outcomes[name] = _carry_out(ctx, raw, plan.tables[name], found.rows[name], doomed, masked_keys, hash_key)
            timings["write"] = time.perf_counter() - started - sum(timings.values())
            restricted = {name: set(t.restricted) for name, t in plan.tables.items()}
            if dry_run:
                verification = _verify(conn, ctx, identity, masked_keys, restricted)
                trans.rollback()
            else:
                trans.commit()
                # Same connection, a new transaction: what a fresh reader sees after the commit.
                verification = _verify(conn, ctx, identity, masked_keys, restricted)
                conn.rollback()
            timings["verify"] = time.perf_counter() - started - sum(timings.values())
            statements = lock_statements + collector.queries + raw.statements + 1
    except SQLAlchemyError as exc:
        raise ConnectorError(f"erasure failed and was rolled back: {_short(exc)}") from None
    ordered = [outcomes.get(name) or TableOutcome(name) for name in datamap.tables]
    result = EraseResult(dry_run, ordered, verification, statements, time.perf_counter() - started, plan, timings)
    if search_residue:
        from personvern.connectors import residue  # it reads identity_variants from here

        kept = {name: set(t.held) for name, t in plan.tables.items()}
        would = None
        if dry_run:
            would = residue.Plan(
                deleted={name: keys - masked_keys.get(name, (set(), {}))[0] for name, keys in doomed.items()},
                masked={name: (keys, set(masks)) for name, (keys, masks) in masked_keys.items()},
            )
        result.residue = residue.search(
            engine, datamap, identity, found.rows, held=kept, restricted=restricted, plan=would, whole_database=whole_database
        )
    return result


def _carry_out(
    ctx: Context,
    raw: RawSQL,
    table_plan,
    rows: dict[Key, dict[str, Any]],
    doomed: dict[str, set[Key]],
    masked_keys: dict[str, tuple[set[Key], dict[str, ColumnErasure]]],
    hash_key: bytes | None,
) -> TableOutcome:
    """One table's part of the plan: dependent rows that must go, held rows, deletions
    (a row still referenced from outside the map when its turn comes is masked instead),
    masks."""
    name = table_plan.table
    spec = ctx.datamap.tables[name]
    table = ctx.table(name)
    pk = [c.name for c in ctx.pk(name)]
    outcome = TableOutcome(
        name, found=len(rows), skipped_restricted=len(table_plan.restricted), dependent_kept=len(table_plan.dependent_kept)
    )
    for chunk in _chunks(table_plan.dependent_deleted):
        outcome.dependent_deleted += raw.delete(ctx.metadata, table, pk, chunk)

    def mask(keys: list[Key], masks: dict[str, ColumnErasure]) -> int:
        values = mask_plan(table, masks, (rows[k] for k in keys), hash_key)
        values.update(_detach(ctx, table, spec, doomed, (rows[k] for k in keys)))
        changed = sum(raw.update(table, pk, chunk, values) for chunk in _chunks(keys)) if values else 0
        previous = masked_keys.get(name, (set(), masks))[0]
        masked_keys[name] = (previous | set(keys), masks)
        return changed

    if table_plan.held:
        outcome.held = len(table_plan.held)
        mask(table_plan.held, spec.masked_columns(held=True))
        outcome.columns_masked = sorted(spec.masked_columns(held=True))
    survivors: list[Key] = []
    if table_plan.delete:
        for chunk in _chunks(table_plan.delete):
            outcome.deleted += raw.delete(ctx.metadata, table, pk, chunk)
        if outcome.deleted < len(table_plan.delete):
            # Still referenced from rows outside the map (the rows are locked, so the rest
            # survived the DELETE's NOT EXISTS): masked instead, as kept_referenced.
            survivors = table_plan.delete
    if survivors or table_plan.kept_referenced:
        mask(sorted(set(survivors) | set(table_plan.kept_referenced), key=repr), spec.masked_columns())
        outcome.kept_referenced = len(table_plan.kept_referenced) + len(survivors) - outcome.deleted
    if table_plan.mask:
        outcome.masked = mask(table_plan.mask, spec.masked_columns())
        outcome.columns_masked = sorted(set(outcome.columns_masked) | set(spec.masked_columns()))
    return outcome


def _detach(ctx: Context, table: sa.Table, spec, doomed: dict[str, set[Key]], rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """For kept rows: set to NULL the nullable foreign keys that point at rows about to be
    deleted, unless a legal hold keeps that column."""
    keep = set(spec.legal_hold.keep) if spec.legal_hold else set()
    rows = list(rows)
    values: dict[str, Any] = {}
    for fk in table.foreign_key_constraints:
        parent = fk.referred_table.name
        cols = [c for c in fk.columns]
        if parent not in doomed or any(c.name in keep or not c.nullable for c in cols):
            continue
        if any(tuple(r[c.name] for c in cols) in doomed[parent] for r in rows):
            values.update({c.name: None for c in cols})
    return values


def _verify(
    conn: Connection,
    ctx: Context,
    identity: Mapping[str, str],
    masked: Mapping[str, tuple[set[Key], dict[str, ColumnErasure]]],
    restricted: Mapping[str, set[Key]],
) -> Verification:
    """Count what still matches the identity, and masked rows whose masked columns still
    hold something other than the mask: one UNION ALL query, one round trip."""
    raw = RawSQL(conn)
    labels: list[str] = []
    parts: list[str] = []
    params: list = []

    def count(label: str, table: sa.Table, where: str) -> None:
        parts.append(f"SELECT {len(labels)} AS what, count(*) AS n FROM {raw.quote(table.name)} WHERE {where}")
        labels.append(label)

    for kind, value in identity.items():
        variants = [(v,) for v in identity_variants(kind, value)]
        for name, column in ctx.datamap.identity_columns(kind):
            table = ctx.table(name)
            count(f"match {name}.{column}", table, raw.where_in(table, [column], variants, params))
            pk = [c.name for c in ctx.pk(name)]
            for chunk in _chunks(sorted(restricted.get(name, ()), key=repr)):
                match = raw.where_in(table, [column], variants, params)
                count(f"restricted {name}.{column}", table, f"{match} AND {raw.where_in(table, pk, chunk, params)}")
    for name, (keys, masks) in masked.items():
        table = ctx.table(name)
        checks = [f"{raw.col(table, c)} IS NOT NULL" for c, e in masks.items() if e.action == "set_null"]
        fixed = [(c, fixed_value(table.c[c], e.value)) for c, e in masks.items() if e.action == "fixed"]
        if not checks and not fixed:
            continue
        pk = [c.name for c in ctx.pk(name)]
        for chunk in _chunks(sorted(keys, key=repr)):
            where = raw.where_in(table, pk, chunk, params)
            unmasked = list(checks)
            for column, mask in fixed:
                unmasked.append(f"{raw.col(table, column)} <> {raw.mark}")
                params.append(raw.bind(table, column, mask))
            count(f"unmasked {name}", table, f"{where} AND ({' OR '.join(unmasked)})")
    totals: dict[str, int] = {}
    if parts:
        for what, n in raw.run(" UNION ALL ".join(parts), params):
            totals[labels[what]] = totals.get(labels[what], 0) + n
    matches: dict[str, int] = {}
    held_matches: dict[str, int] = {}
    restricted_matches: dict[str, int] = {}
    for what, n in totals.items():
        kind, _, where = what.partition(" ")
        if kind != "match":
            continue
        kept = totals.get(f"restricted {where}", 0)
        if kept:
            restricted_matches[where] = kept
        n -= kept
        name, column = where.split(".", 1)
        hold = ctx.datamap.tables[name].legal_hold
        if n and hold and column in hold.keep:
            held_matches[where] = n
        elif n:
            matches[where] = n
    unmasked = {what.split(" ", 1)[1]: n for what, n in totals.items() if what.startswith("unmasked ") and n}
    return Verification(matches, held_matches, restricted_matches, unmasked, ok=not matches and not unmasked)


def _short_lock_wait(conn: Connection) -> int:
    """Fail fast instead of queueing behind a long lock (the caller retries; erasure is
    idempotent). PostgreSQL: for this transaction; MariaDB: a session setting, so once per
    pooled connection. Returns the statements sent."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SET LOCAL lock_timeout = '5s'"))
        return 1
    if conn.dialect.name == "mysql" and not conn.connection.info.get("pv_lock_wait"):
        conn.execute(sa.text("SET SESSION innodb_lock_wait_timeout = 5"))
        conn.connection.info["pv_lock_wait"] = True
        return 1
    return 0


# ------------------------------------------------------- rectify and restrict


def rectify(
    engine: Engine,
    datamap: DataMap,
    identity: Mapping[str, str],
    changes: Mapping[str, Mapping[str, Any]],
    *,
    dry_run: bool = False,
) -> ChangeResult:
    """Set the named columns on every row of the person in each named table:
    changes = {"customers": {"last_name": "Nordmann"}}."""
    started = time.perf_counter()
    identity = _check_identity(datamap, identity)
    ctx = prepare(engine, datamap, masks=False)
    for name, columns in changes.items():
        if name not in datamap.tables:
            raise ConnectorError(f"cannot rectify '{name}': the table is not in the dataset map")
        table = ctx.table(name)
        for column in columns:
            if column not in table.c:
                raise ConnectorError(f"cannot rectify '{name}.{column}': no such column")
            if column in {c.name for c in ctx.pk(name)}:
                raise ConnectorError(f"cannot rectify '{name}.{column}': it is the primary key")
    changed: dict[str, int] = {}
    try:
        with engine.connect() as conn:
            trans = conn.begin()
            found = Collector(ctx, conn, lock=True).run(identity)
            for name, columns in changes.items():
                keys = sorted(found.owned(name), key=repr)  # hers only: never a dependent row of others
                count = 0
                for chunk in _chunks(keys):
                    count += conn.execute(sa.update(ctx.table(name)).where(_in(ctx.pk(name), chunk)).values(dict(columns))).rowcount
                changed[name] = count
            trans.rollback() if dry_run else trans.commit()
    except SQLAlchemyError as exc:
        raise ConnectorError(f"rectification failed and was rolled back: {_short(exc)}") from None
    return ChangeResult(dry_run, changed, [], time.perf_counter() - started)


def restrict(
    engine: Engine,
    datamap: DataMap,
    identity: Mapping[str, str],
    *,
    reason: str = "",
    lift: bool = False,
    now: dt.datetime | None = None,
    dry_run: bool = False,
) -> ChangeResult:
    """Mark (or with lift=True unmark) the person's rows as restricted, in the column or
    side table the map configures; retention and erasure then leave them alone."""
    started = time.perf_counter()
    identity = _check_identity(datamap, identity)
    ctx = prepare(engine, datamap, masks=False)
    now = now or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    side_names = {s.restriction.side_table for s in datamap.tables.values() if s.restriction and s.restriction.side_table}
    for side_name in side_names:
        if side_name not in ctx.metadata.tables:
            restriction_table(ctx.metadata, side_name, **connection_collation(engine)).create(engine, checkfirst=True)  # DDL outside the transaction (MariaDB commits DDL anyway)
    changed: dict[str, int] = {}
    not_applicable: list[str] = []
    try:
        with engine.connect() as conn:
            trans = conn.begin()
            found = Collector(ctx, conn, lock=True).run(identity)
            for name in found.tables():
                rows = found.owned(name)  # hers only: never a dependent row of others
                if not rows:
                    continue
                spec = datamap.tables[name].restriction
                if spec is None:
                    not_applicable.append(name)
                    continue
                table = ctx.table(name)
                keys = sorted(rows, key=repr)
                if spec.column:
                    column = table.c[spec.column]
                    mark = (not lift) if is_flag(column) else (None if lift else now)
                    count = 0
                    for chunk in _chunks(keys):
                        count += conn.execute(sa.update(table).where(_in(ctx.pk(name), chunk)).values({spec.column: mark})).rowcount
                    changed[name] = count
                else:
                    changed[name] = _mark_side_table(conn, ctx.metadata.tables[spec.side_table], name, keys, reason, lift, now)
            trans.rollback() if dry_run else trans.commit()
    except SQLAlchemyError as exc:
        raise ConnectorError(f"restriction failed and was rolled back: {_short(exc)}") from None
    return ChangeResult(dry_run, changed, not_applicable, time.perf_counter() - started)


def _mark_side_table(conn: Connection, side: sa.Table, name: str, keys: list[Key], reason: str, lift: bool, now: dt.datetime) -> int:
    wanted = [row_key(k) for k in keys]
    if lift:
        count = 0
        for chunk in _chunks(wanted):
            count += conn.execute(sa.delete(side).where(side.c.table_name == name, side.c.row_key.in_(chunk))).rowcount
        return count
    existing: set[str] = set()
    for chunk in _chunks(wanted):
        existing.update(conn.execute(sa.select(side.c.row_key).where(side.c.table_name == name, side.c.row_key.in_(chunk))).scalars())
    new = [{"table_name": name, "row_key": k, "reason": reason[:500], "restricted_at": now} for k in wanted if k not in existing]
    if new:
        conn.execute(sa.insert(side), new)  # one executemany, idempotent thanks to the check above
    return len(new)
