"""Deadline arithmetic (personvern.core.deadlines): the N2 worked examples and properties."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from personvern.core.deadlines import (
    ExtensionError,
    add_months,
    check_extension,
    days_left,
    deadline,
    deadlines_for,
    extended_deadline,
    is_working_day,
    public_holidays,
)

dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31))


# Worked examples, legal-rules.md N2 / DL-2 ------------------------------------------------


@pytest.mark.parametrize(
    ("received", "months", "expected"),
    [
        (dt.date(2026, 3, 9), 1, dt.date(2026, 4, 9)),  # Thursday, plain case
        (dt.date(2026, 1, 31), 1, dt.date(2026, 3, 2)),  # 28 Feb is a Saturday -> Monday
        (dt.date(2028, 1, 31), 1, dt.date(2028, 2, 29)),  # leap year, Tuesday
        (dt.date(2026, 3, 2), 1, dt.date(2026, 4, 7)),  # Maundy Thursday -> after Easter Monday
        (dt.date(2028, 1, 31), 3, dt.date(2028, 5, 2)),  # 30 Apr Sunday, 1 May holiday
    ],
)
def test_it_counts_the_worked_examples(received, months, expected):
    assert deadline(received, months) == expected


def test_it_knows_the_norwegian_holidays_of_2026():
    expected = {(1, 1), (4, 2), (4, 3), (4, 5), (4, 6), (5, 1), (5, 14), (5, 17), (5, 24), (5, 25), (12, 25), (12, 26)}
    assert {(d.month, d.day) for d in public_holidays(2026)} == expected


def test_it_clamps_to_the_last_day_of_the_month():
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2026, 3, 31), 1) == dt.date(2026, 4, 30)
    assert add_months(dt.date(2026, 11, 30), 3) == dt.date(2027, 2, 28)


def test_it_extends_from_receipt_not_from_the_first_deadline():
    # 2026-01-31: first deadline rolled to 2 March; extended = 30 April (Thu), not 2 May.
    assert deadlines_for(dt.date(2026, 1, 31)).latest == dt.date(2026, 4, 30)


def test_it_rejects_an_extension_without_reasons():
    with pytest.raises(ExtensionError):
        check_extension(dt.date(2026, 3, 9), reasons="  ", notified=dt.date(2026, 3, 10))


def test_it_rejects_an_extension_notified_after_the_first_month():
    with pytest.raises(ExtensionError):
        check_extension(dt.date(2026, 3, 9), reasons="Mange systemer", notified=dt.date(2026, 4, 10))


def test_it_accepts_an_extension_notified_on_the_last_day():
    assert check_extension(dt.date(2026, 3, 9), reasons="Mange systemer", notified=dt.date(2026, 4, 9)) == dt.date(
        2026, 6, 9
    )


def test_it_rejects_an_extension_of_three_further_months():
    with pytest.raises(ExtensionError):
        extended_deadline(dt.date(2026, 3, 9), 3)


def test_it_refuses_a_datetime():
    with pytest.raises(TypeError):
        deadline(dt.datetime(2026, 3, 9, 12, 0))


def test_days_left_is_zero_on_the_day_and_negative_after():
    due = dt.date(2026, 4, 9)
    assert days_left(due, dt.date(2026, 4, 2)) == 7
    assert days_left(due, due) == 0
    assert days_left(due, dt.date(2026, 4, 10)) == -1


# Properties --------------------------------------------------------------------------------


@given(dates)
def test_the_deadline_is_a_working_day_after_receipt(received):
    due = deadline(received)
    assert due > received
    assert is_working_day(due)


@given(dates)
def test_only_non_working_days_are_skipped(received):
    nominal = add_months(received, 1)
    due = deadline(received)
    assert due >= nominal
    day = nominal
    while day < due:
        assert not is_working_day(day)
        day += dt.timedelta(days=1)


@given(dates)
def test_the_nominal_end_is_the_same_date_or_the_last_of_the_month(received):
    nominal = add_months(received, 1)
    assert (nominal.year * 12 + nominal.month) - (received.year * 12 + received.month) == 1
    if nominal.day != received.day:
        assert nominal.day < received.day
        assert (nominal + dt.timedelta(days=1)).day == 1  # last day of its month


@given(dates)
def test_one_month_is_between_28_and_38_days(received):
    assert 28 <= (deadline(received) - received).days <= 38


@given(dates, dates)
def test_a_later_receipt_never_has_an_earlier_deadline(a, b):
    a, b = sorted((a, b))
    assert deadline(a) <= deadline(b)


@given(dates, st.integers(min_value=1, max_value=2))
def test_an_extension_always_ends_later(received, extra):
    assert extended_deadline(received, extra) > deadline(received)
    assert is_working_day(extended_deadline(received, extra))


@given(dates, st.integers(min_value=0, max_value=60))
def test_extension_is_allowed_exactly_up_to_the_first_deadline(received, after):
    notified = received + dt.timedelta(days=after)
    first = deadline(received)
    if notified <= first:
        assert check_extension(received, reasons="Komplisert", notified=notified) == extended_deadline(received)
    else:
        with pytest.raises(ExtensionError):
            check_extension(received, reasons="Komplisert", notified=notified)


def test_the_extension_error_says_which_rule_and_the_last_day():
    with pytest.raises(ExtensionError) as late:
        check_extension(dt.date(2026, 1, 31), reasons="Komplisert", notified=dt.date(2026, 3, 3))
    assert (late.value.code, late.value.last_day) == ("too_late", dt.date(2026, 3, 2))  # 28 Feb is a Saturday
    with pytest.raises(ExtensionError) as early:
        check_extension(dt.date(2026, 3, 9), reasons="Komplisert", notified=dt.date(2026, 3, 8))
    assert early.value.code == "before_receipt"
    with pytest.raises(ExtensionError) as bare:
        check_extension(dt.date(2026, 3, 9), reasons="", notified=dt.date(2026, 3, 9))
    assert bare.value.code == "no_reasons"
