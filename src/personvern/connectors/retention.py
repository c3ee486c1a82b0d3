"""Retention enforced in the connected database: rows older than the register's period
are deleted or anonymised in small batches, each its own short transaction.

Resumable: every batch commits together with a checkpoint row in `pv_retention_runs`
(rule, cutoff, last primary key done, rows done). A run killed at any instant leaves
either the batch and its checkpoint or neither; the rerun continues after the last key
with the same cutoff, so no row is processed twice and none is missed. Keyset
pagination (primary key > last key) keeps every batch an index range, not an OFFSET."""

from __future__ import annotations

import datetime as dt
import json
import operator
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from personvern.connectors.datamap import (
    DataMap,
    _fk_between,
    check_against_schema,
    connection_collation,
    hold_clause,
    is_flag,
    primary_key,
    restricted_clause,
)
from personvern.connectors.engine import ConnectorError, _short, reflect
from personvern.connectors.execute import mask_values, unreferenced
from personvern.core.deadlines import add_months
from personvern.core.manifest import ConditionOp, RuleCondition, parse_duration

LEDGER = "pv_retention_runs"
BATCH_TARGET_SECONDS = 0.05  # a batch's transaction; row locks are held this long at most (plus noise)


@dataclass(frozen=True)
class SweepRule:
    """One retention rule for one table: the register's EnforcementRule plus the activity's
    period. Nothing of it becomes SQL text: the table, the timestamp column and every
    condition's column are looked up in the reflected schema before the sweep runs, and
    condition values are bound as parameters."""

    name: str
    table: str
    timestamp: str  # a column of the table, or parent_table.column through a foreign key
    period: str
    condition: tuple[RuleCondition, ...] = ()  # all must hold (AND)
    action: Literal["delete", "anonymise"] = "delete"
    where: str = ""  # the rule's place in the register, for errors: activities[3].retention.enforcement[0]

    def __post_init__(self):
        conditions = tuple(RuleCondition.model_validate(c) for c in self.condition)
        object.__setattr__(self, "condition", conditions)

    def at(self, field: str) -> str:
        """Where a problem is, for an error message."""
        return f"{self.where}.{field}" if self.where else f"rule {self.name}: {field}"


@dataclass
class Target:
    """A rule checked against the reflected schema: every name resolved to a real table or column."""

    table: sa.Table
    key: sa.Column
    stamp: Callable[[Any], sa.ColumnElement[bool]]  # cutoff -> "the timestamp is older"
    conditions: list[sa.ColumnElement[bool]]
    masks: dict


@dataclass
class RuleOutcome:
    rule: str
    table: str
    action: str
    cutoff: dt.datetime
    rows: int = 0  # deleted or anonymised in this run (a dry run: would be)
    batches: int = 0
    max_batch_seconds: float = 0.0
    batch_seconds: list[float] = field(default_factory=list, repr=False)
    resumed_rows: int = 0  # done by an interrupted earlier run of the same cutoff
    kept_held: int = 0
    kept_restricted: int = 0
    error: str | None = None


@dataclass
class SweepResult:
    dry_run: bool
    rules: list[RuleOutcome] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def counts(self) -> dict[str, int]:
        return {outcome.rule: outcome.rows for outcome in self.rules}


def rules_from_register(register, connection: str) -> list[SweepRule]:
    """The sweep rules of one connection from a register (core.manifest.Register)."""
    rules = []
    for a, activity in enumerate(register.activities):
        retention = activity.retention
        if retention is None or retention.period is None:
            continue
        for i, enforcement in enumerate(retention.enforcement):
            if enforcement.connection != connection:
                continue
            suffix = f"-{i + 1}" if len(retention.enforcement) > 1 else ""
            rules.append(
                SweepRule(
                    name=f"{activity.id}{suffix}",
                    table=enforcement.table,
                    timestamp=enforcement.timestamp,
                    period=retention.period,
                    condition=tuple(enforcement.condition),
                    action=enforcement.action,
                    where=f"activities[{a}].retention.enforcement[{i}]",
                )
            )
    return rules


def cutoff_for(period: str, now: dt.datetime) -> dt.datetime:
    """now minus an ISO 8601 duration, months counted as calendar months."""
    try:
        parts = parse_duration(period)
    except ValueError:
        raise ConnectorError(f"'{period}' is not an ISO 8601 duration such as P12M, P7D or P15Y") from None
    day = add_months(now.date(), -(12 * parts.get("years", 0) + parts.get("months", 0)))
    moved = dt.datetime.combine(day, now.time(), now.tzinfo)
    return moved - dt.timedelta(
        weeks=parts.get("weeks", 0),
        days=parts.get("days", 0),
        hours=parts.get("hours", 0),
        minutes=parts.get("minutes", 0),
        seconds=parts.get("seconds", 0),
    )


def ledger_table(metadata: sa.MetaData, **dialect_options) -> sa.Table:
    if LEDGER in metadata.tables:
        return metadata.tables[LEDGER]
    return sa.Table(
        LEDGER,
        metadata,
        sa.Column("rule", sa.String(191), primary_key=True),
        sa.Column("cutoff", sa.DateTime, nullable=False),
        sa.Column("last_key", sa.String(500)),
        sa.Column("rows_done", sa.BigInteger, nullable=False, default=0),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        **dialect_options,
    )


class Sweeper:
    def __init__(self, engine: Engine, datamap: DataMap | None, now: dt.datetime, hash_key: bytes | None):
        self.engine = engine
        self.datamap = datamap or DataMap()
        self.now = now
        self.hash_key = hash_key
        self.metadata = reflect(engine)

    def ledger(self) -> sa.Table:
        if LEDGER not in self.metadata.tables:
            ledger_table(self.metadata, **connection_collation(self.engine)).create(self.engine, checkfirst=True)
        return self.metadata.tables[LEDGER]

    # ------------------------------------------------------------ check

    def prepare(self, rule: SweepRule) -> Target:
        """The rule resolved against the reflected schema, or ConnectorError naming every
        name that does not exist and every value that does not fit its column."""
        table = self.metadata.tables.get(rule.table)
        if table is None:
            raise ConnectorError(f"{rule.at('table')}: table '{rule.table}' does not exist in the database")
        problems: list[str] = []
        stamp = self.stamp(rule, table, problems)
        conditions = []
        for i, condition in enumerate(rule.condition):
            where = rule.at(f"condition[{i}]")
            column = table.c.get(condition.column)
            if column is None:
                problems.append(f"{where}.column: column '{condition.column}' does not exist in table {table.name}")
                continue
            try:
                conditions.append(condition_clause(column, condition))
            except ValueError as exc:
                problems.append(f"{where}.{'value' if condition.op in KNOWN_OPS else 'op'}: {exc}")
        if rule.table in self.datamap.tables:  # the hold and restriction clauses read the map's names
            own = (f"tables.{rule.table}:", f"tables.{rule.table}.")
            fits = check_against_schema(self.datamap, self.metadata, masks=rule.action == "anonymise")
            problems += [p for p in fits if p.startswith(own)]
        key = primary_key(self.datamap, table)
        if len(key) != 1:
            problems.append(f"{rule.at('table')}: '{rule.table}' needs a single-column primary key for batched sweeps")
        masks = {}
        if rule.action == "anonymise":
            spec = self.datamap.tables.get(rule.table)
            masks = spec.masked_columns() if spec else {}
            if not masks:
                problems.append(f"{rule.at('action')}: the rule anonymises '{rule.table}', but the dataset map names no columns of it to mask")
        if problems or stamp is None:
            raise ConnectorError("\n  ".join(problems))  # each with its place; one a line on the run page
        return Target(table, key[0], stamp, conditions, masks)

    def stamp(self, rule: SweepRule, table: sa.Table, problems: list[str]) -> Callable[[Any], sa.ColumnElement[bool]] | None:
        """'The row's timestamp is older than the cutoff', from its own column or from a
        parent row's column through the foreign key between them (as a legal hold's from_column)."""
        where = rule.at("timestamp")
        owner, name = table, rule.timestamp
        if "." in rule.timestamp:
            parent_name, name = rule.timestamp.split(".", 1)
            owner = self.metadata.tables.get(parent_name)
            if owner is None:
                problems.append(f"{where}: table '{parent_name}' does not exist in the database")
                return None
        column = owner.c.get(name)
        if column is None:
            problems.append(f"{where}: column '{name}' does not exist in table {owner.name}")
            return None
        if _python_type(column) not in (dt.date, dt.datetime, None):
            problems.append(f"{where}: column {owner.name}.{name} is {column.type}, not a date or time")
        if owner is table:
            return lambda cutoff: column < _cutoff_param(cutoff)
        fk = _fk_between(table, owner)
        if fk is None:
            problems.append(f"{where}: no foreign key from {table.name} to {owner.name}")
            return None
        join = sa.and_(*(owner.c[e.column.name] == table.c[c.name] for c, e in zip(fk.columns, fk.elements)))
        return lambda cutoff: sa.exists().where(join, column < _cutoff_param(cutoff))

    # ------------------------------------------------------------ clauses

    def due(self, target: Target, cutoff: dt.datetime) -> list[sa.ColumnElement[bool]]:
        """Older than the cutoff and meeting every condition of the rule."""
        return [target.stamp(cutoff), *target.conditions]

    def expired(self, rule: SweepRule, target: Target, cutoff: dt.datetime) -> list[sa.ColumnElement[bool]]:
        """Conditions for rows due: older than the cutoff, matching the rule's conditions,
        not under legal hold, not restricted, and for deletion not referenced."""
        table = target.table
        conditions = self.due(target, cutoff)
        hold = hold_clause(self.datamap, self.metadata, table, self.now) if rule.table in self.datamap.tables else None
        if hold is not None:
            conditions.append(~hold)
        restricted = restricted_clause(self.datamap, self.metadata, table) if rule.table in self.datamap.tables else None
        if restricted is not None:
            conditions.append(~restricted)
        if rule.action == "delete":
            conditions += unreferenced(self.metadata, table)
        else:
            still = self.identifying(target)
            if still is not None:
                conditions.append(still)
        return conditions

    def identifying(self, target: Target) -> sa.ColumnElement[bool] | None:
        """True for rows whose masked columns still hold something (so a rerun skips the
        rows already anonymised; keyed-hash columns cannot be told apart, the ledger covers them)."""
        checks = []
        table = target.table
        for name, erasure in target.masks.items():
            if erasure.action == "set_null":
                checks.append(table.c[name].is_not(None))
            elif erasure.action == "fixed":
                checks.append(sa.or_(table.c[name].is_(None), table.c[name] != erasure.value))
        return sa.or_(*checks) if checks else None

    def count(self, table: sa.Table, conditions: Iterable) -> int:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(table).where(*conditions)).scalar_one()

    def kept_counts(self, rule: SweepRule, target: Target, cutoff: dt.datetime, outcome: RuleOutcome) -> None:
        table, base = target.table, self.due(target, cutoff)
        if rule.table in self.datamap.tables:
            hold = hold_clause(self.datamap, self.metadata, table, self.now)
            if hold is not None:
                outcome.kept_held = self.count(table, base + [hold])
            restricted = restricted_clause(self.datamap, self.metadata, table)
            if restricted is not None:
                outcome.kept_restricted = self.count(table, base + [restricted])

    # ---------------------------------------------------------------- run

    def start(self, rule: SweepRule, cutoff: dt.datetime) -> tuple[dt.datetime, Any, int]:
        """(cutoff, last key, rows done) to continue from: an interrupted run resumes with
        its own cutoff; otherwise a new run starts."""
        ledger = self.ledger()
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(ledger).where(ledger.c.rule == rule.name)).mappings().first()
            if row and row["status"] == "running":
                last = json.loads(row["last_key"]) if row["last_key"] else None
                return row["cutoff"], last, row["rows_done"]
            values = {"cutoff": cutoff.replace(tzinfo=None), "last_key": None, "rows_done": 0, "status": "running", "updated_at": self.now}
            if row:
                conn.execute(sa.update(ledger).where(ledger.c.rule == rule.name).values(values))
            else:
                conn.execute(sa.insert(ledger).values(rule=rule.name, **values))
        return cutoff.replace(tzinfo=None), None, 0

    def run_rule(
        self, rule: SweepRule, target: Target, batch_size: int, dry_run: bool, progress: Callable[[str, int], None] | None
    ) -> RuleOutcome:
        table, pk, masks = target.table, target.key, target.masks
        cutoff = cutoff_for(rule.period, self.now)
        outcome = RuleOutcome(rule.name, rule.table, rule.action, cutoff)
        if dry_run:
            outcome.rows = self.count(table, self.expired(rule, target, cutoff))
            self.kept_counts(rule, target, cutoff, outcome)
            return outcome
        ledger = self.ledger()
        size = min(batch_size, 500)  # grows while batches stay well under the target
        while True:
            run_cutoff, last, done_before = self.start(rule, cutoff)
            outcome.resumed_rows += done_before
            conditions = self.expired(rule, target, run_cutoff)
            while True:
                started = time.perf_counter()
                with self.engine.begin() as conn:
                    # The batch is a key range: the next `batch_size` due keys after the last
                    # one done. Statements then bind two keys, not thousands.
                    window = sa.select(pk).where(*conditions)
                    if last is not None:
                        window = window.where(pk > last)
                    window = window.order_by(pk).limit(size).subquery()
                    upper = conn.execute(sa.select(sa.func.max(window.c[pk.name]))).scalar()
                    if upper is None:
                        conn.execute(sa.update(ledger).where(ledger.c.rule == rule.name).values(status="done", updated_at=self.now))
                        break
                    in_batch = [pk <= upper, *conditions] + ([pk > last] if last is not None else [])
                    if rule.action == "delete":
                        count = conn.execute(sa.delete(table).where(*in_batch)).rowcount
                    else:
                        hashed = any(e.action == "keyed_hash" for e in masks.values())
                        rows = conn.execute(sa.select(table).where(*in_batch)).mappings().all() if hashed else []
                        values = mask_values(table, masks, rows, self.hash_key)
                        count = conn.execute(sa.update(table).where(*in_batch).values(values)).rowcount
                    last = upper
                    conn.execute(
                        sa.update(ledger)
                        .where(ledger.c.rule == rule.name)
                        .values(last_key=json.dumps(_plain(last)), rows_done=ledger.c.rows_done + count, updated_at=self.now)
                    )
                took = time.perf_counter() - started
                outcome.rows += count
                outcome.batches += 1
                outcome.batch_seconds.append(took)
                outcome.max_batch_seconds = max(outcome.max_batch_seconds, took)
                # Keep each transaction (and the locks it holds) near the target duration.
                if took > BATCH_TARGET_SECONDS:
                    size = max(1, size // 2)
                elif took < BATCH_TARGET_SECONDS / 2:
                    size = min(batch_size, size * 2)
                if progress:
                    progress(rule.name, outcome.rows)
            if run_cutoff >= cutoff.replace(tzinfo=None):
                break  # a resumed older run is finished; go on with today's cutoff
        self.kept_counts(rule, target, cutoff, outcome)
        return outcome


KNOWN_OPS = frozenset(ConditionOp)  # StrEnum: holds the plain strings too
COMPARISONS = {
    ConditionOp.EQ: operator.eq,
    ConditionOp.NE: operator.ne,
    ConditionOp.LT: operator.lt,
    ConditionOp.LE: operator.le,
    ConditionOp.GT: operator.gt,
    ConditionOp.GE: operator.ge,
}


def condition_clause(column: sa.Column, condition: RuleCondition) -> sa.ColumnElement[bool]:
    """The condition as SQLAlchemy: the reflected column compared with bound values.
    Checks the operator and the value's shape again, for a rule not built by the register."""
    op = condition.op
    if op in (ConditionOp.IS_NULL, ConditionOp.IS_NOT_NULL):
        return column.is_(None) if op == ConditionOp.IS_NULL else column.is_not(None)
    if op in (ConditionOp.IN, ConditionOp.NOT_IN):
        if not isinstance(condition.value, (list, tuple)) or not condition.value:
            raise ValueError(f"{op} needs a list of values")
        values = [column_value(column, v) for v in condition.value]
        return column.in_(values) if op == ConditionOp.IN else column.not_in(values)
    if op not in COMPARISONS:
        raise ValueError(f"'{op}' is not one of " + ", ".join(ConditionOp))
    return COMPARISONS[op](column, column_value(column, condition.value))


def column_value(column: sa.Column, value: Any) -> Any:
    """The register's value as the column's Python type; ValueError says why it does not fit."""
    kind = _python_type(column)
    where = f"column {column.table.name}.{column.name} is {column.type}"
    text = value if isinstance(value, str) else None
    try:
        if kind is bool:
            if isinstance(value, bool):
                return value
            if text is not None and text.lower() in ("true", "false"):
                return text.lower() == "true"
        elif kind is int:
            if isinstance(value, bool) and is_flag(column):  # MariaDB's TINYINT(1)
                return int(value)
            if isinstance(value, int) and not isinstance(value, bool):
                return value
            if text is not None and re.fullmatch(r"-?\d{1,30}", text.strip()):
                return int(text)
        elif kind in (float, Decimal):
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return value
            if text is not None and re.fullmatch(r"-?\d{1,30}(\.\d{1,30})?", text.strip()):
                return Decimal(text.strip())
        elif kind is str:
            if isinstance(value, str):
                return value
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return str(value)
        elif kind is dt.datetime and text is not None:
            return dt.datetime.fromisoformat(text)
        elif kind is dt.date and text is not None:
            return dt.date.fromisoformat(text)
        elif kind is dt.time and text is not None:
            return dt.time.fromisoformat(text)
        elif kind not in (bool, int, float, Decimal, str, dt.datetime, dt.date, dt.time):
            return value  # UUID, JSON, a type without a Python name: the driver judges the bound value
    except ValueError:
        pass
    raise ValueError(f"{_shown(value)} does not fit: {where}")


def _shown(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else str(value)


def _python_type(column: sa.Column) -> type | None:
    try:
        return column.type.python_type
    except NotImplementedError:
        return None


def _cutoff_param(cutoff: dt.datetime) -> sa.BindParameter:
    return sa.bindparam(None, cutoff.replace(tzinfo=None), type_=sa.DateTime())


def _plain(value: Any) -> Any:
    return value if isinstance(value, (int, str, float)) else str(value)


def sweep(
    engine: Engine,
    rules: Iterable[SweepRule],
    now: dt.datetime | None = None,
    *,
    batch_size: int = 2000,
    dry_run: bool = False,
    datamap: DataMap | None = None,
    hash_key: bytes | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> SweepResult:
    """Apply every rule; a rule that fails is reported with its error and the others still run."""
    if batch_size < 1:
        raise ConnectorError("batch_size must be at least 1")
    started = time.perf_counter()
    now = now or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    sweeper = Sweeper(engine, datamap, now, hash_key)
    result = SweepResult(dry_run)
    # Every rule is checked against the schema before any of them runs; a rule that does
    # not fit is reported with its error and does nothing, the others still run.
    checked: list[tuple[SweepRule, Target | None, str | None]] = []
    for rule in rules:
        try:
            checked.append((rule, sweeper.prepare(rule), None))
        except ConnectorError as exc:
            checked.append((rule, None, str(exc)))
    for rule, target, error in checked:
        try:
            if target is None:
                raise ConnectorError(error)
            result.rules.append(sweeper.run_rule(rule, target, batch_size, dry_run, progress))
        except ConnectorError as exc:
            result.rules.append(RuleOutcome(rule.name, rule.table, rule.action, now, error=str(exc)))
        except SQLAlchemyError as exc:
            result.rules.append(RuleOutcome(rule.name, rule.table, rule.action, now, error=f"rule {rule.name}: {_short(exc)}"))
    result.seconds = time.perf_counter() - started
    return result
