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

import phonenumbers
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from personvern.connectors.datamap import (
    HOLD_CUTOFF,
    ColumnErasure,
    DataMap,
    Edge,
    IdentityKind,
    check_against_schema,
    connection_collation,
    edges,
    fixed_value,
    hold_clause,
    is_flag,
    primary_key,
    restricted_clause,
    restriction_table,
    row_key,
)
from personvern.connectors.engine import ConnectorError, _short, reflect

if TYPE_CHECKING:
    from personvern.connectors.residue import Residue

CHUNK = 1000  # primary keys per statement; a person rarely has more rows in one table
Key = tuple  # a row's primary key values

# ----------------------------------------------------------------- results


@dataclass
class AccessResult:
    rows: dict[str, list[dict[str, Any]]]  # the person's rows per table (the export package)
    counts: dict[str, int]  # what was touched, for the audit trail
    queries: int
    seconds: float


@dataclass
class TableOutcome:
    table: str
    found: int = 0
    deleted: int = 0
    masked: int = 0  # kept with personal columns masked (table erasure 'mask')
    held: int = 0  # kept under legal hold, non-kept columns masked
    kept_referenced: int = 0  # masked instead of deleted: other rows still point at them
    skipped_restricted: int = 0
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


def identity_variants(kind: str, value: str) -> list[str]:
    """The spellings one identity value may be stored under, all bound as parameters:
    e-mail in its own and lower case, a phone number in the usual Norwegian formats."""
    value = value.strip()
    variants = [value]
    if kind == IdentityKind.EMAIL:
        variants.append(value.lower())
    elif kind == IdentityKind.PHONE:
        try:
            number = phonenumbers.parse(value, "NO")
        except phonenumbers.NumberParseException:
            number = None
        if number is not None:
            national = str(number.national_number)
            e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            international = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
            variants += [e164, international, national, f"00{e164[1:]}"]
            if len(national) == 8:  # Norwegian mobile grouping 412 34 567 and 41 23 45 67
                grouped = [f"{national[:3]} {national[3:5]} {national[5:]}", " ".join(national[i : i + 2] for i in range(0, 8, 2))]
                variants += grouped + [f"+{number.country_code} {g}" for g in grouped]
    elif kind == IdentityKind.FODSELSNUMMER:
        digits = "".join(ch for ch in value if ch.isdigit())
        variants += [digits, f"{digits[:6]} {digits[6:]}"]
    return list(dict.fromkeys(v for v in variants if v))


def _check_identity(datamap: DataMap, identity: Mapping[str, str]) -> dict[str, str]:
    if not identity:
        raise ConnectorError("give at least one identity value, e.g. {'email': 'ola@example.no'}")
    known = datamap.identity_kinds()
    clean: dict[str, str] = {}
    for kind, value in identity.items():
        if kind not in known:
            hint = ", ".join(sorted(known)) or "none; mark identity columns in the map"
            raise ConnectorError(f"the dataset map has no column that identifies a person by '{kind}' (it has: {hint})")
        if not isinstance(value, str) or not value.strip():
            raise ConnectorError(f"the identity value for '{kind}' is empty")
        if len(value) > 500:
            raise ConnectorError(f"the identity value for '{kind}' is too long to be one")
        clean[kind] = value
    return clean


# --------------------------------------------------------------- collection


@dataclass
class Context:
    datamap: DataMap
    metadata: sa.MetaData
    links: list[Edge]

    def table(self, name: str) -> sa.Table:
        return self.metadata.tables[name]

    def pk(self, name: str) -> list[sa.Column]:
        return primary_key(self.datamap, self.table(name))

    def is_unique(self, name: str, columns: tuple[str, ...]) -> bool:
        """The columns are the primary key or carry a unique constraint or index."""
        table = self.table(name)
        wanted = set(columns)
        if wanted == {c.name for c in self.pk(name)}:
            return True
        for constraint in table.constraints:
            if isinstance(constraint, sa.UniqueConstraint) and {c.name for c in constraint.columns} == wanted:
                return True
        return any(index.unique and {c.name for c in index.columns} == wanted for index in table.indexes)


def prepare(engine: Engine, datamap: DataMap, *, masks: bool = True) -> Context:
    """The reflected schema (cached per engine) checked against the map; with masks, also
    whether every column's erasure fits its column (what only erasure needs)."""
    metadata = reflect(engine)
    problems = check_against_schema(datamap, metadata, masks=masks)
    if problems:
        raise ConnectorError("the dataset map does not fit the database:\n  " + "\n  ".join(problems))
    return Context(datamap, metadata, edges(datamap, metadata))


def _in(columns: list[sa.Column], values: list[tuple]) -> sa.ColumnElement[bool]:
    if len(columns) == 1:
        return columns[0].in_([v[0] for v in values])
    return sa.tuple_(*columns).in_(values)


def _chunks(items: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


FLAG_HELD = "_pv_held"
FLAG_RESTRICTED = "_pv_restricted"


class Collector:
    """Breadth-first walk from the identity columns along every relationship, both
    directions, one query per table per round. With flags_at, every row also carries
    whether it is under legal hold then and whether a side table restricts it, computed
    by the same query (no second query per table)."""

    def __init__(self, ctx: Context, conn: Connection, lock: bool = False, flags_at: dt.datetime | None = None):
        self.ctx = ctx
        self.conn = conn
        self.lock = lock and conn.dialect.name != "sqlite"
        self.flags_at = flags_at
        self.found: dict[str, dict[Key, dict[str, Any]]] = {}
        self.queries = 0
        # SQLite runs in-process: there SQLAlchemy's per-statement work is most of an
        # access request's cost, so its plain reads go out as SQL text (RawSQL.select).
        self.raw = RawSQL(conn) if conn.dialect.name == "sqlite" else None

    def _statement(self, name: str, shape: tuple[tuple[str, ...], ...]) -> sa.Select:
        """SELECT of the table's rows matching any of the IN lists in `shape` (one per
        column tuple), built once per shape with expanding parameters and reused, so a
        request does not pay for building and hashing statements."""
        spec = self.ctx.datamap.tables[name]
        flags = self.flags_at is not None
        side = spec.restriction.side_table if spec.restriction else None
        key = (name, shape, self.lock, flags, flags and repr(spec.legal_hold), flags and side, side in self.ctx.metadata.tables)
        cache = self.ctx.metadata.info.setdefault("pv_collect", {})
        if key in cache:
            return cache[key]
        table = self.ctx.table(name)
        conditions = []
        for i, columns in enumerate(shape):
            param = sa.bindparam(f"k{i}", expanding=True)
            target = table.c[columns[0]] if len(columns) == 1 else sa.tuple_(*(table.c[c] for c in columns))
            conditions.append(target.in_(param))
        extra = []
        if flags:
            held = hold_clause(self.ctx.datamap, self.ctx.metadata, table, None)
            if held is not None:
                extra.append(sa.case((held, 1), else_=0).label(FLAG_HELD))
            if side:
                clause = restricted_clause(self.ctx.datamap, self.ctx.metadata, table)
                extra.append(sa.case((clause, 1), else_=0).label(FLAG_RESTRICTED) if clause is not None else sa.literal(0).label(FLAG_RESTRICTED))
        query = sa.select(table, *extra).where(sa.or_(*conditions))
        cache[key] = query.with_for_update() if self.lock else query
        return cache[key]

    def _fetch_round(self, wanted: dict[str, list[tuple[tuple[str, ...], list]]]) -> dict[str, dict[Key, dict[str, Any]]]:
        frontier: dict[str, dict[Key, dict[str, Any]]] = {}
        for name, conditions in wanted.items():
            self.queries += 1
            params: dict[str, Any] = {f"k{i}": values for i, (_, values) in enumerate(conditions)}
            hold = self.ctx.datamap.tables[name].legal_hold
            if self.flags_at is not None and hold is not None:
                params[HOLD_CUTOFF] = hold.cutoff(self.flags_at).replace(tzinfo=None)
            known = self.found.setdefault(name, {})
            new = frontier[name] = {}
            if self.raw is not None and self.flags_at is None and not self.lock:
                names, rows = self.raw.select(self.ctx.table(name), conditions)
            else:
                result = self.conn.execute(self._statement(name, tuple(columns for columns, _ in conditions)), params)
                names, rows = list(result.keys()), result.all()  # plain tuples: cheaper than a RowMapping per row
            at = [names.index(c.name) for c in self.ctx.pk(name)]
            for values in rows:
                key = tuple(values[i] for i in at)
                if key not in known:
                    known[key] = new[key] = dict(zip(names, values))
        return frontier

    def run(self, identity: Mapping[str, str]) -> dict[str, dict[Key, dict[str, Any]]]:
        seeds: dict[str, list[tuple[tuple[str, ...], list]]] = {}
        for kind, value in identity.items():
            variants = identity_variants(kind, value)
            for table_name, column in self.ctx.datamap.identity_columns(kind):
                seeds.setdefault(table_name, []).append(((column,), variants))
        frontier = self._fetch_round(seeds)
        while any(frontier.values()):
            wanted: dict[str, list[tuple[tuple[str, ...], list]]] = {}
            for edge in self.ctx.links:
                # parent rows found -> their children; child rows found -> their parents
                for source, source_cols, target, target_cols in (
                    (edge.parent, edge.parent_cols, edge.child, edge.child_cols),
                    (edge.child, edge.child_cols, edge.parent, edge.parent_cols),
                ):
                    rows = frontier.get(source)
                    if not rows or source == target:
                        continue
                    values = {tuple(r[c] for c in source_cols) for r in rows.values()}
                    if self.ctx.is_unique(target, target_cols):
                        # One row per value: the rows already found need no second query.
                        values -= {tuple(r[c] for c in target_cols) for r in self.found.get(target, {}).values()}
                    values = sorted((v for v in values if None not in v), key=repr)
                    if not values:
                        continue
                    for chunk in _chunks(values):
                        wanted.setdefault(target, []).append((tuple(target_cols), [v[0] for v in chunk] if len(target_cols) == 1 else chunk))
            frontier = self._fetch_round(wanted) if wanted else {}
        return {name: rows for name, rows in self.found.items() if rows}


def access(engine: Engine, datamap: DataMap, identity: Mapping[str, str]) -> AccessResult:
    """Every row about the person, across the map, for the export package."""
    started = time.perf_counter()
    identity = _check_identity(datamap, identity)
    ctx = prepare(engine, datamap, masks=False)
    try:
        with engine.connect() as conn:
            collector = Collector(ctx, conn)
            found = collector.run(identity)
            conn.rollback()
    except SQLAlchemyError as exc:
        raise ConnectorError(f"access failed: {_short(exc)}") from None
    rows = {name: [_jsonable(r) for r in found[name].values()] for name in ctx.datamap.tables if name in found}
    return AccessResult(rows, {n: len(r) for n, r in rows.items()}, collector.queries, time.perf_counter() - started)


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


@dataclass(frozen=True)
class HashMap:
    """A keyed-hash mask: each value the rows hold and its hash (one CASE in SQL)."""

    mapping: dict[Any, str]


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


class RawSQL:
    """Erasure's writes and its proof, written out directly: identifiers come from the
    reflected schema and are quoted by the dialect, every value is a driver parameter.
    This skips SQLAlchemy's statement building and cache lookup, which cost more CPU
    than the database spends on these small keyed statements."""

    def __init__(self, conn: Connection):
        self.conn = conn
        # The dialect's quoting already doubles a '%' in a name where '%s' marks parameters.
        self.quote = conn.dialect.identifier_preparer.quote
        self.mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        self.statements = 0

    def run(self, sql: str, params: list) -> Any:
        self.statements += 1
        return self.conn.exec_driver_sql(sql, tuple(params))

    def col(self, table: sa.Table, column: str) -> str:
        return f"{self.quote(table.name)}.{self.quote(column)}"

    def bind(self, table: sa.Table, column: str, value: Any) -> Any:
        """The value as the column's type hands it to the driver (SQLite keeps dates and
        decimals as text, exactly as SQLAlchemy wrote them)."""
        if value is None:
            return None
        cache = table.metadata.info.setdefault("pv_binds", {})
        key = (table.name, column, self.conn.dialect.name)
        if key not in cache:
            cache[key] = table.c[column].type.dialect_impl(self.conn.dialect).bind_processor(self.conn.dialect)
        process = cache[key]
        return process(value) if process else value

    def where_in(self, table: sa.Table, columns: list[str], values: list[tuple], params: list) -> str:
        """`col IN (?, ?)` or `(a, b) IN ((?, ?), ...)`, the values appended to params."""
        if not values:
            return "1 = 0"
        if len(columns) == 1:
            params.extend(self.bind(table, columns[0], v[0]) for v in values)
            return f"{self.col(table, columns[0])} IN ({', '.join([self.mark] * len(values))})"
        row = "(" + ", ".join([self.mark] * len(columns)) + ")"
        for v in values:
            params.extend(self.bind(table, c, x) for c, x in zip(columns, v))
        return f"({', '.join(self.col(table, c) for c in columns)}) IN ({', '.join([row] * len(values))})"

    def unreferenced(self, metadata: sa.MetaData, table: sa.Table) -> str:
        """` AND NOT EXISTS (…)` per foreign key of any table (in the map or not) that points at table."""
        cache = metadata.info.setdefault("pv_unreferenced", {})  # per reflected schema
        key = (table.name, self.conn.dialect.name)
        if key not in cache:
            parts = []
            for other, pairs in references_to(metadata, table):
                match = " AND ".join(f"{self.col(other, child)} = {self.col(table, parent)}" for child, parent in pairs)
                parts.append(f" AND NOT EXISTS (SELECT 1 FROM {self.quote(other.name)} WHERE {match})")
            cache[key] = "".join(parts)
        return cache[key]

    def select(self, table: sa.Table, conditions: list[tuple[tuple[str, ...], list]]) -> tuple[list[str], list[tuple]]:
        """The table's rows matching any (columns, values) IN list, every column converted
        by its type as SQLAlchemy would (SQLite: text timestamps to datetime, and so on)."""
        cache = table.metadata.info.setdefault("pv_select", {})
        key = (table.name, self.conn.dialect.name)
        if key not in cache:
            dialect = self.conn.dialect
            names = [c.name for c in table.c]
            processors = [c.type.dialect_impl(dialect).result_processor(dialect, None) for c in table.c]
            cache[key] = (names, processors, f"SELECT {', '.join(self.col(table, n) for n in names)} FROM {self.quote(table.name)} WHERE ")
        names, processors, head = cache[key]
        params: list = []
        where = " OR ".join(
            self.where_in(table, list(columns), values if len(columns) > 1 else [(v,) for v in values], params) for columns, values in conditions
        )
        rows = self.run(head + where, params).fetchall()
        if any(processors):
            rows = [tuple(f(v) if f else v for f, v in zip(processors, row)) for row in rows]
        return names, rows

    def delete(self, metadata: sa.MetaData, table: sa.Table, pk: list[str], keys: list[tuple]) -> int:
        params: list = []
        where = self.where_in(table, pk, keys, params)
        return self.run(f"DELETE FROM {self.quote(table.name)} WHERE {where}{self.unreferenced(metadata, table)}", params).rowcount

    def update(self, table: sa.Table, pk: list[str], keys: list[tuple], values: Mapping[str, Any]) -> int:
        params: list = []
        sets = []
        for name, value in values.items():
            column = self.col(table, name)
            if isinstance(value, HashMap):
                whens = []
                for old, new in value.mapping.items():
                    whens.append(f"WHEN {self.mark} THEN {self.mark}")
                    params += [self.bind(table, name, old), self.bind(table, name, new)]
                sets.append(f"{self.quote(name)} = CASE {column} {' '.join(whens)} ELSE {column} END")
            else:
                sets.append(f"{self.quote(name)} = {self.mark}")
                params.append(self.bind(table, name, value))
        where = self.where_in(table, pk, keys, params)
        return self.run(f"UPDATE {self.quote(table.name)} SET {', '.join(sets)} WHERE {where}", params).rowcount


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


def references_to(metadata: sa.MetaData, table: sa.Table) -> Iterable[tuple[sa.Table, list[tuple[str, str]]]]:
    """Every foreign key of any other table (in the map or not) that points at table:
    (that table, [(its column, table's column), ...])."""
    for other in metadata.tables.values():
        if other is table:
            continue  # self references would need MySQL's derived-table workaround
        for fk in other.foreign_key_constraints:
            if fk.referred_table is table:
                yield other, [(c.name, e.column.name) for c, e in zip(fk.columns, fk.elements)]


def unreferenced(metadata: sa.MetaData, table: sa.Table) -> list[sa.ColumnElement[bool]]:
    """NOT EXISTS conditions: no row of any table (in the map or not) points at the row."""
    return [
        ~sa.exists().where(sa.and_(*(other.c[child] == table.c[parent] for child, parent in pairs)))
        for other, pairs in references_to(metadata, table)
    ]


def erase(
    engine: Engine,
    datamap: DataMap,
    identity: Mapping[str, str],
    *,
    now: dt.datetime | None = None,
    hash_key: bytes | None = None,
    dry_run: bool = False,
    include_restricted: bool = False,
    search_residue: bool = True,
    whole_database: bool = False,
) -> EraseResult:
    """Delete or mask the person's rows in foreign-key order, in one transaction.

    Rows under a legal hold keep the hold's columns and lose the rest; when the hold has
    ended the table's erasure applies. Restricted rows are left alone unless
    include_restricted. A dry run runs the same statements and rolls back, so its figures
    are exact. The verification runs after the commit, as a separate query; then the
    residue search (connectors.residue) looks for her values in the text columns (with
    whole_database, of every table). A dry run's residue search runs on the unchanged
    database and leaves out what the plan would delete or mask: what would remain."""
    started = time.perf_counter()
    identity = _check_identity(datamap, identity)
    ctx = prepare(engine, datamap)
    now = now or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    if datamap.needs_hash_key() and hash_key is None:
        raise ConnectorError("the dataset map erases some columns with a keyed hash; give hash_key")
    outcomes: dict[str, TableOutcome] = {}
    masked_keys: dict[str, tuple[set[Key], dict[str, ColumnErasure]]] = {}
    try:
        with engine.connect() as conn:
            trans = conn.begin()
            lock_statements = _short_lock_wait(conn)
            collector = Collector(ctx, conn, lock=True, flags_at=now)
            found = collector.run(identity)
            held: dict[str, set[Key]] = {}
            restricted: dict[str, set[Key]] = {}
            for name, rows in found.items():
                held[name] = _held_from_rows(ctx, found, name, now)
                if held[name] is None:  # values Python cannot compare: the query's own flag
                    held[name] = {k for k, r in rows.items() if r.get(FLAG_HELD)}
                restricted[name] = set() if include_restricted else _restricted_from_rows(ctx, name, rows)
            _restrict_children(ctx, found, restricted)
            # Rows that will be deleted, known before any child is touched, so held children
            # can let go of them (their foreign key set to NULL when it is not kept).
            doomed = {
                name: set(rows) - held[name] - restricted[name]
                for name, rows in found.items()
                if datamap.tables[name].erasure == "delete_row"
            }
            # Every write is known before the first is sent; in foreign-key order,
            # children before parents, one statement per table and kind (and chunk).
            raw = RawSQL(conn)
            for name in _child_order(ctx, found):
                rows = found[name]
                spec = datamap.tables[name]
                table = ctx.table(name)
                pk = [c.name for c in ctx.pk(name)]
                outcome = outcomes[name] = TableOutcome(name, found=len(rows), skipped_restricted=len(restricted[name]))
                to_hold = sorted(held[name] - restricted[name], key=repr)
                rest = sorted(set(rows) - held[name] - restricted[name], key=repr)
                if to_hold:
                    masks = spec.masked_columns(held=True)
                    values = mask_plan(table, masks, (rows[k] for k in to_hold), hash_key)
                    values.update(_detach(ctx, table, spec, doomed, (rows[k] for k in to_hold)))
                    if values:
                        for chunk in _chunks(to_hold):
                            raw.update(table, pk, chunk, values)
                    outcome.held = len(to_hold)
                    masked_keys[name] = (set(to_hold), masks)
                    outcome.columns_masked = sorted(masks)
                if not rest:
                    continue
                masks = spec.masked_columns()
                values = mask_plan(table, masks, (rows[k] for k in rest), hash_key)
                if spec.erasure == "delete_row":
                    for chunk in _chunks(rest):
                        outcome.deleted += raw.delete(ctx.metadata, table, pk, chunk)
                    if outcome.deleted < len(rest):
                        # Still referenced from rows kept elsewhere (the rows are locked, so
                        # the rest survived the DELETE's NOT EXISTS): mask them instead.
                        outcome.kept_referenced = len(rest) - outcome.deleted
                        if values:  # only the survivors are left to update: count exactly
                            outcome.kept_referenced = sum(raw.update(table, pk, chunk, values) for chunk in _chunks(rest))
                        previous = masked_keys.get(name, (set(), masks))[0]
                        masked_keys[name] = (previous | set(rest), masks)
                else:
                    values.update(_detach(ctx, table, spec, doomed, (rows[k] for k in rest)))
                    if values:
                        for chunk in _chunks(rest):
                            outcome.masked += raw.update(table, pk, chunk, values)
                    previous = masked_keys.get(name, (set(), masks))[0]
                    masked_keys[name] = (previous | set(rest), masks)
                    outcome.columns_masked = sorted(set(outcome.columns_masked) | set(masks))
            verification = None
            if dry_run:
                verification = _verify(conn, ctx, identity, masked_keys, restricted)
                trans.rollback()
            else:
                trans.commit()
                # Same connection, a new transaction: what a fresh reader sees after the commit.
                verification = _verify(conn, ctx, identity, masked_keys, restricted)
                conn.rollback()
            statements = lock_statements + collector.queries + raw.statements + 1
    except SQLAlchemyError as exc:
        raise ConnectorError(f"erasure failed and was rolled back: {_short(exc)}") from None
    ordered = [outcomes.get(name) or TableOutcome(name) for name in datamap.tables]
    result = EraseResult(dry_run, ordered, verification, statements, time.perf_counter() - started)
    if search_residue:
        from personvern.connectors import residue  # it reads identity_variants from here

        kept = {name: keys - restricted[name] for name, keys in held.items()}
        plan = None
        if dry_run:
            plan = residue.Plan(
                deleted={name: keys - masked_keys.get(name, (set(), {}))[0] for name, keys in doomed.items()},
                masked={name: (keys, set(masks)) for name, (keys, masks) in masked_keys.items()},
            )
        result.residue = residue.search(
            engine, datamap, identity, found, held=kept, restricted=restricted, plan=plan, whole_database=whole_database
        )
    return result


def _held_from_rows(ctx: Context, found: dict[str, dict[Key, dict]], name: str, now: dt.datetime) -> set[Key] | None:
    """Rows under legal hold, judged from the rows already collected (the hold's date is in
    the row or in its parent, which the walk has collected too). None: cannot tell here."""
    hold = ctx.datamap.tables[name].legal_hold
    if hold is None:
        return set()
    cutoff = hold.cutoff(now)
    rows = found[name]
    if "." in hold.from_column:
        parent, column = hold.from_column.split(".", 1)
        edge = next((e for e in ctx.links if e.declared and e.child == name and e.parent == parent), None)
        if edge is None or parent not in found:
            return None
        by_key = {tuple(r[c] for c in edge.parent_cols): r[column] for r in found[parent].values()}
        dates = {k: by_key.get(tuple(r[c] for c in edge.child_cols), _MISSING) for k, r in rows.items()}
    else:
        dates = {k: r[hold.from_column] for k, r in rows.items()}
    held = set()
    for key, value in dates.items():
        verdict = _later_than(value, cutoff)
        if verdict is None:
            return None
        if verdict:
            held.add(key)
    return held


_MISSING = object()


def _later_than(value: Any, cutoff: dt.datetime) -> bool | None:
    if value is None:
        return False
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            return value > cutoff.replace(tzinfo=value.tzinfo)
        return value > cutoff
    if isinstance(value, dt.date):
        return value > cutoff.date()
    return None  # text dates, a parent row not collected: let SQL decide


def _restricted_from_rows(ctx: Context, name: str, rows: dict[Key, dict]) -> set[Key]:
    spec = ctx.datamap.tables[name].restriction
    if spec is None:
        return set()
    if spec.side_table:  # the collecting query flagged the rows the side table lists
        return {k for k, r in rows.items() if r.get(FLAG_RESTRICTED)}
    column = ctx.table(name).c[spec.column]
    if is_flag(column):
        return {k for k, r in rows.items() if r[spec.column]}
    return {k for k, r in rows.items() if r[spec.column] is not None}


def _restrict_children(ctx: Context, found: dict[str, dict[Key, dict]], restricted: dict[str, set[Key]]) -> None:
    """A row that depends on a restricted row (its foreign key points at it) is left
    alone too: deleting an order's lines would defeat the order's restriction."""
    for name in reversed(_child_order(ctx, found)):
        for edge in ctx.links:
            if edge.parent != name or edge.child not in found or edge.child == name or not restricted.get(name):
                continue
            parent_values = {tuple(found[name][k][c] for c in edge.parent_cols) for k in restricted[name]}
            for key, row in found[edge.child].items():
                if tuple(row[c] for c in edge.child_cols) in parent_values:
                    restricted[edge.child].add(key)


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
                keys = sorted(found.get(name, {}), key=repr)
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
            for name, rows in found.items():
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
