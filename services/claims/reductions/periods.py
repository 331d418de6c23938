"""Settlement periods: a month (2026-10), or a half year for military hospitals (2026-H1)."""

from __future__ import annotations

from datetime import date


def period_bounds(period: str) -> tuple[date, date]:
    """[first day, first day after] of a month (2026-10) or a half year (2026-H1)."""
    year = int(period[:4])
    part = period[5:]
    if part == "H1":
        return date(year, 1, 1), date(year, 7, 1)
    if part == "H2":
        return date(year, 7, 1), date(year + 1, 1, 1)
    month = int(part)
    return date(year, month, 1), date(year + (month == 12), month % 12 + 1, 1)


def statement_period(day: date, *, military: bool) -> str:
    """The period whose statement a reduction settled on `day` belongs to."""
    if military:
        return f"{day.year}-H{1 if day.month <= 6 else 2}"
    return f"{day:%Y-%m}"
