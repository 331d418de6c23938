"""`make test-calendar`: the suite (browser tests aside) with every process's clock moved to
other days, to prove no test has today's calendar in it.

libfaketime (Debian package `faketime`) is preloaded into pytest and inherited by everything it
starts: the embedded PostgreSQL (so `now()` in SQL moves too), the services, workers and
sandboxes of the end-to-end tests. The offset is relative (`FAKETIME=+Ns`), so all processes
share one moved clock that keeps ticking, whenever each of them starts.

    python -m tests.on_other_dates 2026-12-31 2027-01-04      # or no dates: the default four
"""

from __future__ import annotations

import glob
import os
import subprocess
import sys
import time
from datetime import date, datetime
from datetime import time as clock_time

from kit.clock import CST

DEFAULT_DATES = ("2026-12-31", "2027-01-04", "2028-02-29", "2028-10-02")
LIBRARY_GLOBS = ("/usr/lib/*/faketime/libfaketimeMT.so.1", "/usr/lib/faketime/libfaketimeMT.so.1",
                 "/usr/local/lib/faketime/libfaketimeMT.so.1")
INSTALL = "libfaketime is missing: sudo apt-get install -y faketime (`make test-calendar` does it as root)"


def libfaketime() -> str:
    for pattern in LIBRARY_GLOBS:
        if found := sorted(glob.glob(pattern)):
            return found[0]
    raise SystemExit(INSTALL)


def offset_to(day: date) -> int:
    """Seconds from now to 10:00 China time on `day`: the run stays inside that date in CST and in UTC."""
    target = datetime.combine(day, clock_time(10, 0), tzinfo=CST)
    return int(target.timestamp() - time.time())


def run_on(day: date, library: str, pytest_args: list[str]) -> tuple[int, str]:
    env = {**os.environ, "LD_PRELOAD": library, "FAKETIME": f"{offset_to(day):+d}",
           "FAKETIME_DONT_FAKE_MONOTONIC": "1"}
    command = [sys.executable, "-m", "pytest", "--ignore=tests/browser", "-q", "-p", "no:cacheprovider", *pytest_args]
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    summary = next((line for line in reversed(result.stdout.splitlines()) if line.startswith("=")), "(no summary)")
    if result.returncode != 0:
        sys.stdout.write(result.stdout[-20_000:] + result.stderr[-5_000:])
    return result.returncode, summary.strip("= ")


def main(argv: list[str]) -> int:
    dates = [a for a in argv if not a.startswith("-")] or list(DEFAULT_DATES)
    pytest_args = [a for a in argv if a.startswith("-")]
    library = libfaketime()
    results = []
    for text in dates:
        day = date.fromisoformat(text)
        probe = subprocess.run([sys.executable, "-c", "from kit import clock; print(clock.today())"],
                               env={**os.environ, "LD_PRELOAD": library, "FAKETIME": f"{offset_to(day):+d}"},
                               capture_output=True, text=True)
        if probe.stdout.strip() != text:
            raise SystemExit(f"the moved clock says {probe.stdout.strip() or probe.stderr!r}, not {text}")
        print(f"--- {text}: running the suite with every process's clock on {text} ...", flush=True)
        code, summary = run_on(day, library, pytest_args)
        results.append((text, code, summary))
        print(f"{text}: {'PASS' if code == 0 else 'FAIL'}  {summary}", flush=True)
    print("\nmake test-calendar:")
    for text, code, summary in results:
        print(f"  {text}  {'PASS' if code == 0 else 'FAIL'}  {summary}")
    return 0 if all(code == 0 for _, code, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
