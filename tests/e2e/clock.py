"""Run an end-to-end stack on another day, the way `make test-calendar` runs the suite: every Python
process moved with time-machine (tests/calendar_shift/sitecustomize.py), every PostgreSQL process
with libfaketime, all by one offset fixed for the life of the processes.

Under `make test-calendar` the test process itself already runs at an offset; the stack's offset
is counted from the same real clock, so "last month" means last month of the day the test sees.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from datetime import time as clock_time

import pytest

from kit import clock
from tests.on_other_dates import SHIFT_DIR, libfaketime


def running_on(day: date) -> dict[str, str | None]:
    """Environment for processes whose clocks show 10:00 China time on `day` when they start."""
    try:
        library = libfaketime()
    except SystemExit as exc:
        pytest.fail(str(exc))
    base_s = int(os.environ.get("XUEFEI_CLOCK_SHIFT_S", "0"))  # the test's own offset, if any
    target = datetime.combine(day, clock_time(10, 0), tzinfo=clock.CST)
    path = os.pathsep.join(p for p in (str(SHIFT_DIR), os.environ.get("PYTHONPATH", "")) if p)
    return {"PYTHONPATH": path, "XUEFEI_CLOCK_SHIFT_S": str(base_s + int((target - clock.now()).total_seconds())),
            "XUEFEI_PG_FAKETIME_LIB": library}
