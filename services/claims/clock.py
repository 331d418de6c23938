"""Today's date in China Standard Time; one place, so tests can set the calendar day."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

CST = ZoneInfo("Asia/Shanghai")


def today() -> date:
    return datetime.now(CST).date()
