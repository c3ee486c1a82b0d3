"""Deadlines for rights requests as the law counts them (no Django).

GDPR Art. 12(3): the controller answers "within one month of receipt of the
request"; the period "may be extended by two further months where necessary",
and the person must be told of the extension and the reasons within the first
month. The Regulation does not define "month"; we count per Regulation (EEC,
Euratom) No 1182/71 (see ../shared/reference/legal-rules.md, DL-1 to DL-4, N2):

* Art. 3(1): the day of receipt is not counted;
* Art. 3(2)(c): a period in months ends on the day of the last month with the
  same number as the day of receipt; if that day does not exist, on the last
  day of that month;
* Art. 3(4): a period ending on a Saturday, Sunday or public holiday ends at
  the end of the next working day. Public holidays are Norway's (DL-3), from
  the `holidays` package.

The extended deadline counts three months from receipt (not two months from
the first deadline), so a rolled-forward first deadline does not lengthen it.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import holidays

__all__ = [
    "EXTENSION_MONTHS",
    "ExtensionError",
    "Deadlines",
    "add_months",
    "deadline",
    "deadlines_for",
    "extended_deadline",
    "check_extension",
    "days_left",
    "is_working_day",
    "public_holidays",
    "roll_forward",
]

EXTENSION_MONTHS = 2  # "two further months", Art. 12(3)
COUNTRY = "NO"


class ExtensionError(ValueError):
    """An extension the law does not allow. `code` says which rule: "too_long", "no_reasons",
    "before_receipt" or "too_late" (then `last_day` is the last day the requester could be told)."""

    def __init__(self, message: str, code: str, last_day: dt.date | None = None):
        super().__init__(message)
        self.code = code
        self.last_day = last_day


@lru_cache(maxsize=64)
def _holidays_for_year(country: str, year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays(country, years=year).keys())


def public_holidays(year: int, country: str = COUNTRY) -> frozenset[dt.date]:
    """Statutory public holidays (Sundays are counted separately as weekend days)."""
    return _holidays_for_year(country, year)


def is_working_day(day: dt.date, country: str = COUNTRY) -> bool:
    return day.weekday() < 5 and day not in public_holidays(day.year, country)


def add_months(day: dt.date, months: int) -> dt.date:
    """Same date `months` later, or the last day of that month (1182/71 Art. 3(2)(c))."""
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def roll_forward(day: dt.date, country: str = COUNTRY) -> dt.date:
    """The day itself if it is a working day, else the next working day (1182/71 Art. 3(4))."""
    while not is_working_day(day, country):
        day += dt.timedelta(days=1)
    return day


def deadline(received: dt.date, months: int = 1, country: str = COUNTRY) -> dt.date:
    """Last day (inclusive) to answer a request received on `received`."""
    if isinstance(received, dt.datetime):
        raise TypeError("pass the local date of receipt, not a datetime")
    if months < 1:
        raise ValueError("months must be at least 1")
    return roll_forward(add_months(received, months), country)


def extended_deadline(received: dt.date, extra_months: int = EXTENSION_MONTHS, country: str = COUNTRY) -> dt.date:
    """The deadline after an extension by `extra_months` (1 or 2) further months."""
    if not 1 <= extra_months <= EXTENSION_MONTHS:
        raise ExtensionError(f"an extension is one or two further months, not {extra_months}", "too_long")
    return deadline(received, 1 + extra_months, country)


def check_extension(
    received: dt.date,
    *,
    reasons: str,
    notified: dt.date,
    extra_months: int = EXTENSION_MONTHS,
    country: str = COUNTRY,
) -> dt.date:
    """Validate an extension and return the new deadline; raise ExtensionError if not allowed.

    Allowed only with reasons, only by up to two further months, and only if the
    requester is told on or before the first deadline (Art. 12(3)).
    """
    if not (reasons or "").strip():
        raise ExtensionError("an extension needs reasons (Art. 12(3))", "no_reasons")
    first = deadline(received, 1, country)
    if notified < received:
        raise ExtensionError("the requester cannot be told before the request was received", "before_receipt")
    if notified > first:
        raise ExtensionError(
            f"the requester must be told of an extension by {first.isoformat()} (within one month of receipt)",
            "too_late",
            first,
        )
    return extended_deadline(received, extra_months, country)


def days_left(due: dt.date, today: dt.date) -> int:
    """Calendar days until the deadline: 0 on the day itself, negative when missed."""
    return (due - today).days


@dataclass(frozen=True)
class Deadlines:
    received: dt.date
    first: dt.date  # answer, refusal (Art. 12(4)) or extension notice by this day
    latest: dt.date  # absolute maximum with the longest extension


def deadlines_for(received: dt.date, country: str = COUNTRY) -> Deadlines:
    return Deadlines(received, deadline(received, 1, country), extended_deadline(received, EXTENSION_MONTHS, country))
