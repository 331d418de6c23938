"""Loaded at the start of every Python process of a `make test-calendar` run (the runner puts
this folder on PYTHONPATH), so pytest and every process it starts — services, workers,
sandboxes, `make run` — see the same moved clock.

Python's clock is moved with time-machine (it patches `time.time`, `datetime.now` and friends
at the C level; the monotonic clock stays real, so sleeps, timeouts and thread waits work).
libfaketime cannot do this for Python 3.11: with a faked monotonic clock thread waits hang,
and with a real one `time.sleep` fails with EINVAL (libfaketime issues #390 and #426).
PostgreSQL, a C program with neither problem, gets libfaketime: every PostgreSQL tool started
from Python (initdb, pg_ctl, postgres) is given LD_PRELOAD and the same offset.
"""

from __future__ import annotations

import os

_SHIFT = os.environ.get("XUEFEI_CLOCK_SHIFT_S")
_POSTGRES_TOOLS = frozenset({"initdb", "pg_ctl", "postgres", "pg_dump", "pg_restore", "psql"})

if _SHIFT:
    import subprocess
    from datetime import UTC, datetime, timedelta

    import time_machine

    _traveller = time_machine.travel(datetime.now(UTC) + timedelta(seconds=int(_SHIFT)), tick=True)
    _traveller.start()
    # time-machine starts ticking at the first read, not at start(): read now, or this process
    # would lag behind PostgreSQL by however long it ran before its first look at the clock.
    datetime.now(UTC)

    _library = os.environ.get("XUEFEI_PG_FAKETIME_LIB", "")
    _original_init = subprocess.Popen.__init__

    def _with_faketime_for_postgres(self, args, *rest, **kwargs):  # type: ignore[no-untyped-def]
        program = args if isinstance(args, str | bytes | os.PathLike) else (args[0] if args else "")
        if _library and os.path.basename(os.fsdecode(program)).split()[0] in _POSTGRES_TOOLS:
            env = dict(kwargs.get("env") or os.environ)
            env |= {"LD_PRELOAD": _library, "FAKETIME": f"{int(_SHIFT):+d}"}
            kwargs["env"] = env
        _original_init(self, args, *rest, **kwargs)

    subprocess.Popen.__init__ = _with_faketime_for_postgres  # type: ignore[method-assign]
