"""Retention sweeps: counts, legal holds, restriction, dry run, a crash mid-run, and rules
that are names and bound values (SQL in any field refused, nothing changed)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from examples.shop import REFERENCE_NOW, customers_with_orders
from examples.shop.generate import build_shop
from examples.shop.rules import SHOP_RULES
from personvern.connectors.engine import ConnectorError, make_engine
from personvern.connectors.execute import restrict
from personvern.connectors.retention import SweepRule, column_value, cutoff_for, rules_from_register, sweep
from personvern.core.manifest import Activity, EnforcementRule, Register, Retention, RuleCondition

from .conftest import HASH_KEY, SMALL_SHOP

WORKER = Path(__file__).with_name("sweep_worker.py")


def count(engine, sql: str, **params) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params).scalar_one()


def snapshot(engine) -> dict[str, list[tuple]]:
    """Every row of every shop table, for comparing end states."""
    metadata = sa.MetaData()
    metadata.reflect(engine)
    with engine.connect() as conn:
        return {
            name: [tuple(row) for row in conn.execute(sa.select(t).order_by(*t.primary_key.columns))]
            for name, t in metadata.tables.items()
            if not name.startswith("pv_")
        }


def test_cutoff_counts_calendar_months():
    now = dt.datetime(2026, 3, 31, 12, 0)
    assert cutoff_for("P1M", now) == dt.datetime(2026, 2, 28, 12, 0)
    assert cutoff_for("P12M", now) == dt.datetime(2025, 3, 31, 12, 0)
    assert cutoff_for("P7D", now) == dt.datetime(2026, 3, 24, 12, 0)
    assert cutoff_for("P1YT2H", now) == dt.datetime(2025, 3, 31, 10, 0)
    with pytest.raises(ConnectorError, match="not an ISO 8601 duration"):
        cutoff_for("12 months", now)


def test_rules_come_from_the_register():
    register = Register.model_construct(
        activities=[
            Activity.model_construct(
                id="rekruttering",
                retention=Retention(
                    period="P12M",
                    enforcement=[
                        EnforcementRule(
                            connection="shop",
                            table="job_applications",
                            timestamp="submitted_at",
                            condition=[{"column": "position", "op": "=", "value": "Lager"}],
                        )
                    ],
                ),
            ),
            Activity.model_construct(
                id="annet",
                retention=Retention(period="P1M", enforcement=[EnforcementRule(connection="crm", table="x", timestamp="t")]),
            ),
        ]
    )
    assert rules_from_register(register, "shop") == [
        SweepRule(
            "rekruttering",
            "job_applications",
            "submitted_at",
            "P12M",
            condition=(RuleCondition(column="position", op="=", value="Lager"),),
            where="activities[0].retention.enforcement[0]",
        )
    ]


def test_sweep_deletes_and_anonymises_what_has_expired(engine, datamap):
    dry = sweep(engine, SHOP_RULES, REFERENCE_NOW, dry_run=True, datamap=datamap, hash_key=HASH_KEY)
    assert all(o.error is None for o in dry.rules), dry.rules
    before_apps = count(engine, "SELECT count(*) FROM job_applications")
    result = sweep(engine, SHOP_RULES, REFERENCE_NOW, batch_size=100, datamap=datamap, hash_key=HASH_KEY)
    assert all(o.error is None for o in result.rules), result.rules
    assert result.counts == dry.counts, "the dry run predicts the real run"
    assert result.counts["kameraovervaking"] == 4 * 23 * 24  # 30 days of hourly files, 7 kept, 4 cameras

    cutoff = cutoff_for("P12M", REFERENCE_NOW)
    assert count(engine, "SELECT count(*) FROM job_applications WHERE submitted_at < :c", c=cutoff) == 0
    assert count(engine, "SELECT count(*) FROM job_applications") == before_apps - result.counts["rekruttering"]
    old_calls = "SELECT count(*) FROM phone_calls WHERE started_at < :c"
    cutoff = cutoff_for("P4M", REFERENCE_NOW)
    assert count(engine, old_calls + " AND (caller_number IS NOT NULL OR notes IS NOT NULL)", c=cutoff) == 0
    assert count(engine, old_calls, c=cutoff) == result.counts["telefonlogg"] > 0, "anonymised, not deleted"

    again = sweep(engine, SHOP_RULES, REFERENCE_NOW, batch_size=100, datamap=datamap, hash_key=HASH_KEY)
    assert set(again.counts.values()) == {0}, "nothing is done twice"


def test_sweep_honours_legal_hold_and_restriction(engine, datamap):
    # Invoices after one year, but bokføringsloven holds them 5 years after the financial year.
    rule = SweepRule("faktura", "invoices", "issued_at", "P1Y")
    cid, email = customers_with_orders(engine, orders=5, limit=1)[0]
    restrict(engine, datamap, {"email": email}, now=REFERENCE_NOW)
    rule_orders = SweepRule("ordre", "orders", "ordered_at", "P1Y", action="anonymise")
    result = sweep(engine, [rule, rule_orders], REFERENCE_NOW, datamap=datamap)
    invoices, orders = result.rules
    assert invoices.error is None and orders.error is None
    hold_cutoff = datamap.tables["invoices"].legal_hold.cutoff(REFERENCE_NOW)
    assert count(engine, "SELECT count(*) FROM invoices WHERE issued_at <= :h", h=hold_cutoff) == 0
    assert invoices.rows > 0 and invoices.kept_held == count(
        engine, "SELECT count(*) FROM invoices WHERE issued_at < :c", c=cutoff_for("P1Y", REFERENCE_NOW)
    )
    # The restricted customer's orders (side table) keep their delivery details.
    assert orders.kept_restricted > 0
    assert count(engine, "SELECT count(*) FROM orders WHERE customer_id = :c AND delivery_name IS NOT NULL", c=cid) == 5


def test_a_bad_rule_is_reported_and_the_others_still_run(engine, datamap):
    rules = [SweepRule("spøkelse", "ghosts", "at", "P1D"), SweepRule("uten-kart", "cctv_recordings", "started_at", "P7D", action="anonymise")]
    result = sweep(engine, rules + SHOP_RULES[:1], REFERENCE_NOW, datamap=datamap)
    ghosts, unmapped, applications = result.rules
    assert "table 'ghosts' does not exist" in ghosts.error
    assert "names no columns of it to mask" in unmapped.error
    assert applications.error is None and applications.rows > 0


def test_sweep_killed_mid_run_resumes_to_the_same_end_state(backend, db_url, datamap):
    """kill -9 in the middle of a sweep, rerun: the same rows as an uninterrupted sweep,
    and the ledger's counts add up to exactly the rows due (nothing twice, nothing missed)."""
    # The uninterrupted sweep first, on the same backend, for the expected end state.
    build_shop(db_url, SMALL_SHOP, seed=7)
    control = make_engine(db_url)
    expected = sweep(control, SHOP_RULES, REFERENCE_NOW, batch_size=25, datamap=datamap, hash_key=b"k")
    expected_state = snapshot(control)
    control.dispose()

    build_shop(db_url, SMALL_SHOP, seed=7)
    worker = subprocess.Popen(
        [sys.executable, str(WORKER), db_url, "25", "0.05"], stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"}
    )
    batches = 0
    for line in worker.stdout:
        batches += line.startswith("batch")
        if batches == 12:  # well inside the second rule (cctv has ~90 batches)
            os.kill(worker.pid, signal.SIGKILL)
            break
    worker.wait(timeout=30)
    assert worker.returncode == -signal.SIGKILL, "the sweep was killed mid-run"

    engine = make_engine(db_url)
    with engine.connect() as conn:
        at_crash = {rule: (done, status) for rule, done, status in conn.execute(sa.text("SELECT rule, rows_done, status FROM pv_retention_runs"))}
    assert "running" in {status for _, status in at_crash.values()}, "the ledger shows the run that was cut short"

    rerun = sweep(engine, SHOP_RULES, REFERENCE_NOW, batch_size=25, datamap=datamap, hash_key=b"k")
    for outcome in rerun.rules:
        assert outcome.error is None
        done_before, status = at_crash.get(outcome.rule, (0, None))
        if status == "running":
            assert outcome.resumed_rows == done_before > 0
        # Rows done before the kill plus rows done by the rerun: exactly the rows due.
        assert done_before + outcome.rows == expected.counts[outcome.rule], outcome
    with engine.connect() as conn:
        assert set(conn.execute(sa.text("SELECT status FROM pv_retention_runs")).scalars()) == {"done"}
    assert snapshot(engine) == expected_state
    engine.dispose()


# ---------------------------------------------------------------- rules are names and values, never SQL

INVOICE_RULE = {"name": "faktura", "table": "invoices", "timestamp": "issued_at", "period": "P1Y", "where": "activities[3].retention.enforcement[0]"}
TRICKS = ["1=1) OR (1=1", "x; DROP TABLE invoices", "issued_at' OR '1'='1", 'issued_at" --', "issued_at -- ", "`issued_at`", "іssued_at"]  # the last: Cyrillic і


def condition(column="seller_orgnr", op="=", value="999999999"):
    """A condition as a broken register could hold it: built without the register's checks,
    so the connector's own checks are what is tested."""
    return RuleCondition.model_construct(column=column, op=op, value=value)


def refused_rules() -> list[tuple[SweepRule, str]]:
    """(rule, the located error it must give) for an injection attempt in every field."""
    cases = [(SweepRule(**INVOICE_RULE | {"table": trick}), f"enforcement[0].table: table '{trick}' does not exist") for trick in TRICKS]
    cases += [(SweepRule(**INVOICE_RULE | {"timestamp": trick}), f"enforcement[0].timestamp: column '{trick}' does not exist in table invoices") for trick in TRICKS]
    cases += [(SweepRule(**INVOICE_RULE | {"timestamp": "orders.ordered_at OR 1=1"}), "column 'ordered_at OR 1=1' does not exist in table orders")]
    cases += [
        (SweepRule(**INVOICE_RULE | {"condition": (condition(), condition(column=trick))}), f"enforcement[0].condition[1].column: column '{trick}' does not exist in table invoices")
        for trick in TRICKS + ["stauts"]
    ]
    cases += [
        (SweepRule(**INVOICE_RULE | {"condition": (condition(op=trick),)}), "enforcement[0].condition[0].op: ")
        for trick in ["= 1 OR 1=1", "=1) OR (1=1", "LIKE", "; DROP TABLE invoices", "--"]
    ]
    cases += [(SweepRule(**INVOICE_RULE | {"condition": (condition(column="amount", value="1 OR 1=1"),)}), 'condition[0].value: "1 OR 1=1" does not fit: column invoices.amount is')]
    cases += [(SweepRule(**INVOICE_RULE | {"condition": (condition(column="issued_at", op="<", value="2030-01-01' OR '1'='1"),)}), "condition[0].value: ")]
    cases += [(SweepRule(**INVOICE_RULE | {"condition": (condition(op="in", value="x') OR ('1'='1"),)}), "condition[0].value: in needs a list")]
    return cases


def test_condition_values_are_read_as_their_columns_type_or_refused():
    t = sa.Table("t", sa.MetaData(), sa.Column("n", sa.Integer), sa.Column("d", sa.Date), sa.Column("x", sa.Numeric(10, 2)),
                 sa.Column("s", sa.String(10)), sa.Column("u", postgresql.UUID))
    assert column_value(t.c.n, "12") == 12 and column_value(t.c.d, "2024-01-02") == dt.date(2024, 1, 2)
    assert column_value(t.c.x, "1.5") == Decimal("1.5") and column_value(t.c.s, 5) == "5"
    uuid = "0b5f7d0e-7d3c-4a58-9d5e-3c2f1f0b8a11"
    assert column_value(t.c.u, uuid) == uuid, "a type without its own check is left to the driver, bound"
    for column, value in [(t.c.n, "1 OR 1=1"), (t.c.n, 1.5), (t.c.d, "2024-01-02' OR '1'='1"), (t.c.x, "1; DROP TABLE t"), (t.c.s, True)]:
        with pytest.raises(ValueError, match=f"does not fit: column t.{column.name} is"):
            column_value(column, value)


def test_injection_in_every_field_of_a_rule_is_refused_and_changes_nothing(engine, datamap):
    before = snapshot(engine)
    for rule, error in refused_rules():
        (outcome,) = sweep(engine, [rule], REFERENCE_NOW, datamap=datamap).rules
        assert outcome.error and error in outcome.error and outcome.rows == 0, (rule, outcome.error)
    # Values are bound as parameters: SQL in a value is a value no row has.
    values = [condition(value=trick) for trick in TRICKS + ["' OR ''='", "999999999' OR 1=1 --"]]
    rule = SweepRule(**INVOICE_RULE | {"condition": (condition(op="in", value=TRICKS), *values)})
    (outcome,) = sweep(engine, [rule], REFERENCE_NOW, datamap=datamap).rules
    assert outcome.error is None and outcome.rows == 0
    # The hold the sweep adds reads the map's names: one that does not exist stops the rule.
    broken = datamap.model_copy(deep=True)
    broken.tables["invoices"].legal_hold.from_column = "issued_at) OR (1=1"
    (outcome,) = sweep(engine, [SweepRule(**INVOICE_RULE)], REFERENCE_NOW, datamap=broken).rules
    assert "tables.invoices.legal_hold.from_column: column 'invoices.issued_at) OR (1=1' does not exist" in outcome.error
    assert snapshot(engine) == before, "nothing changed in the database"


def test_rule_conditions_delete_exactly_the_rows_they_name(engine):
    """Conditions of every kind, ANDed; a timestamp from the parent row; values as the
    register writes them (text for a number column from a form)."""
    applications = SweepRule(
        "rekruttering", "job_applications", "submitted_at", "P12M",
        condition=(
            {"column": "position", "op": "in", "value": ["Lagerarbeider", "Kundebehandler"]},
            {"column": "phone", "op": "is_not_null"},
            {"column": "date_of_birth", "op": ">=", "value": "1980-01-01"},
        ),
    )
    lines = SweepRule(
        "ordrelinjer", "order_lines", "orders.ordered_at", "P2Y",
        condition=({"column": "quantity", "op": ">", "value": "1"}, {"column": "sku", "op": "!=", "value": "no-such-sku"}),
    )
    calls = SweepRule("telefonlogg", "phone_calls", "started_at", "P1M", condition=({"column": "notes", "op": "is_null"}, {"column": "duration_seconds", "op": "<", "value": 120}))
    due = {
        "job_applications": """SELECT id FROM job_applications WHERE submitted_at < :c12 AND position IN ('Lagerarbeider', 'Kundebehandler')
                               AND phone IS NOT NULL AND date_of_birth >= '1980-01-01'""",
        "order_lines": "SELECT l.id FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.ordered_at < :c24 AND l.quantity > 1",
        "phone_calls": "SELECT id FROM phone_calls WHERE started_at < :c1 AND notes IS NULL AND duration_seconds < 120",
    }
    cutoffs = {"c12": cutoff_for("P12M", REFERENCE_NOW), "c24": cutoff_for("P2Y", REFERENCE_NOW), "c1": cutoff_for("P1M", REFERENCE_NOW)}
    with engine.connect() as conn:
        expected = {t: set(conn.execute(sa.text(sql), cutoffs).scalars()) for t, sql in due.items()}
        ids_before = {t: set(conn.execute(sa.text(f"SELECT id FROM {t}")).scalars()) for t in due}
    assert all(expected.values()) and all(expected[t] < ids_before[t] for t in due), "each rule deletes some rows and keeps others"
    result = sweep(engine, [applications, lines, calls], REFERENCE_NOW, batch_size=40)
    assert all(o.error is None for o in result.rules), result.rules
    with engine.connect() as conn:
        ids_after = {t: set(conn.execute(sa.text(f"SELECT id FROM {t}")).scalars()) for t in due}
    for table in due:
        assert ids_after[table] == ids_before[table] - expected[table], table
    assert result.counts == {"rekruttering": len(expected["job_applications"]), "ordrelinjer": len(expected["order_lines"]), "telefonlogg": len(expected["phone_calls"])}
