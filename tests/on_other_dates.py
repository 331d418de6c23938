"""`make test-calendar`: the suite (browser tests aside) with every process's clock moved to
other days, to prove no test has today's calendar in it.

Every Python process of the run (pytest, and the services, workers, sandboxes and `make run`
of the end-to-end tests) loads tests/calendar_shift/sitecustomize.py, which moves its clock with
time-machine; every PostgreSQL process gets libfaketime (Debian package `faketime`), so `now()`
in SQL moves too. Both get the same relative offset, so all processes share one moved clock
that keeps ticking, whenever each of them starts. (Why not libfaketime for Python as well: see
that file.)

    python -m tests.on_other_dates 2026-12-31 2027-01-04      # or no dates: the default four
    python -m tests.on_other_dates 2028-02-29 -x -k claims     # arguments with '-' go to pytest
"""

from __future__ import annotations

import glob
import os
import re
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from datetime import time as clock_time
from pathlib import Path

from kit.clock import CST

DEFAULT_DATES = ("2026-12-31", "2027-01-04", "2028-02-29", "2028-10-02")
LIBRARY_GLOBS = ("/usr/lib/*/faketime/libfaketime.so.1", "/usr/lib/faketime/libfaketime.so.1",
                 "/usr/local/lib/faketime/libfaketime.so.1")
INSTALL = "libfaketime is missing: sudo apt-get install -y faketime (`make test-calendar` does it as root)"
SHIFT_DIR = Path(__file__).resolve().parent / "calendar_shift"

# Python and PostgreSQL must both be on the day before the suite is worth running.
PROBE = """
import asyncio, tempfile
from pathlib import Path
import asyncpg
from kit import clock
from stack.embedded_pg import EmbeddedPostgres
pg = EmbeddedPostgres(Path(tempfile.mkdtemp(prefix="xuefei-calendar-probe-")) / "pg")
pg.start()
async def sql_today():
    conn = await asyncpg.connect(user="postgres", database="postgres", host=pg.socket_dir, port=pg.port)
    try:
        return await conn.fetchval("SELECT (now() AT TIME ZONE 'Asia/Shanghai')::date")
    finally:
        await conn.close()
try:
    print(clock.today(), asyncio.run(sql_today()))
finally:
    pg.stop()
"""


def libfaketime() -> str:
    for pattern in LIBRARY_GLOBS:
        if found := sorted(glob.glob(pattern)):
            return found[0]
    raise SystemExit(INSTALL)


def offset_to(day: date) -> int:
    """Seconds from now to 10:00 China time on `day`: the run stays inside that date in CST and in UTC."""
    target = datetime.combine(day, clock_time(10, 0), tzinfo=CST)
    return int(target.timestamp() - time.time())


def moved_env(day: date, library: str) -> dict[str, str]:
    path = os.pathsep.join(p for p in (str(SHIFT_DIR), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path, "XUEFEI_CLOCK_SHIFT_S": str(offset_to(day)),
            "XUEFEI_PG_FAKETIME_LIB": library}


def probe(day: date, library: str) -> None:
    result = subprocess.run([sys.executable, "-c", PROBE], env=moved_env(day, library), capture_output=True,
                            text=True)
    if result.stdout.split() != [day.isoformat()] * 2:
        raise SystemExit(f"Python and PostgreSQL say {result.stdout.strip() or result.stderr[-2000:]!r}, "
                         f"not {day}")


def run_on(day: date, library: str, pytest_args: list[str]) -> tuple[int, str]:
    # A base temp dir of its own: another pytest session starting on the machine resets the shared
    # /tmp/pytest-of-<user> to mode 0700 under the embedded PostgreSQL's feet.
    with tempfile.TemporaryDirectory(prefix=f"xuefei-on-{day}-") as basetemp:
        command = [sys.executable, "-m", "pytest", "--ignore=tests/browser", "-q", "-p", "no:cacheprovider",
                   f"--basetemp={basetemp}/t", *pytest_args]
        result = subprocess.run(command, env=moved_env(day, library), capture_output=True, text=True)
    # pytest's last line: "631 passed, 1 warning in 950.2s" (-q drops the "=" frame around it).
    summary = next((line for line in reversed(result.stdout.splitlines())
                    if re.search(r"\d+ (passed|failed|error)", line)), "(no summary)")
    if result.returncode != 0:
        sys.stdout.write(result.stdout[-20_000:] + result.stderr[-5_000:])
    return result.returncode, summary.strip("= ")


def main(argv: list[str]) -> int:
    dates = [date.fromisoformat(a) for a in argv if not a.startswith("-")] or [
        date.fromisoformat(d) for d in DEFAULT_DATES]
    pytest_args = [a for a in argv if a.startswith("-")]
    library = libfaketime()
    results = []
    for day in dates:
        probe(day, library)
        print(f"--- {day}: Python and PostgreSQL both on {day}; running the suite ...", flush=True)
        code, summary = run_on(day, library, pytest_args)
        results.append((day, code, summary))
        print(f"{day}: {'PASS' if code == 0 else 'FAIL'}  {summary}", flush=True)
    print("\nmake test-calendar:")
    for day, code, summary in results:
        print(f"  {day}  {'PASS' if code == 0 else 'FAIL'}  {summary}")
    return 0 if all(code == 0 for _, code, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
