"""The dataset map: YAML in and out, clear errors, legal-hold arithmetic."""

from __future__ import annotations

import datetime as dt

import pytest

from personvern.connectors.datamap import DataMap, LegalHold, dump_datamap, load_datamap, load_datamap_file
from personvern.connectors.engine import ConnectorError, make_engine
from personvern.connectors.engine import test_connection as check_connection  # not collected as a test

from .conftest import DATAMAP


def test_the_shop_map_loads_and_round_trips():
    datamap = load_datamap_file(DATAMAP)
    assert datamap.identity_columns("email") == [
        ("customers", "email"), ("invoices", "buyer_email"), ("newsletter_subscribers", "email"),
        ("job_applications", "email"), ("support_tickets", "email"),
    ]
    assert datamap.tables["job_applications"].columns["full_name"].erasure.value == "slettet"
    assert load_datamap(dump_datamap(datamap)) == datamap


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("tables: [1, 2", "not valid YAML at line 1"),
        ("- a\n- b\n", "should be a mapping"),
        ("tables:\n  t:\n    erasure: shred\n", "tables.t.erasure: Input should be 'delete_row' or 'mask'"),
        ("tables:\n  t:\n    columns:\n      c: {category: x, erasure: {fixed: null}}\n", "needs a value"),
        ("tables:\n  t:\n    columns:\n      c: {category: x, identity: shoe_size}\n", "tables.t.columns.c.identity"),
        ("tables:\n  t:\n    restriction: {}\n", "exactly one of 'column' or 'side_table'"),
        ("tables:\n  t:\n    legal_hold: {law: x, from_column: d, financial_year_end: 13-01}\n", "not a month and day"),
        ("relationships:\n  - {from: a, to: b.c}\n", "'a' should be table.column"),
        ("tabels: {}\n", "tabels: Extra inputs are not permitted"),
    ],
)
def test_bad_maps_say_where_and_what(text, message):
    with pytest.raises(ConnectorError) as info:
        load_datamap(text)
    assert message in str(info.value)


def test_a_missing_map_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConnectorError, match="cannot read the dataset map"):
        load_datamap_file(tmp_path / "nope.yaml")


def test_map_text_that_names_a_file_is_text_not_a_path(tmp_path):
    """Staff's text is never a file name: one line ending in .yaml once read that server file."""
    secret = tmp_path / "server.yaml"
    secret.write_text("tables:\n  secret_table_name: {}\n")
    with pytest.raises(ConnectorError) as info:
        load_datamap(str(secret))
    assert "secret_table_name" not in str(info.value)
    assert "should be a mapping" in str(info.value)
    with pytest.raises(TypeError):
        load_datamap(secret)  # a Path is the operator's: load_datamap_file


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("tables: " + "[" * 50_000, "line 1, column 40, tables[0][0]"),  # crashed the process (libyaml's C recursion)
        ("tables:\n  t: {primary_key: [" + "1" * 5000 + "]}\n", "a number longer than 40 characters"),
        ('description: "a\\0b"\n', "line 1, column 14, description: contains a NUL character"),
        ("description: a\x00b\n", "line 1, column 15: contains a NUL character"),
        ('description: "\\ud800"\n', "description: contains a lone surrogate"),
        ("a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
            f"{k}: &{k} [{', '.join(['*' + p] * 10)}]\n" for p, k in zip("abcdef", "bcdefg")), "expand the document"),
        ("tables: &t {x: *t}\n", "an alias (*) inside its own anchor"),
        ("description: " + "x" * 600_000 + "\n", "too large"),
    ],
)
def test_maps_that_would_crash_or_fail_later_are_refused_with_their_place(text, message):
    with pytest.raises(ConnectorError) as info:
        load_datamap(text)
    assert "the dataset map is refused" in str(info.value) and message in str(info.value)


def test_bokforingsloven_hold_runs_five_years_after_the_financial_year():
    hold = LegalHold(law="bokføringsloven § 13", from_column="d", years=5)
    cutoff = hold.cutoff(dt.datetime(2026, 11, 1))
    assert cutoff.date() == dt.date(2020, 12, 31)  # 2020's records were free on 1 January 2026
    assert hold.cutoff(dt.datetime(2026, 1, 1)).date() == dt.date(2020, 12, 31)
    assert hold.cutoff(dt.datetime(2025, 12, 31)).date() == dt.date(2019, 12, 31)
    split_year = LegalHold(law="x", from_column="d", years=5, financial_year_end="06-30")
    assert split_year.cutoff(dt.datetime(2026, 11, 1)).date() == dt.date(2021, 6, 30)


def test_connection_check_reports_instead_of_raising(tmp_path):
    ok, message = check_connection(f"sqlite:///{tmp_path / 'x.db'}")
    assert not ok and "there is no file" in message and not (tmp_path / "x.db").exists(), "a test never creates a database"
    make_engine(f"sqlite:///{tmp_path / 'x.db'}").connect().close()  # the operator's tools may create one
    ok, message = check_connection(f"sqlite:///{tmp_path / 'x.db'}")
    assert ok and message.startswith("connected to sqlite")
    ok, message = check_connection("oracle://scott@tiger/db")
    assert not ok and "not supported" in message
    ok, message = check_connection("postgresql://nobody@127.0.0.1:1/none")
    assert not ok and "127.0.0.1:1 refused the connection" in message
    with pytest.raises(ConnectorError, match="not a database URL"):
        make_engine("::::")
    assert DataMap().identity_kinds() == set()
