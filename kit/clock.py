"""The one clock: every "now" and "today" in the services, workers, gateway and sandboxes.

Business dates are calendar dates in China Standard Time (DOMAIN.md 3), whatever zone the
server runs in. Reading the time only through here lets tests pin it for in-process apps
(``time_machine.travel``) and lets ``make test-calendar`` move it for whole processes
(libfaketime), with nothing reading the wall clock behind their back. A test in
``tests/test_architecture.py`` refuses direct calls elsewhere.

PostgreSQL's ``now()`` stays fine for a row's own creation time; where a business date or a
due moment is decided (deadlines, periods, expiries, retries), the code decides it from here.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta, timezone

# China has had one zone without daylight saving since 1991: a fixed offset is exact for every
# date this platform handles and needs no tz database.
CST = timezone(timedelta(hours=8), "CST")


def now() -> datetime:
    """The current moment, timezone-aware (UTC)."""
    return datetime.now(UTC)


def today() -> date:
    """Today's calendar date in China."""
    return china_date(now())


def epoch_s() -> int:
    """Whole seconds since the epoch, for token lifetimes (iat/exp)."""
    return int(time.time())


def china_date(moment: datetime) -> date:
    return moment.astimezone(CST).date()


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """[start, end) of a China calendar day, as aware datetimes."""
    start = datetime(day.year, day.month, day.day, tzinfo=CST)
    return start, start + timedelta(days=1)
