"""The erasure plan: what an erasure will do to each table, known before its first write,
and the refusal when the collateral guard or the size limit stops it.

The plan holds tables, primary keys and counts, never column values, so the web page,
the command line and the audit trail can show it as it is. A dry run returns exactly
the plan the real run would carry out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from personvern.connectors.datamap import Edge, is_flag
from personvern.connectors.engine import ConnectorError
from personvern.connectors.rawsql import RawSQL, references_to
from personvern.connectors.walk import DOWN, known_identities, FLAG_HELD, FLAG_RESTRICTED, SEED, UP, Context, Found, Key, _chunks, identity_variants


@dataclass
class TablePlan:
    """One table's part of the plan. Every list holds primary keys (tuples), sorted."""

    table: str
    delete: list[Key] = field(default_factory=list)  # the person's rows to delete (masked instead if a row outside the map still points at one)
    mask: list[Key] = field(default_factory=list)  # the person's rows kept with `mask_columns` masked (the table's erasure is mask)
    kept_referenced: list[Key] = field(default_factory=list)  # the person's rows of a delete_row table masked instead: rows that stay point at them
    mask_columns: list[str] = field(default_factory=list)
    held: list[Key] = field(default_factory=list)  # kept under legal hold, `held_columns` masked
    held_columns: list[str] = field(default_factory=list)
    restricted: list[Key] = field(default_factory=list)  # the person's rows left untouched: restricted, or owned by a restricted row
    dependent_kept: list[Key] = field(default_factory=list)  # rows of others below hers, left alone (her row above them is masked)
    dependent_deleted: list[Key] = field(default_factory=list)  # rows of others below a row of hers that must go, deleted with it
    reference: list[Key] = field(default_factory=list)  # shared or lookup rows her rows point at: never touched

    @property
    def touched(self) -> int:
        """Rows this plan writes to (deletes or masks)."""
        return len(self.delete) + len(self.mask) + len(self.kept_referenced) + len(self.held) + len(self.dependent_deleted)

    def counts(self) -> dict[str, int]:
        names = ("delete", "mask", "kept_referenced", "held", "restricted", "dependent_kept", "dependent_deleted", "reference")
        return {name: len(getattr(self, name)) for name in names if getattr(self, name)}


@dataclass
class ErasurePlan:
    tables: dict[str, TablePlan]  # in the map's order
    max_rows: int  # the map's limits.max_rows
    confirmed: bool = False  # the caller passed confirm_large=True

    @property
    def touched(self) -> int:
        return sum(t.touched for t in self.tables.values())

    @property
    def needs_confirmation(self) -> bool:
        return self.touched > self.max_rows

    @property
    def dependent_rows_of_others(self) -> dict[str, int]:
        """Rows of other people that hang below the person's rows, kept or deleted with them."""
        return {n: len(t.dependent_kept) + len(t.dependent_deleted) for n, t in self.tables.items() if t.dependent_kept or t.dependent_deleted}

    def summary(self) -> dict[str, Any]:
        """Tables and counts (no keys, no values): for the audit trail and a short report."""
        return {
            "touched": self.touched,
            "max_rows": self.max_rows,
            "needs_confirmation": self.needs_confirmation,
            "tables": {name: t.counts() for name, t in self.tables.items() if t.counts()},
        }


@dataclass(frozen=True)
class Collateral:
    """Rows a refused plan would have hit that the guard could not prove to be the person's."""

    table: str
    count: int
    why: str


class ErasureRefused(ConnectorError):
    """The erasure was refused before any write: the plan would touch rows it cannot prove
    to be the person's (`collateral`), or is larger than the map's limit and was not
    confirmed. Nothing was changed."""

    def __init__(self, plan: ErasurePlan, collateral: list[Collateral] | None = None):
        self.plan = plan
        self.collateral = list(collateral or [])
        if self.collateral:
            lines = [f"{c.table}: {c.count} row(s): {c.why}" for c in self.collateral]
            message = "erasure refused, nothing was changed: the plan would touch rows that are not provably the person's:\n  " + "\n  ".join(lines)
        else:
            message = (
                f"erasure refused, nothing was changed: the plan touches {plan.touched} rows, more than the map's "
                f"limits.max_rows ({plan.max_rows}); check the plan and confirm it (confirm_large=True)"
            )
        super().__init__(message)

    @property
    def reason(self) -> str:
        return "collateral" if self.collateral else "confirmation"


# ------------------------------------------------------------------ planning


def build_plan(ctx: Context, found: Found, now: dt.datetime, *, include_restricted: bool = False, confirmed: bool = False) -> ErasurePlan:
    """What erasure will do to each row the walk found, before any write.

    Her rows: held rows keep the hold's columns; restricted rows (and the rows they own,
    below and above) are left alone; the rest are deleted or masked as the table says. A
    row of hers that a kept row still points at (by a key the database enforces and that
    cannot be set to NULL) is masked instead of deleted. Dependent rows of others are left
    alone and keep the row of hers above them (masked), unless that row must go: its table
    deletes rows and masks nothing, so there is nothing to keep it as."""
    datamap = ctx.datamap
    held: dict[str, set[Key]] = {}
    restricted: dict[str, set[Key]] = {}
    for name in found.tables():
        mine = {k: r for k, r in found.rows[name].items() if k not in found.dependent.get(name, ())}
        held[name] = _held_from_rows(ctx, found, name, mine, now)
        if held[name] is None:  # values Python cannot compare: the query's own flag
            held[name] = {k for k, r in mine.items() if r.get(FLAG_HELD)}
        restricted[name] = set() if include_restricted else _restricted_from_rows(ctx, name, mine)
    _spread_restriction(ctx, found, restricted)
    plans = {name: TablePlan(name) for name in datamap.tables if name in found.rows or name in found.reference}
    delete: dict[str, set[Key]] = {}
    kept: dict[str, set[Key]] = {}  # her rows that stay: masked, held, restricted
    moved: dict[str, set[Key]] = {}  # delete_row rows kept because kept rows point at them
    dependent_kept = {name: set(keys) for name, keys in found.dependent.items()}
    dependent_deleted: dict[str, set[Key]] = {}
    for name in found.tables():
        rest = found.owned(name) - held[name] - restricted[name]
        (delete if datamap.tables[name].erasure == "delete_row" else kept).setdefault(name, set()).update(rest)
        kept.setdefault(name, set()).update(held[name] | restricted[name])
    links = [e for e in ctx.links if e.walk != "ignore" or e.declared]
    changed = True
    while changed:
        changed = False
        for edge in links:
            doomed = delete.get(edge.parent, set()) | dependent_deleted.get(edge.parent, set())
            if not doomed:
                continue
            parents = found.rows[edge.parent]
            doomed_at = {tuple(parents[k][c] for c in edge.parent_cols): k for k in doomed}
            children = found.rows.get(edge.child, {})
            for key in list(dependent_kept.get(edge.child, ())):
                parent = doomed_at.get(tuple(children[key][c] for c in edge.child_cols))
                if parent is None:
                    continue
                if parent in dependent_deleted.get(edge.parent, ()) or _must_go(ctx, edge.parent):
                    dependent_kept[edge.child].discard(key)
                    dependent_deleted.setdefault(edge.child, set()).add(key)
                else:
                    _keep(delete, moved, edge.parent, parent)
                changed = True
            if not edge.declared:
                continue  # the database does not hold a kept row to a relationship the map adds
            for key in kept.get(edge.child, set()) | moved.get(edge.child, set()):
                parent = doomed_at.get(tuple(children[key][c] for c in edge.child_cols))
                if parent is None or parent in dependent_deleted.get(edge.parent, ()):
                    continue
                if key in restricted.get(edge.child, ()) or not _detachable(ctx, edge, key in held.get(edge.child, ())):
                    _keep(delete, moved, edge.parent, parent)
                    changed = True
    for name, table_plan in plans.items():
        spec = datamap.tables[name]
        ordered = lambda keys: sorted(keys, key=repr)  # noqa: E731
        table_plan.delete = ordered(delete.get(name, ()))
        table_plan.kept_referenced = ordered(moved.get(name, ()))
        table_plan.held = ordered(held.get(name, set()) - restricted.get(name, set()))
        table_plan.restricted = ordered(restricted.get(name, ()))
        table_plan.mask = ordered(kept.get(name, set()) - held.get(name, set()) - restricted.get(name, set()))
        table_plan.dependent_kept = ordered(dependent_kept.get(name, ()))
        table_plan.dependent_deleted = ordered(dependent_deleted.get(name, ()))
        table_plan.reference = ordered(found.reference.get(name, ()))
        if table_plan.mask or table_plan.kept_referenced:
            table_plan.mask_columns = sorted(spec.masked_columns())
        if table_plan.held:
            table_plan.held_columns = sorted(spec.masked_columns(held=True))
    return ErasurePlan(plans, datamap.limits.max_rows, confirmed)


def _keep(delete: dict[str, set[Key]], moved: dict[str, set[Key]], name: str, key: Key) -> None:
    delete[name].discard(key)
    moved.setdefault(name, set()).add(key)


def _must_go(ctx: Context, name: str) -> bool:
    spec = ctx.datamap.tables[name]
    return spec.erasure == "delete_row" and not spec.masked_columns()


def _detachable(ctx: Context, edge: Edge, held: bool) -> bool:
    """A kept row lets go of a deleted parent: its foreign key can be set to NULL and a
    legal hold does not keep it."""
    spec = ctx.datamap.tables[edge.child]
    keep = set(spec.legal_hold.keep) if (held and spec.legal_hold) else set()
    table = ctx.table(edge.child)
    return all(table.c[c].nullable and c not in keep for c in edge.child_cols)


def _held_from_rows(ctx: Context, found: Found, name: str, rows: dict[Key, dict], now: dt.datetime) -> set[Key] | None:
    """Rows under legal hold, judged from the rows already collected (the hold's date is in
    the row or in its parent, which the walk has collected too). None: cannot tell here."""
    hold = ctx.datamap.tables[name].legal_hold
    if hold is None:
        return set()
    cutoff = hold.cutoff(now)
    if "." in hold.from_column:
        parent, column = hold.from_column.split(".", 1)
        edge = next((e for e in ctx.links if e.declared and e.child == name and e.parent == parent), None)
        if edge is None or parent not in found.rows:
            return None
        by_key = {tuple(r[c] for c in edge.parent_cols): r[column] for r in found.rows[parent].values()}
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


def _spread_restriction(ctx: Context, found: Found, restricted: dict[str, set[Key]]) -> None:
    """A restricted row protects the rows of hers that hang below it (deleting an order's
    lines would defeat the order's restriction) and the parents it owns (an address only
    the restricted order points at), and theirs in turn."""
    changed = True
    while changed:
        changed = False
        for edge in ctx.links:
            if edge.walk == "ignore" or edge.child == edge.parent:
                continue
            parents, children = found.rows.get(edge.parent), found.rows.get(edge.child)
            if not parents or not children:
                continue
            if restricted.get(edge.parent):
                values = {tuple(parents[k][c] for c in edge.parent_cols) for k in restricted[edge.parent]}
                for key in found.owned(edge.child) - restricted[edge.child]:
                    if tuple(children[key][c] for c in edge.child_cols) in values:
                        restricted[edge.child].add(key)
                        changed = True
            if restricted.get(edge.child):
                values = {tuple(children[k][c] for c in edge.child_cols) for k in restricted[edge.child]}
                for key in found.owned(edge.parent) - restricted[edge.parent]:
                    if found.reach[edge.parent][key].how == UP and tuple(parents[key][c] for c in edge.parent_cols) in values:
                        restricted[edge.parent].add(key)
                        changed = True


# --------------------------------------------------------------------- guard


def prove(
    conn: Connection, ctx: Context, plan: ErasurePlan, found: Found, identity: Mapping[str, str], raw: RawSQL | None = None
) -> list[Collateral]:
    """The collateral guard: what the plan would touch that its own queries cannot prove
    to be the person's (empty: the plan is safe).

    It takes the plan's claims (this row is a seed, hangs below that row, is a parent only
    hers point at) and checks each against the database, all in one UNION ALL query:
    a seed's identity column matches; a row below hers points, through that foreign key,
    at a row of the plan reached before it (so every chain ends at a seed), names no one
    in its identity columns, and points at no other person's row unless the plan says it
    is a dependent row of others; a parent of hers has no row outside the plan pointing
    at it and is not a row of a table of persons."""
    proof = _Proof(raw or RawSQL(conn))
    # Her identity values: the ones given and those of the seed rows, each proved below to match.
    seeds = {name: {k: r for k, r in rows.items() if found.reach[name][k].how == SEED} for name, rows in found.rows.items()}
    known = known_identities(ctx.datamap, identity, seeds)
    collateral: list[Collateral] = []
    persons = {name for name, spec in ctx.datamap.tables.items() if spec.identity_columns()}
    hers = {name: set(t.delete) | set(t.mask) | set(t.kept_referenced) | set(t.held) | set(t.restricted) for name, t in plan.tables.items()}
    for name, table_plan in plan.tables.items():
        touched = set(table_plan.delete) | set(table_plan.mask) | set(table_plan.kept_referenced) | set(table_plan.held)
        dependent = set(table_plan.dependent_deleted)
        if not touched and not dependent:
            continue
        table = ctx.table(name)
        pk = [c.name for c in ctx.pk(name)]
        if ctx.datamap.tables[name].role == "reference":
            collateral.append(Collateral(name, len(touched | dependent), "a reference table is never erased or masked"))
            continue
        reach = found.reach.get(name, {})
        unknown = [k for k in touched | dependent if k not in reach]
        if unknown:
            collateral.append(Collateral(name, len(unknown), "rows the walk did not reach"))
        by_how: dict[tuple, list[Key]] = {}
        for key in touched | dependent:
            if key in reach:
                r = reach[key]
                by_how.setdefault((r.how, r.depth, r.edge, key in dependent), []).append(key)
        for (how, depth, edge, is_dependent), keys in by_how.items():
            if how == SEED:
                proof.count(table, keys, pk, _identity_match(proof, ctx, table, identity), True, "planned as the person's own, but its identity does not match")
            elif how == UP:
                if name in persons:
                    collateral.append(Collateral(name, len(keys), "a row of a table of persons reached from below: another person"))
                    continue
                proof.count(table, keys, pk, _outside_points_at(proof, ctx, table, hers), False, "shared: rows outside the plan point at it")
                proof.count(table, keys, pk, _points_at_others(proof, ctx, table, hers, persons), False, "points at another person: not the person's own")
            else:
                if edge.walk != "follow":
                    collateral.append(Collateral(name, len(keys), f"reached through {edge.child}.{','.join(edge.child_cols)}, which the map does not follow"))
                    continue
                if not edge.declared and not ctx.is_unique(edge.parent, edge.parent_cols):
                    why = f"reached through {edge.child}.{','.join(edge.child_cols)} -> {edge.parent}.{','.join(edge.parent_cols)}, which is not unique in {edge.parent}: may belong to others"
                    collateral.append(Collateral(name, len(keys), why))
                    continue
                below = [k for k, r in found.reach.get(edge.parent, {}).items() if r.how in (SEED, DOWN) and r.depth < depth and k in hers.get(edge.parent, ())]
                below += [k for k in plan.tables[edge.parent].dependent_deleted if found.reach[edge.parent][k].depth < depth] if is_dependent and edge.parent in plan.tables else []
                proof.count(table, keys, pk, _hangs_below(proof, ctx, table, edge, below), True, f"does not hang below the person's rows of {edge.parent}")
                if not is_dependent and name in persons:
                    proof.count(table, keys, pk, _names_someone(proof, ctx, table, known), False, "a row of a table of persons that names someone else")
                if not is_dependent:  # the key it hangs by is proved above
                    proof.count(table, keys, pk, _points_at_others(proof, ctx, table, hers, persons, edge), False, "points at another person: not the person's own")
    collateral += proof.run()
    return collateral


class _Proof:
    """Counting queries, UNION ALL-ed into as few round trips as the parameter limit allows."""

    def __init__(self, raw: RawSQL):
        self.raw = raw
        self.parts: list[tuple[str, list, str, int, str]] = []  # sql, params, table, expected, why

    def count(self, table: sa.Table, keys: list[Key], pk: list[str], condition: tuple[str, list] | None, every: bool, why: str) -> None:
        """Count the rows among keys (alias pv_t) for which condition holds: it must hold for
        every one of them (every) or for none; the difference is collateral. A condition
        of None cannot hold: nothing to ask."""
        if condition is None:
            if every:
                raise ValueError("a condition that must hold cannot be left out")
            return
        condition_sql, condition_params = condition
        for chunk in _chunks(sorted(keys, key=repr)):
            params: list = []
            where = self.raw.where_in(table, pk, chunk, params, alias="pv_t")
            sql = f"SELECT {{what}} AS what, count(*) AS n FROM {self.raw.quote(table.name)} pv_t WHERE {where} AND ({condition_sql})"
            self.parts.append((sql, params + condition_params, table.name, len(chunk) if every else 0, why))

    def run(self) -> list[Collateral]:
        failures: dict[tuple[str, str], int] = {}
        batch: list[tuple[int, tuple]] = []
        size = 0

        def flush() -> None:
            nonlocal batch, size
            if not batch:
                return
            sql = " UNION ALL ".join(part[0].format(what=i) for i, part in batch)
            params = [p for _, part in batch for p in part[1]]
            got = {what: n for what, n in self.raw.run(sql, params)}
            for i, (_, _, name, expected, why) in batch:
                n = got.get(i, 0)
                wrong = abs(expected - n)
                if wrong:
                    failures[(name, why)] = failures.get((name, why), 0) + wrong
            batch, size = [], 0

        for i, part in enumerate(self.parts):
            if size + len(part[1]) > 30000:
                flush()
            batch.append((i, part))
            size += len(part[1])
        flush()
        return [Collateral(name, n, why) for (name, why), n in failures.items()]


def _identity_match(proof: _Proof, ctx: Context, table: sa.Table, identity: Mapping[str, str]) -> tuple[str, list]:
    raw, params, terms = proof.raw, [], []
    for column, kind in ctx.datamap.tables[table.name].identity_columns().items():
        if kind in identity:
            terms.append(raw.where_in(table, [column], [(v,) for v in identity_variants(kind, identity[kind])], params, alias="pv_t"))
    return (" OR ".join(terms) or "1 = 0"), params


def _names_someone(proof: _Proof, ctx: Context, table: sa.Table, known: Mapping[str, set]) -> tuple[str, list] | None:
    """An identity column holds a value that is none of hers (walk.names_someone in SQL)."""
    raw, params, terms = proof.raw, [], []
    for column, kind in ctx.datamap.tables[table.name].identity_columns().items():
        col = raw.col(table, column, "pv_t")
        text = isinstance(table.c[column].type, sa.String)
        term = f"{col} IS NOT NULL" + (f" AND {col} <> ''" if text else "")
        values = [(v,) for v in sorted(known.get(str(kind), ()), key=repr) if isinstance(v, str) == text]
        if values:
            term += f" AND NOT ({raw.where_in(table, [column], values, params, alias='pv_t')})"
        terms.append(f"({term})")
    return (" OR ".join(terms), params) if terms else None


def _hangs_below(proof: _Proof, ctx: Context, table: sa.Table, edge: Edge, parent_keys: list[Key]) -> tuple[str, list]:
    raw, params = proof.raw, []
    parent = ctx.table(edge.parent)
    pk = [c.name for c in ctx.pk(edge.parent)]
    match = " AND ".join(f"{raw.col(parent, p, 'pv_p')} = {raw.col(table, c, 'pv_t')}" for c, p in zip(edge.child_cols, edge.parent_cols))
    where = raw.where_in(parent, pk, parent_keys, params, alias="pv_p")
    return f"EXISTS (SELECT 1 FROM {raw.quote(parent.name)} pv_p WHERE {match} AND {where})", params


def _points_at_others(
    proof: _Proof, ctx: Context, table: sa.Table, hers: dict[str, set[Key]], persons: set[str], proved: Edge | None = None
) -> tuple[str, list] | None:
    """The row points, by a key the map does not ignore (other than `proved`), at a row of a
    table of persons that is not in the plan as hers. None: it has no such key."""
    raw, params, terms = proof.raw, [], []
    for edge in ctx.links:
        if edge.child != table.name or edge.parent not in persons or edge.walk == "ignore" or edge == proved:
            continue
        parent = ctx.table(edge.parent)
        pk = [c.name for c in ctx.pk(edge.parent)]
        match = " AND ".join(f"{raw.col(parent, p, 'pv_p')} = {raw.col(table, c, 'pv_t')}" for c, p in zip(edge.child_cols, edge.parent_cols))
        mine = sorted(hers.get(edge.parent, ()), key=repr)
        where = f" AND NOT ({raw.where_in(parent, pk, mine, params, alias='pv_p')})" if mine else ""
        terms.append(f"EXISTS (SELECT 1 FROM {raw.quote(parent.name)} pv_p WHERE {match}{where})")
    return (" OR ".join(terms), params) if terms else None


def _outside_points_at(proof: _Proof, ctx: Context, table: sa.Table, hers: dict[str, set[Key]]) -> tuple[str, list]:
    """A row of any table (the map's relationships included) that is not in the plan as hers
    points at the row."""
    raw, params, terms = proof.raw, [], []
    pointers = [(child, pairs) for child, pairs in references_to(ctx.metadata, table, include_self=True)]
    pointers += [(ctx.table(e.child), list(zip(e.child_cols, e.parent_cols))) for e in ctx.links if e.parent == table.name and not e.declared]
    for child, pairs in pointers:
        match = " AND ".join(f"{raw.col(child, c, 'pv_c')} = {raw.col(table, p, 'pv_t')}" for c, p in pairs)
        mine = sorted(hers.get(child.name, ()), key=repr) if child.name in ctx.datamap.tables else []
        pk = [c.name for c in ctx.pk(child.name)] if mine else []
        where = f" AND NOT ({raw.where_in(child, pk, mine, params, alias='pv_c')})" if mine else ""
        terms.append(f"EXISTS (SELECT 1 FROM {raw.quote(child.name)} pv_c WHERE {match}{where})")
    return (" OR ".join(terms) or "1 = 0"), params
