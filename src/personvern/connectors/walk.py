"""The walk: which rows of a connected database are one person's, and which rows hers
only point at.

Seeds are the rows whose identity columns match the person. From a row of hers the walk
goes DOWN to the rows whose foreign key points at it (her orders, their lines): those
are hers too. It goes UP from a row of hers to its parent only when no row outside her
rows points at that parent (an order's own billing address); such a parent is hers,
any other parent is shared and only context. It never expands from a shared or lookup
row, never walks into a table outside the map, and walks UP into a table of persons
never (a staff user who wrote a note on her order stays the staff user's). A row below
hers that also points at another person (another customer's vote on her review), or that
is a row of a table of persons (one with identity columns) naming someone else, is a
dependent row of others: the plan decides what happens to it.

Set-based: one query per table per round, keys bound as IN lists; whether a parent is
hers alone is asked in the same query that reads it (NOT EXISTS over every foreign key
that points at it, her own rows excluded)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import phonenumbers
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from personvern.connectors.datamap import (
    HOLD_CUTOFF,
    DataMap,
    Edge,
    IdentityKind,
    check_against_schema,
    edges,
    hold_clause,
    primary_key,
    restricted_clause,
)
from personvern.connectors.engine import ConnectorError, reflect
from personvern.connectors.rawsql import RawSQL, references_to

CHUNK = 1000  # primary keys per statement; a person rarely has more rows in one table
Key = tuple  # a row's primary key values
FLAG_HELD = "_pv_held"
FLAG_RESTRICTED = "_pv_restricted"
FLAG_SHARED = "_pv_shared"

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



# --------------------------------------------------------------- schema


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



# --------------------------------------------------------------- the walk


def known_identities(datamap: DataMap, identity: Mapping[str, str], rows: Mapping[str, Mapping[Key, Mapping[str, Any]]]) -> dict[str, set]:
    """Her identity values per kind, in their spellings: the ones given, and of the kinds not
    given those of the seed rows (the phone on her customer row when she gave her e-mail;
    not a second e-mail column of a seed row, which may name whom she wrote to)."""
    known: dict[str, set] = {kind: set(identity_variants(kind, value)) for kind, value in identity.items()}
    for name, table_rows in rows.items():
        for column, kind in datamap.tables[name].identity_columns().items():
            if str(kind) in identity:
                continue
            for row in table_rows.values():
                if row.get(column) not in (None, ""):
                    known.setdefault(str(kind), set()).update(identity_variants(str(kind), str(row[column])))
                    known[str(kind)].add(row[column])
    return known


def names_someone(spec, row: Mapping[str, Any], known: Mapping[str, set]) -> bool:
    """A row of a table of persons that names someone: one of its identity columns holds a
    value that is none of hers (an empty column names no one)."""
    return any(row.get(column) not in (None, "") and row[column] not in known.get(str(kind), ()) for column, kind in spec.identity_columns().items())


SEED, DOWN, UP = "seed", "down", "up"


@dataclass(frozen=True)
class Reach:
    """How the walk reached a row of the person: a seed (her identity matches), DOWN from
    a row of hers through `edge` at `depth`, or UP (a parent only her rows point at)."""

    how: str
    depth: int = 0
    edge: Edge | None = None


@dataclass
class Found:
    rows: dict[str, dict[Key, dict[str, Any]]] = field(default_factory=dict)  # hers, and the dependent rows of others
    reach: dict[str, dict[Key, Reach]] = field(default_factory=dict)
    dependent: dict[str, set[Key]] = field(default_factory=dict)  # rows of others below hers (also in rows)
    reference: dict[str, dict[Key, dict[str, Any] | None]] = field(default_factory=dict)  # shared/lookup rows hers point at (values when asked for)

    def owned(self, name: str) -> set[Key]:
        """Her own rows of the table (the dependent rows of others left out)."""
        return set(self.rows.get(name, ())) - self.dependent.get(name, set())

    def tables(self) -> list[str]:
        return [name for name, rows in self.rows.items() if rows]


class Collector:
    """The walk, one query per table per round. With flags_at, every row of hers also
    carries whether it is under legal hold then and whether a side table restricts it,
    computed by the same query (no second query per table). With context, the shared
    and lookup rows hers point at are read too (for an access export)."""

    def __init__(
        self, ctx: Context, conn: Connection, lock: bool = False, flags_at: dt.datetime | None = None, context: bool = False
    ):
        self.ctx = ctx
        self.conn = conn
        self.lock = lock and conn.dialect.name != "sqlite"
        self.flags_at = flags_at
        self.context = context
        self.queries = 0
        # SQLite runs in-process: there SQLAlchemy's per-statement work is most of an
        # access request's cost, so its plain reads go out as SQL text (RawSQL.select).
        self.raw = RawSQL(conn) if conn.dialect.name == "sqlite" else None
        tables = ctx.datamap.tables
        self.persons = {name for name, spec in tables.items() if spec.identity_columns()}
        self.down = [e for e in ctx.links if e.walk == "follow" and tables[e.child].role == "person"]
        self.up = [e for e in ctx.links if e.walk == "follow" and e.parent not in self.persons and e.child != e.parent]
        self.pointers = [e for e in ctx.links if e.walk in ("follow", "reference") and e.child != e.parent]
        self.found = Found()
        self._seen: dict[str, set[Key]] = {}  # every key read, hers or not: never read twice
        self._hers: dict[Edge, set[tuple]] = {}

    def run(self, identity: Mapping[str, str]) -> Found:
        found = self.found
        seeds: dict[str, list[tuple[tuple[str, ...], list]]] = {}
        for kind, value in identity.items():
            variants = identity_variants(kind, value)
            for table_name, column in self.ctx.datamap.identity_columns(kind):
                seeds.setdefault(table_name, []).append(((column,), variants))
        frontier: dict[str, set[Key]] = {}
        for name, rows in self._fetch_round(seeds).items():
            for key, row in rows.items():
                self._own(name, key, row, Reach(SEED))
                frontier.setdefault(name, set()).add(key)
        self.known = known_identities(self.ctx.datamap, identity, found.rows)
        depth = 0
        while frontier:  # DOWN: the rows below hers
            depth += 1
            wanted: dict[str, list[tuple[tuple[str, ...], list]]] = {}
            offered: list[tuple[Edge, set[tuple]]] = []
            for edge in self.down:
                keys = frontier.get(edge.parent)
                if not keys:
                    continue
                values = self._values(edge.parent, keys, edge.parent_cols)
                offered.append((edge, values))
                if self.ctx.is_unique(edge.child, edge.child_cols):
                    # One row per value: the rows already read need no second query.
                    values = values - {tuple(r[c] for c in edge.child_cols) for r in found.rows.get(edge.child, {}).values()}
                self._want(wanted, edge.child, edge.child_cols, values)
            frontier = {}
            for name, rows in self._fetch_round(wanted).items():
                for key, row in rows.items():
                    into = [e for e, values in offered if e.child == name]
                    # The database's equality may be wider than Python's (a case-insensitive collation).
                    edge = next((e for e, values in offered if e.child == name and tuple(row[c] for c in e.child_cols) in values), into[0])
                    self._own(name, key, row, Reach(DOWN, depth, edge))
                    if name in self.persons and names_someone(self.ctx.datamap.tables[name], row, self.known):
                        # Another person's row below hers (someone she shared her wish list
                        # with): a dependent row of others, and the walk goes no further.
                        found.dependent.setdefault(name, set()).add(key)
                        continue
                    frontier.setdefault(name, set()).add(key)
        self._mark_dependents()
        self._walk_up()
        self._point_at_references()
        return found

    def _own(self, name: str, key: Key, row: dict[str, Any], reach: Reach) -> None:
        self.found.rows.setdefault(name, {})[key] = row
        self.found.reach.setdefault(name, {})[key] = reach

    def _values(self, name: str, keys: Iterable[Key], columns: tuple[str, ...]) -> set[tuple]:
        """The values the rows hold in the columns (a foreign key's or its target's), NULLs left out."""
        rows = self.found.rows.get(name, {})
        return {v for v in (tuple(rows[k][c] for c in columns) for k in keys) if None not in v}

    def _want(self, wanted: dict, name: str, columns: tuple[str, ...], values: Iterable[tuple]) -> None:
        values = sorted(values, key=repr)
        for chunk in _chunks(values):
            wanted.setdefault(name, []).append((tuple(columns), [v[0] for v in chunk] if len(columns) == 1 else chunk))

    def _mark_dependents(self) -> None:
        """Rows below hers that also point at a row of another person (by a key the map does
        not ignore), and the rows below those: dependent rows of others."""
        found = self.found
        below = sorted(((r.depth, name, key) for name, reach in found.reach.items() for key, r in reach.items() if r.how == DOWN), key=lambda t: t[0])
        for depth, name, key in below:
            if key in found.dependent.get(name, ()):
                continue
            row = found.rows[name][key]
            dependent = self._points_at_someone(name, row)
            edge = found.reach[name][key].edge
            if not dependent and found.dependent.get(edge.parent):
                dependent = tuple(row[c] for c in edge.child_cols) in self._values(edge.parent, found.dependent[edge.parent], edge.parent_cols)
            if dependent:
                found.dependent.setdefault(name, set()).add(key)

    def _walk_up(self) -> None:
        """UP: a parent of her rows is hers when no row outside hers points at it."""
        found = self.found
        new = {name: found.owned(name) for name in found.rows}
        for _ in range(50):  # a chain of parents; 50 is far more than any schema has
            wanted: dict[str, list[tuple[tuple[str, ...], list]]] = {}
            for edge in self.up:
                keys = new.get(edge.child)
                if not keys:
                    continue
                values = self._values(edge.child, keys, edge.child_cols)
                values -= {tuple(r[c] for c in edge.parent_cols) for r in found.rows.get(edge.parent, {}).values()}
                self._want(wanted, edge.parent, edge.parent_cols, values)
            if not wanted:
                return
            new = {}
            for name, conditions in wanted.items():
                for key, row in self._fetch_parents(name, conditions).items():
                    shared = row.pop(FLAG_SHARED)
                    if shared or self._points_at_someone(name, row):
                        found.reference.setdefault(name, {})[key] = self._context_row(name, row)
                    else:
                        found.reference.get(name, {}).pop(key, None)  # shared before, hers now that more of hers is known
                        self._own(name, key, row, Reach(UP))
                        new.setdefault(name, set()).add(key)
        raise ConnectorError("the walk up from the person's rows did not end; check the map's relationships for a cycle")

    def _points_at_someone(self, name: str, row: Mapping[str, Any]) -> bool:
        """The row points, by a key the map does not ignore, at a row of a table of persons
        that is not hers (another customer's review that only her vote points at)."""
        for edge in self.pointers:
            if edge.child == name and edge.parent in self.persons:
                value = tuple(row[c] for c in edge.child_cols)
                if None in value:
                    continue
                if edge not in self._hers:  # her rows of a table of persons are all known before this is asked
                    self._hers[edge] = self._values(edge.parent, self.found.owned(edge.parent), edge.parent_cols)
                if value not in self._hers[edge]:
                    return True
        return False

    def _fetch_parents(self, name: str, conditions: list[tuple[tuple[str, ...], list]]) -> dict[Key, dict[str, Any]]:
        """The parent rows wanted, each flagged whether a row outside hers points at it."""
        referrers = self._referrers(name)
        shape = tuple(columns for columns, _ in conditions)
        cache = self.ctx.metadata.info.setdefault("pv_parents", {})
        spec = self.ctx.datamap.tables[name]
        key = (name, shape, self.lock, self.flags_at is not None, repr(spec.legal_hold), repr(spec.restriction), len(referrers))
        if key not in cache:
            table = self.ctx.table(name)
            outside = []
            for i, (child, pairs, pk) in enumerate(referrers):
                other = child.alias(f"pv_ref{i}")  # an alias: the child may be the table itself
                match = [other.c[c] == table.c[p] for c, p in pairs]
                if pk:
                    target = other.c[pk[0]] if len(pk) == 1 else sa.tuple_(*(other.c[c] for c in pk))
                    match.append(target.not_in(sa.bindparam(f"x{i}", expanding=True)))
                outside.append(sa.exists().where(*match))
            shared = sa.case((sa.or_(*outside), 1), else_=0) if outside else sa.literal(0)
            cache[key] = self._select(name, shape, shared.label(FLAG_SHARED))
        params = self._params(name, conditions)
        for i, (child, pairs, pk) in enumerate(referrers):
            if pk:
                rows = self.found.rows.get(child.name, {})
                mine = self.found.owned(child.name)
                params[f"x{i}"] = [k[0] if len(k) == 1 else k for k in sorted(mine, key=repr)] if rows else []
        return self._read(name, cache[key], params, again=True)

    def _referrers(self, name: str) -> list[tuple[sa.Table, list[tuple[str, str]], list[str]]]:
        """Every foreign key of any table (in the map or not; the map's relationships too)
        that points at the table: (child, [(its column, the parent's column)], the child's
        primary key when it is in the map, so her own rows can be left out)."""
        table = self.ctx.table(name)
        found = []
        for child, pairs in references_to(self.ctx.metadata, table, include_self=True):
            in_map = child.name in self.ctx.datamap.tables
            found.append((child, pairs, [c.name for c in self.ctx.pk(child.name)] if in_map else []))
        for edge in self.ctx.links:
            if edge.parent == name and not edge.declared:
                child = self.ctx.table(edge.child)
                found.append((child, list(zip(edge.child_cols, edge.parent_cols)), [c.name for c in self.ctx.pk(edge.child)]))
        return found

    def _point_at_references(self) -> None:
        """The shared and lookup rows her rows (and the dependent rows) point at, by keys the
        map does not ignore; rows of other persons are left out entirely."""
        found = self.found
        wanted: dict[str, list[tuple[tuple[str, ...], list]]] = {}
        for edge in self.pointers:
            rows = found.rows.get(edge.child)
            if not rows or edge.parent in self.persons:
                continue
            values = {tuple(r[c] for c in edge.child_cols) for r in rows.values()}
            values -= {tuple(r[c] for c in edge.parent_cols) for r in found.rows.get(edge.parent, {}).values()}
            values = {v for v in values if None not in v}
            pk = [c.name for c in self.ctx.pk(edge.parent)]
            if not self.context and list(edge.parent_cols) == pk:
                for value in values:  # the keys are the values: nothing to read
                    found.reference.setdefault(edge.parent, {}).setdefault(value, None)
                continue
            known = {tuple(r[c] for c in edge.parent_cols) for r in found.reference.get(edge.parent, {}).values() if r is not None}
            self._want(wanted, edge.parent, edge.parent_cols, values - known)
        for name, conditions in wanted.items():
            for key, row in self._fetch_round({name: conditions}).get(name, {}).items():
                found.reference.setdefault(name, {})[key] = self._context_row(name, row)

    def _context_row(self, name: str, row: dict[str, Any]) -> dict[str, Any] | None:
        """What an access export shows of a row that is not hers: a lookup table's row as
        it is; of a shared row, the columns the map does not mark as personal data."""
        if not self.context:
            return None
        spec = self.ctx.datamap.tables[name]
        if spec.role == "reference":
            return row
        return {k: v for k, v in row.items() if k not in spec.columns and not k.startswith("_pv_")}

    # -------------------------------------------------------------- reading

    def _select(self, name: str, shape: tuple[tuple[str, ...], ...], *extra_columns) -> sa.Select:
        """SELECT of the table's rows matching any of the IN lists in `shape` (one per column
        tuple, expanding parameters), with the hold and restriction flags when asked for."""
        spec = self.ctx.datamap.tables[name]
        table = self.ctx.table(name)
        conditions = []
        for i, columns in enumerate(shape):
            param = sa.bindparam(f"k{i}", expanding=True)
            target = table.c[columns[0]] if len(columns) == 1 else sa.tuple_(*(table.c[c] for c in columns))
            conditions.append(target.in_(param))
        extra = list(extra_columns)
        side = spec.restriction.side_table if spec.restriction else None
        if self.flags_at is not None:
            held = hold_clause(self.ctx.datamap, self.ctx.metadata, table, None)
            if held is not None:
                extra.append(sa.case((held, 1), else_=0).label(FLAG_HELD))
            if side:
                clause = restricted_clause(self.ctx.datamap, self.ctx.metadata, table)
                extra.append(sa.case((clause, 1), else_=0).label(FLAG_RESTRICTED) if clause is not None else sa.literal(0).label(FLAG_RESTRICTED))
        query = sa.select(table, *extra).where(sa.or_(*conditions))
        return query.with_for_update() if self.lock else query

    def _statement(self, name: str, shape: tuple[tuple[str, ...], ...]) -> sa.Select:
        """_select built once per table and shape and reused, so a request does not pay for
        building and hashing statements."""
        spec = self.ctx.datamap.tables[name]
        flags = self.flags_at is not None
        side = spec.restriction.side_table if spec.restriction else None
        key = (name, shape, self.lock, flags, flags and repr(spec.legal_hold), flags and side, side in self.ctx.metadata.tables)
        cache = self.ctx.metadata.info.setdefault("pv_collect", {})
        if key not in cache:
            cache[key] = self._select(name, shape)
        return cache[key]

    def _params(self, name: str, conditions: list[tuple[tuple[str, ...], list]]) -> dict[str, Any]:
        params: dict[str, Any] = {f"k{i}": values for i, (_, values) in enumerate(conditions)}
        hold = self.ctx.datamap.tables[name].legal_hold
        if self.flags_at is not None and hold is not None:
            params[HOLD_CUTOFF] = hold.cutoff(self.flags_at).replace(tzinfo=None)
        return params

    def _read(self, name: str, statement: sa.Select, params: dict[str, Any], again: bool = False) -> dict[Key, dict[str, Any]]:
        """Run a collecting statement: the rows not read before (again: all), by primary key."""
        self.queries += 1
        result = self.conn.execute(statement, params)
        names, rows = list(result.keys()), result.all()  # plain tuples: cheaper than a RowMapping per row
        return self._new_rows(name, names, rows, again)

    def _new_rows(self, name: str, names: list[str], rows: list, again: bool = False) -> dict[Key, dict[str, Any]]:
        at = [names.index(c.name) for c in self.ctx.pk(name)]
        seen = self._seen.setdefault(name, set())
        new: dict[Key, dict[str, Any]] = {}
        for values in rows:
            key = tuple(values[i] for i in at)
            if again or key not in seen:
                seen.add(key)
                new[key] = dict(zip(names, values))
        return new

    def _fetch_round(self, wanted: dict[str, list[tuple[tuple[str, ...], list]]]) -> dict[str, dict[Key, dict[str, Any]]]:
        """One query per table: the rows matching any of its IN lists, not read before."""
        fetched: dict[str, dict[Key, dict[str, Any]]] = {}
        for name, conditions in wanted.items():
            if self.raw is not None and self.flags_at is None and not self.lock:
                self.queries += 1
                names, rows = self.raw.select(self.ctx.table(name), conditions)
                fetched[name] = self._new_rows(name, names, rows)
            else:
                shape = tuple(columns for columns, _ in conditions)
                fetched[name] = self._read(name, self._statement(name, shape), self._params(name, conditions))
        return fetched
