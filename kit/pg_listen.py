"""LISTEN on a PostgreSQL channel for as long as the process lives, through restarts and outages.

PostgreSQL delivers a NOTIFY to every listening session when the notifying transaction commits,
and never to a session that was not listening then. So whoever keeps something in memory on the
strength of notifications must know when it was *not* listening: `on_up` runs once the LISTEN is
in place (start trusting, from an empty memory), `on_down` as soon as the connection is lost or
suspected lost (stop trusting). In between, `on_notify` gets each payload.

The connection is its own, outside the engine's pool (a listening session must stay open and
cannot be shared); it is opened with the engine's own connect arguments. A connection can die
without telling (a server killed, a network cut): a `SELECT 1` every `check_s` seconds finds out.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

import asyncpg
import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

log = structlog.get_logger(__name__)


class Listener:
    def __init__(self, engine: AsyncEngine, channel: str, *, on_notify: Callable[[str], None],
                 on_up: Callable[[], None], on_down: Callable[[], None], application_name: str,
                 check_s: float = 5.0, retry_s: tuple[float, float] = (0.5, 10.0)) -> None:
        self._engine, self.channel = engine, channel
        self._on_notify, self._on_up, self._on_down = on_notify, on_up, on_down
        self._application_name = application_name
        self._check_s, (self._retry_min_s, self._retry_max_s) = check_s, retry_s
        self._task: asyncio.Task[None] | None = None
        self.connection: asyncpg.Connection | None = None  # the listening session while up (tests end it)

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name=f"listen {self.channel}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _connect(self) -> asyncpg.Connection:
        args, kwargs = self._engine.dialect.create_connect_args(self._engine.url)
        kwargs.pop("prepared_statement_cache_size", None)  # a SQLAlchemy option, not asyncpg's
        return await asyncpg.connect(*args, **kwargs, timeout=5,
                                     server_settings={"application_name": self._application_name})

    async def _run(self) -> None:
        wait_s = self._retry_min_s
        while True:
            lost = asyncio.Event()
            try:
                self.connection = conn = await self._connect()
                try:
                    conn.add_termination_listener(lambda _conn, lost=lost: lost.set())
                    await conn.add_listener(self.channel, self._notified)
                    self._on_up()
                    wait_s = self._retry_min_s
                    log.info("listening", channel=self.channel)
                    while not lost.is_set():
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(lost.wait(), self._check_s)
                        if not lost.is_set():
                            await conn.fetchval("SELECT 1", timeout=self._check_s)
                finally:
                    self._on_down()
                    self.connection = None
                    conn.terminate()
                log.warning("stopped listening: connection lost", channel=self.channel)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database down or restarting: try again, backing off
                self._on_down()
                log.warning("cannot listen", channel=self.channel, error=repr(exc), retry_in_s=wait_s)
            await asyncio.sleep(wait_s)
            wait_s = min(wait_s * 2, self._retry_max_s)

    def _notified(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        self._on_notify(payload)
