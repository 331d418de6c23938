"""The working-day calendar for years the `chinese_calendar` package does not know yet.

In production ops enter the State Council's schedule for a new year (`PUT /ops/v1/calendar/days`,
then `POST /ops/v1/calendar/years/{year}`); until they do, due dates in that year are alarms.
The suite must pass on any day, including late in a year whose successor the package does not
cover, so the `stack` fixture plays ops and enters a STAND-IN schedule for the years a test can
reach: the fixed-date statutory holidays of the 2024 revision of 全国年节及纪念日放假办法
(元旦 1 day, 劳动节 2 days, 国庆节 3 days). It is not the official schedule (that adds the lunar
festivals and make-up days); tests that check real holidays use years the package covers.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.claims.calendar.workdays import PACKAGE_YEARS

STAND_IN_HOLIDAYS = ((1, 1, "元旦"), (5, 1, "劳动节"), (5, 2, "劳动节"), (10, 1, "国庆节"), (10, 2, "国庆节"),
                     (10, 3, "国庆节"))


def years_to_cover(today: date) -> list[int]:
    """This year and the next (a due date is at most a few weeks away), where the package stops."""
    return [year for year in (today.year, today.year + 1) if year not in PACKAGE_YEARS]


async def enter_stand_in_schedule(engine: AsyncEngine, years: list[int]) -> None:
    async with engine.begin() as conn:
        for year in years:
            for month, day, note in STAND_IN_HOLIDAYS:
                await conn.execute(text(
                    "INSERT INTO claims.calendar_days (day, working, note, set_by) VALUES (:day, false, :note, "
                    "'test-stand-in') ON CONFLICT (day) DO NOTHING"), {"day": date(year, month, day), "note": note})
            await conn.execute(text("INSERT INTO claims.calendar_years (year, declared_by) VALUES (:year, "
                                    "'test-stand-in') ON CONFLICT (year) DO NOTHING"), {"year": year})
