"""Dates are calendar dates in China Standard Time (DOMAIN.md 3), whatever the server's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

CST = timezone(timedelta(hours=8), "CST")


def now() -> datetime:
    return datetime.now(UTC)


def china_date(moment: datetime) -> date:
    return moment.astimezone(CST).date()


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """[start, end) of a China calendar day, as aware datetimes."""
    start = datetime(day.year, day.month, day.day, tzinfo=CST)
    return start, start + timedelta(days=1)
