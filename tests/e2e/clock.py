"""Run an end-to-end stack on another day: every process under libfaketime (as `make test-calendar`
runs the suite), PostgreSQL included, with one fixed offset for the life of the processes.

Under `make test-calendar` the test process already runs at an offset; the stack's offset is
counted from the same real clock, so "last month" means last month of the day the test sees.
Monotonic clocks are faked along (a constant shift): Python's `time.sleep` fails under
libfaketime 0.9.10 when they are not.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from datetime import time as clock_time

import pytest

from kit import clock
from tests.on_other_dates import libfaketime


def running_on(day: date) -> dict[str, str | None]:
    """Environment for processes whose clocks show 10:00 China time on `day` when they start."""
    try:
        library = libfaketime()
    except SystemExit as exc:
        pytest.fail(str(exc))
    base_s = int(os.environ.get("FAKETIME", "+0").rstrip("s") or 0)  # the test's own offset, if any
    target = datetime.combine(day, clock_time(10, 0), tzinfo=clock.CST)
    offset = base_s + int((target - clock.now()).total_seconds())
    return {"LD_PRELOAD": library, "FAKETIME": f"{offset:+d}", "FAKETIME_DONT_FAKE_MONOTONIC": None}
