"""Periods by the Civil Code (民法典 arts. 200-204), for quota windows and claim deadlines alike.

- Art. 201: the day an event happens does not count; the period starts the next day.
- Art. 202: a period of N years ends on the same month and day N years later, or on the last day
  of that month where it has no such day (Feb 29 -> Feb 28); that **last day is inside**.
- Art. 203: a deadline whose last day is a legal holiday ends on the first day after the holiday.
  That shift needs the official calendar, so it is a function of a working-day predicate here;
  the claims service owns the calendar (services/claims/calendar) and applies it. A quota window
  ("10年内") is a period of entitlement, not a deadline for an act, and never moves.

Pure functions of their arguments: the rules engine uses them too.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

_ONE_DAY = timedelta(days=1)
# No holiday run in China is anywhere near this long; a longer run is a broken calendar.
_LONGEST_HOLIDAY_RUN = 30


def add_years(start: date, years: int) -> date:
    """Same month and day ``years`` later; Feb 29 falls back to Feb 28 (art. 202)."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return start.replace(year=start.year + years, day=28)


def last_day_of_years(start: date, years: int) -> date:
    """The last day inside "within N years of ``start``" (…之日起N年内): the anniversary itself."""
    return add_years(start, years)


def within_years(start: date, years: int, on: date) -> bool:
    """Whether ``on`` falls within N years of ``start`` (arts. 201-202): ``on <= start + N years``."""
    return on <= last_day_of_years(start, years)


def first_day_after_years(start: date, years: int) -> date:
    """The first day past "within N years": where the next tier of a rule starts."""
    return last_day_of_years(start, years) + _ONE_DAY


def shift_past_holidays(last_day: date, is_working_day: Callable[[date], bool]) -> date:
    """Art. 203: a last day that is not a working day moves to the first working day after it.

    ``is_working_day`` is the official calendar (weekends and public holidays off, make-up
    working days on); it may raise when it does not cover a year, which the caller reports.
    """
    day = last_day
    for _ in range(_LONGEST_HOLIDAY_RUN):
        if is_working_day(day):
            return day
        day += _ONE_DAY
    raise ValueError(f"no working day within {_LONGEST_HOLIDAY_RUN} days of {last_day}: check the calendar")
