"""Working-day clock on the official calendar: real 2025/2026 schedules, overrides, pauses.

Schedules checked against the State Council notices (国办发明电) and the chinese_calendar data:
2025 National Day + Mid-Autumn: 10-01..10-08 off, Sunday 09-28 and Saturday 10-11 worked.
2026 Spring Festival: 02-15..02-23 off, Saturday 02-14 and Saturday 02-28 worked.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.claims.calendar import PACKAGE_YEARS, CalendarNotCovered, WorkingCalendar

OFFICIAL = WorkingCalendar()


def test_package_covers_2025_and_2026() -> None:
    assert {2025, 2026} <= PACKAGE_YEARS <= OFFICIAL.covered_years


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2025, 9, 27), False),  # ordinary Saturday
        (date(2025, 9, 28), True),  # Sunday, make-up working day
        (date(2025, 10, 1), False),  # National Day, Wednesday
        (date(2025, 10, 6), False),  # Mid-Autumn, Monday
        (date(2025, 10, 8), False),  # last day of the holiday, Wednesday
        (date(2025, 10, 9), True),
        (date(2025, 10, 11), True),  # Saturday, make-up working day
        (date(2025, 10, 12), False),
        (date(2026, 2, 14), True),  # Saturday before Spring Festival, make-up
        (date(2026, 2, 16), False),  # 除夕 eve, Monday
        (date(2026, 2, 23), False),
        (date(2026, 2, 28), True),  # Saturday after, make-up
    ],
)
def test_official_days(day: date, working: bool) -> None:
    assert OFFICIAL.is_working_day(day) is working


def test_ten_working_days_across_national_day_2025() -> None:
    # Submitted Friday 09-26. Sat 09-27 off; Sun 09-28 make-up = 1; 09-29 = 2; 09-30 = 3;
    # 10-01..10-08 off; 10-09 = 4; 10-10 = 5; Sat 10-11 make-up = 6; Sun 10-12 off;
    # 10-13 = 7; 10-14 = 8; 10-15 = 9; 10-16 = 10.
    assert OFFICIAL.add_working_days(date(2025, 9, 26), 10) == date(2025, 10, 16)


def test_make_up_saturday_counts_as_a_working_day() -> None:
    # Submitted Friday 10-10: the next working day is Saturday 10-11, not Monday 10-13.
    assert OFFICIAL.add_working_days(date(2025, 10, 10), 1) == date(2025, 10, 11)
    assert OFFICIAL.working_days_between(date(2025, 10, 10), date(2025, 10, 13)) == 2


def test_ten_working_days_across_spring_festival_2026() -> None:
    # Submitted Thursday 02-12. 02-13 = 1; Sat 02-14 make-up = 2; 02-15..02-23 off;
    # 02-24 = 3; 02-25 = 4; 02-26 = 5; 02-27 = 6; Sat 02-28 make-up = 7; Sun 03-01 off;
    # 03-02 = 8; 03-03 = 9; 03-04 = 10.
    assert OFFICIAL.add_working_days(date(2026, 2, 12), 10) == date(2026, 3, 4)


def test_submission_on_a_holiday_starts_counting_at_the_next_working_day() -> None:
    assert OFFICIAL.add_working_days(date(2025, 10, 3), 1) == date(2025, 10, 9)


def test_zero_working_days_is_the_start_itself() -> None:
    assert OFFICIAL.add_working_days(date(2025, 10, 3), 0) == date(2025, 10, 3)


def test_working_days_between_is_half_open() -> None:
    assert OFFICIAL.working_days_between(date(2025, 9, 26), date(2025, 10, 16)) == 10
    assert OFFICIAL.working_days_between(date(2025, 9, 30), date(2025, 10, 9)) == 1
    assert OFFICIAL.working_days_between(date(2025, 10, 9), date(2025, 10, 9)) == 0
    assert OFFICIAL.working_days_between(date(2025, 10, 16), date(2025, 9, 26)) == -10


@given(
    start=st.dates(min_value=date(2004, 1, 1), max_value=date(2026, 9, 30)),
    n=st.integers(min_value=0, max_value=40),
)
@settings(max_examples=200, deadline=None, database=None)
def test_adding_then_counting_gives_back_n(start: date, n: int) -> None:
    due = OFFICIAL.add_working_days(start, n)
    assert OFFICIAL.working_days_between(start, due) == n
    if n:
        assert OFFICIAL.is_working_day(due)


# --- years nobody has published -----------------------------------------------------------------


def test_uncovered_year_raises_naming_the_year() -> None:
    with pytest.raises(CalendarNotCovered) as alarm:
        OFFICIAL.is_working_day(date(2035, 3, 5))  # a Monday: still no guess
    assert alarm.value.year == 2035
    assert "2035" in str(alarm.value)


def test_deadline_running_into_an_uncovered_year_raises() -> None:
    assert OFFICIAL.add_working_days(date(2026, 12, 17), 10) == date(2026, 12, 31)
    with pytest.raises(CalendarNotCovered) as alarm:
        OFFICIAL.add_working_days(date(2026, 12, 18), 10)
    assert alarm.value.year == 2027


def test_year_before_the_package_is_uncovered_too() -> None:
    with pytest.raises(CalendarNotCovered) as alarm:
        OFFICIAL.working_days_between(date(2003, 12, 1), date(2004, 1, 5))
    assert alarm.value.year == 2003


# --- the ops table --------------------------------------------------------------------------------


def test_override_day_off_moves_the_due_date() -> None:
    calendar = WorkingCalendar({date(2025, 10, 13): False})
    assert calendar.add_working_days(date(2025, 9, 26), 10) == date(2025, 10, 17)


def test_override_working_sunday_moves_the_due_date_earlier() -> None:
    calendar = WorkingCalendar({date(2025, 10, 12): True})
    assert calendar.is_working_day(date(2025, 10, 12)) is True
    assert calendar.add_working_days(date(2025, 9, 26), 10) == date(2025, 10, 15)


def test_override_can_correct_the_package() -> None:
    calendar = WorkingCalendar({date(2025, 10, 11): False})
    assert calendar.is_working_day(date(2025, 10, 11)) is False
    assert OFFICIAL.is_working_day(date(2025, 10, 11)) is True


# An illustrative 2030 table, not a published schedule.
TABLE_2030 = {
    date(2030, 1, 1): False,  # Tuesday off
    date(2030, 1, 5): True,  # Saturday worked
}


def test_year_declared_covered_by_overrides_works() -> None:
    calendar = WorkingCalendar(TABLE_2030, extra_covered_years={2030})
    assert 2030 in calendar.covered_years
    assert calendar.is_working_day(date(2030, 1, 1)) is False
    assert calendar.is_working_day(date(2030, 1, 2)) is True  # Wednesday, no override
    assert calendar.is_working_day(date(2030, 1, 5)) is True
    assert calendar.is_working_day(date(2030, 1, 6)) is False  # Sunday, no override
    # Monday 12-31 -> 01-02 = 1, 01-03 = 2, 01-04 = 3, Sat 01-05 = 4.
    assert calendar.add_working_days(date(2029, 12, 31), 4) == date(2030, 1, 5)


def test_overrides_alone_do_not_make_a_year_covered() -> None:
    calendar = WorkingCalendar(TABLE_2030)
    assert 2030 not in calendar.covered_years
    with pytest.raises(CalendarNotCovered):
        calendar.is_working_day(date(2030, 1, 1))


def test_year_declared_covered_without_any_override_is_refused() -> None:
    with pytest.raises(ValueError, match="2031"):
        WorkingCalendar(TABLE_2030, extra_covered_years={2030, 2031})


def test_datetimes_are_refused() -> None:
    with pytest.raises(TypeError):
        OFFICIAL.is_working_day(datetime(2025, 10, 9, 12, 0))
    with pytest.raises(TypeError):
        WorkingCalendar({datetime(2030, 1, 1): False}, extra_covered_years={2030})


# --- the review clock stops in needs_more_info ----------------------------------------------------


SUBMITTED = date(2025, 9, 26)  # 10 working days -> 2025-10-16 without pauses


def test_due_date_without_pauses_is_add_working_days() -> None:
    assert OFFICIAL.due_date(SUBMITTED, 10, []) == date(2025, 10, 16)


def test_pause_pushes_the_due_date_by_the_working_days_it_covered() -> None:
    # Paused [09-29, 10-09): covers working days 09-29 and 09-30 (the holiday is off anyway).
    # Counting: 09-28 = 1; 10-09 = 2; 10-10 = 3; 10-11 = 4; 10-13..10-17 = 5..9; 10-20 = 10.
    paused = [(date(2025, 9, 29), date(2025, 10, 9))]
    assert OFFICIAL.due_date(SUBMITTED, 10, paused) == date(2025, 10, 20)


def test_pause_within_a_holiday_moves_nothing() -> None:
    paused = [(date(2025, 10, 1), date(2025, 10, 9))]
    assert OFFICIAL.due_date(SUBMITTED, 10, paused) == date(2025, 10, 16)


def test_day_the_claim_returns_counts_again() -> None:
    # Paused [10-13, 10-14): only Monday 10-13 is lost; 10-14 counts.
    paused = [(date(2025, 10, 13), date(2025, 10, 14))]
    assert OFFICIAL.due_date(SUBMITTED, 10, paused) == date(2025, 10, 17)


def test_pause_and_resume_on_the_same_day_costs_nothing() -> None:
    paused = [(date(2025, 10, 13), date(2025, 10, 13))]
    assert OFFICIAL.due_date(SUBMITTED, 10, paused) == date(2025, 10, 16)


def test_two_pauses_add_up_and_overlaps_count_once() -> None:
    # 09-29 and 10-14 lost: due moves two working days, 10-16 -> 10-20.
    two = [(date(2025, 9, 29), date(2025, 9, 30)), (date(2025, 10, 14), date(2025, 10, 15))]
    assert OFFICIAL.due_date(SUBMITTED, 10, two) == date(2025, 10, 20)
    overlapping = [*two, (date(2025, 9, 29), date(2025, 9, 30))]
    assert OFFICIAL.due_date(SUBMITTED, 10, overlapping) == date(2025, 10, 20)


def test_pause_after_the_deadline_does_not_cure_lateness() -> None:
    paused = [(date(2025, 10, 20), date(2025, 10, 24))]
    assert OFFICIAL.due_date(SUBMITTED, 10, paused) == date(2025, 10, 16)


def test_pause_ending_before_it_begins_is_refused() -> None:
    with pytest.raises(ValueError):
        OFFICIAL.due_date(SUBMITTED, 10, [(date(2025, 10, 9), date(2025, 10, 1))])


def test_negative_n_is_refused() -> None:
    with pytest.raises(ValueError):
        OFFICIAL.add_working_days(SUBMITTED, -1)


def test_a_longer_pause_never_brings_the_due_date_forward() -> None:
    pause_start = date(2025, 9, 29)
    dues = [
        OFFICIAL.due_date(SUBMITTED, 10, [(pause_start, pause_start + timedelta(days=length))])
        for length in range(30)
    ]
    assert dues[0] == date(2025, 10, 16)
    assert dues == sorted(dues)
