"""The official working-day calendar (工作日) for review and payment deadlines.

China's working days are not Monday to Friday: each year the State Council publishes the public
holidays together with make-up working days (调休上班), often a Saturday or Sunday. The
``chinese_calendar`` package ships those notices for the years it knows; ops add the rest as
overrides when a new notice appears (usually in November for the next year).

A date in a year that neither source covers raises ``CalendarNotCovered``: a deadline computed
from a guessed calendar is wrong by days around every holiday, so it must be an alarm.

Counting convention (one for every function here): the day a thing happens is day 0; "N working
days" end on the N-th working day *after* it. A claim submitted on Friday 2025-09-26 has
Sunday 2025-09-28 (a make-up working day) as its day 1.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence, Set
from datetime import date, datetime, timedelta
from types import MappingProxyType

import chinese_calendar  # type: ignore[import-untyped]

_ONE_DAY = timedelta(days=1)


def _package_years() -> frozenset[int]:
    # The package's holiday table spans its supported years; outside them it raises
    # NotImplementedError, which this module never lets happen.
    years = {day.year for day in chinese_calendar.holidays}
    return frozenset(range(min(years), max(years) + 1))


PACKAGE_YEARS: frozenset[int] = _package_years()


class CalendarNotCovered(LookupError):
    """The calendar has no official schedule for ``year``: ops must add it before use."""

    def __init__(self, year: int) -> None:
        super().__init__(
            f"工作日历未包含 {year} 年的放假安排 / the working-day calendar does not cover {year}: "
            "add the State Council's schedule for that year as overrides"
        )
        self.year = year


class WorkingCalendar:
    """Official working days from the package, corrected and extended by an ops table.

    ``overrides`` maps a date to ``True`` (working day, e.g. a make-up Saturday) or ``False``
    (day off). They win over the package, so ops can also correct a package error.

    ``extra_covered_years`` are years ops declare complete in ``overrides``. The State Council's
    notice lists only exceptions, so in such a year every date without an override follows the
    ordinary week (Monday to Friday work): that is the notice's own rule, not a guess. Overrides
    in a year not declared covered are kept but unused, so a half-entered schedule stays an
    alarm until ops mark it done.
    """

    def __init__(
        self,
        overrides: Mapping[date, bool] | None = None,
        *,
        extra_covered_years: Set[int] = frozenset(),
    ) -> None:
        table = dict(overrides or {})
        for day in table:
            _require_date(day)
        override_years = {day.year for day in table}
        empty = sorted(set(extra_covered_years) - PACKAGE_YEARS - override_years)
        if empty:
            # Every real year has holidays on weekdays; a covered year with none is a mistake.
            raise ValueError(f"years marked covered without any override: {empty}")
        self.overrides: Mapping[date, bool] = MappingProxyType(table)
        self.covered_years: frozenset[int] = PACKAGE_YEARS | frozenset(extra_covered_years)

    def is_working_day(self, day: date) -> bool:
        _require_date(day)
        if day.year not in self.covered_years:
            raise CalendarNotCovered(day.year)
        if (override := self.overrides.get(day)) is not None:
            return override
        if day.year in PACKAGE_YEARS:
            return bool(chinese_calendar.is_workday(day))
        return day.weekday() < 5

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after ``start`` (``start`` itself is day 0, whatever it is).

        ``n == 0`` returns ``start``.
        """
        return self.due_date(start, n, paused=[])

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in ``(start, end]``; negative when ``end`` is before ``start``.

        ``working_days_between(d, add_working_days(d, n)) == n`` for every ``n >= 0``.
        """
        if end < start:
            return -self.working_days_between(end, start)
        count = 0
        day = start + _ONE_DAY
        while day <= end:
            count += self.is_working_day(day)
            day += _ONE_DAY
        return count

    def due_date(self, submitted_on: date, n: int, paused: Sequence[tuple[date, date]]) -> date:
        """The day the n-th *counted* working day after ``submitted_on`` ends.

        Each pause ``(from, to)`` is the half-open span ``[from, to)`` a claim spent in
        ``needs_more_info``: entered on ``from``, back under review on ``to``, which counts
        again. Working days inside a pause are skipped, so a pause before the deadline pushes it
        by the working days it covered; a pause after the deadline moves nothing (asking for
        more information cannot cure a review that is already late). Whole days only: the day
        a claim is sent back does not count for the reviewer. Overlapping pauses count once.
        For a claim still paused there is no due date; pass the expected return day to
        project one.
        """
        if n < 0:
            raise ValueError("n must be >= 0")
        for begin, end in paused:
            if end < begin:
                raise ValueError(f"pause ends before it begins: {begin} .. {end}")
        if n == 0:
            return submitted_on
        counted = 0
        # Stops on the n-th day itself: looking one day further could hit an uncovered year.
        for day in self._working_days_after(submitted_on):
            if not any(begin <= day < end for begin, end in paused):
                counted += 1
                if counted == n:
                    return day
        raise AssertionError("unreachable: the day iterator is endless")

    def _working_days_after(self, start: date) -> Iterator[date]:
        day = start
        while True:
            day += _ONE_DAY
            if self.is_working_day(day):
                yield day


def _require_date(value: object) -> None:
    # A datetime is a date subclass; silently taking its date part would use whatever timezone
    # it carries, while deadlines are China Standard Time calendar dates (DOMAIN.md 3).
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"expected a datetime.date, got {type(value).__name__}")
