"""Dates for tests, relative to today in China (kit.clock), so no test has a calendar in it.

`travel(day)` pins the clock of every app running in this process (time-machine moves
`datetime.now`, `date.today` and `time.time` together, so tokens, holds and due dates agree);
processes started by end-to-end tests keep the machine's clock and use relative dates instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta

import time_machine

from kit import clock


def today() -> date:
    return clock.today()


def days_ago(n: int) -> date:
    return today() - timedelta(days=n)


def iso_days_ago(n: int) -> str:
    return days_ago(n).isoformat()


def month_of(day: date) -> str:
    return f"{day:%Y-%m}"


def first_of_previous_month(day: date | None = None) -> date:
    start = (day or today()).replace(day=1)
    return (start - timedelta(days=1)).replace(day=1)


def noon_in_china(day: date) -> datetime:
    """Midday China time, far from either midnight, so the date is the same in UTC and CST."""
    return datetime.combine(day, time(12, 0), tzinfo=clock.CST)


@contextmanager
def travel(day: date) -> Iterator[date]:
    """Every in-process clock on `day` at noon China time; it keeps ticking from there."""
    with time_machine.travel(noon_in_china(day), tick=True):
        yield day
