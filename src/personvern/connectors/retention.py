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
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from personvern.connectors.datamap import DataMap, connection_collation, hold_clause, primary_key, restricted_clause
from personvern.connectors.engine import ConnectorError, _short, reflect
from personvern.connectors.execute import mask_values, unreferenced
from personvern.core.deadlines import add_months
from personvern.core.manifest import parse_duration

LEDGER = "pv_retention_runs"
BATCH_TARGET_SECONDS = 0.05  # a batch's transaction; row locks are held this long at most (plus noise)


@dataclass(frozen=True)
class SweepRule:
    """One retention rule for one table, as the register's EnforcementRule plus the
    activity's period. `timestamp` and `condition` are SQL written by the organisation's
    administrator in the register (not by the public) and are used as written."""

    name: str
    table: str
    timestamp: str
    period: str
    condition: str | None = None
    action: Literal["delete", "anonymise"] = "delete"


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
    for activity in register.activities:
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
                    condition=enforcement.condition,
                    action=enforcement.action,
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

    def table(self, rule: SweepRule) -> sa.Table:
        table = self.metadata.tables.get(rule.table)
        if table is None:
            raise ConnectorError(f"rule {rule.name}: table '{rule.table}' does not exist")
        return table

    def expired(self, rule: SweepRule, table: sa.Table, cutoff: dt.datetime) -> list[sa.ColumnElement[bool]]:
        """Conditions for rows due: older than the cutoff, matching the rule's condition,
        not under legal hold, not restricted, and for deletion not referenced."""
        if rule.timestamp in table.c:
            stamp = table.c[rule.timestamp]
        else:
            stamp = sa.literal_column(f"({rule.timestamp})")
        conditions = [stamp < sa.bindparam(None, cutoff.replace(tzinfo=None), type_=sa.DateTime())]
        if rule.condition:
            conditions.append(sa.text(f"({rule.condition})"))
        hold = hold_clause(self.datamap, self.metadata, table, self.now) if rule.table in self.datamap.tables else None
        if hold is not None:
            conditions.append(~hold)
        restricted = restricted_clause(self.datamap, self.metadata, table) if rule.table in self.datamap.tables else None
        if restricted is not None:
            conditions.append(~restricted)
        if rule.action == "delete":
            conditions += unreferenced(self.metadata, table)
        else:
            still = self.identifying(rule, table)
            if still is not None:
                conditions.append(still)
        return conditions

    def masks(self, rule: SweepRule) -> dict:
        spec = self.datamap.tables.get(rule.table)
        masks = spec.masked_columns() if spec else {}
        if not masks:
            raise ConnectorError(
                f"rule {rule.name} anonymises '{rule.table}', but the dataset map names no columns of it to mask"
            )
        return masks

    def identifying(self, rule: SweepRule, table: sa.Table) -> sa.ColumnElement[bool] | None:
        """True for rows whose masked columns still hold something (so a rerun skips the
        rows already anonymised; keyed-hash columns cannot be told apart, the ledger covers them)."""
        checks = []
        for name, erasure in self.masks(rule).items():
            if erasure.action == "set_null":
                checks.append(table.c[name].is_not(None))
            elif erasure.action == "fixed":
                checks.append(sa.or_(table.c[name].is_(None), table.c[name] != erasure.value))
        return sa.or_(*checks) if checks else None

    def count(self, table: sa.Table, conditions: Iterable) -> int:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(table).where(*conditions)).scalar_one()

    def kept_counts(self, rule: SweepRule, table: sa.Table, cutoff: dt.datetime, outcome: RuleOutcome) -> None:
        stamp = table.c[rule.timestamp] if rule.timestamp in table.c else sa.literal_column(f"({rule.timestamp})")
        base = [stamp < sa.bindparam(None, cutoff.replace(tzinfo=None), type_=sa.DateTime())]
        if rule.condition:
            base.append(sa.text(f"({rule.condition})"))
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
        self, rule: SweepRule, batch_size: int, dry_run: bool, progress: Callable[[str, int], None] | None
    ) -> RuleOutcome:
        table = self.table(rule)
        pk = primary_key(self.datamap, table)
        if len(pk) != 1:
            raise ConnectorError(f"rule {rule.name}: '{rule.table}' needs a single-column primary key for batched sweeps")
        (pk,) = pk
        cutoff = cutoff_for(rule.period, self.now)
        outcome = RuleOutcome(rule.name, rule.table, rule.action, cutoff)
        if rule.action == "anonymise":
            masks = self.masks(rule)
        if dry_run:
            outcome.rows = self.count(table, self.expired(rule, table, cutoff))
            self.kept_counts(rule, table, cutoff, outcome)
            return outcome
        ledger = self.ledger()
        size = min(batch_size, 500)  # grows while batches stay well under the target
        while True:
            run_cutoff, last, done_before = self.start(rule, cutoff)
            outcome.resumed_rows += done_before
            conditions = self.expired(rule, table, run_cutoff)
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
        self.kept_counts(rule, table, cutoff, outcome)
        return outcome


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
    for rule in rules:
        try:
            result.rules.append(sweeper.run_rule(rule, batch_size, dry_run, progress))
        except ConnectorError as exc:
            result.rules.append(RuleOutcome(rule.name, rule.table, rule.action, now, error=str(exc)))
        except SQLAlchemyError as exc:
            result.rules.append(RuleOutcome(rule.name, rule.table, rule.action, now, error=f"rule {rule.name}: {_short(exc)}"))
    result.seconds = time.perf_counter() - started
    return result
