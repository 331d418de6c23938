"""The system under test, started the way `make run` starts it, in a throwaway directory.

A fresh embedded PostgreSQL in a temp dir, one database with every migration, fresh dev keys,
the admin account, then the entitlement service and the gateway as real uvicorn processes with
the command and environment `stack.run.build_children` gives them. Their output (JSON logs, an
access line per request, as under `make run`) goes to a log file per process, not the terminal.
Everything is stopped by `System.stop` / the context managers, also on Ctrl-C or an exception.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx

from kit.db import make_engine
from kit.settings import DatabaseSettings
from stack import keys as devkeys
from stack import migrate, seed
from stack.embedded_pg import EmbeddedPostgres
from stack.processes import Child, die_with_parent, free_port, stop_all, uvicorn_child, wait_ready
from stack.run import DATABASE, RunConfig, build_children

# The floor's connections: the services' pool (5) and overflow (10), all opened at start.
FLOOR_POOL_SIZE = 15


class BenchSetupError(RuntimeError):
    pass


@dataclass
class System:
    root: Path
    pg: EmbeddedPostgres
    url: str
    keys: devkeys.DevKeys
    admin_password: str
    services: list[Child]
    gateway: Child
    floor: Child | None = None
    later: list[Child] = field(default_factory=list)  # claims, payments, bank sandbox, workers
    started_later: list[Child] = field(default_factory=list)
    _logs: list[IO[bytes]] = field(default_factory=list, repr=False)

    @property
    def children(self) -> list[Child]:
        return [*self.services, self.gateway, *([self.floor] if self.floor else []), *self.started_later]

    def child(self, name: str) -> Child:
        return next(c for c in self.children if c.name == name)

    @property
    def entitlement(self) -> Child:
        return self.child("entitlement")

    def pg_connect_kwargs(self) -> dict[str, Any]:
        """For asyncpg.connect (the generator writes straight into the tables)."""
        return {"user": "postgres", "database": DATABASE, "host": self.pg.socket_dir,
                "port": self.pg.port}

    def log_path(self, name: str) -> Path:
        return self.root / f"{name}.log"

    def log_tail(self, name: str, lines: int = 30) -> str:
        path = self.log_path(name)
        if not path.exists():
            return "(no log)"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def start_child(self, child: Child) -> None:
        """`Child.start`, with the output going to a log file instead of our terminal."""
        log = self.log_path(child.name).open("ab")
        self._logs.append(log)
        child.proc = subprocess.Popen(
            child.argv, env={**os.environ, **child.env}, preexec_fn=die_with_parent,
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
        )

    async def start_write_path(self) -> None:
        """What the write paths add, as `make run` starts it: the bank sandbox, claims and payments,
        then the two payments workers once those answer."""
        listeners = [c for c in self.later if c.port is not None]
        for child in listeners:
            self.start_child(child)
            self.started_later.append(child)
        await _wait_ready(self, listeners)
        for child in (c for c in self.later if c.port is None):
            self.start_child(child)
            self.started_later.append(child)

    async def bank_payouts(self) -> int:
        bank = next(c for c in self.started_later if c.name == "bank-sandbox")
        async with httpx.AsyncClient(base_url=bank.url, trust_env=False, timeout=30) as client:
            return len((await client.get("/sandbox/ledger")).json()["payouts"])

    def check_alive(self) -> None:
        for child in self.children:
            if (code := child.exited()) is not None:
                raise BenchSetupError(f"{child.name} exited with code {code}; last lines of its "
                                      f"log:\n{self.log_tail(child.name)}")

    def stop_children(self) -> None:
        stop_all(self.children)
        for log in self._logs:
            log.close()
        self._logs.clear()


async def _wait_ready(system: System, children: list[Child], timeout_s: float = 90.0) -> None:
    await wait_ready(children, timeout_s=timeout_s, check=lambda _child: system.check_alive(),
                     not_ready=lambda child: BenchSetupError(
                         f"{child.name} was not ready on {child.url} within {timeout_s:.0f} s:\n"
                         f"{system.log_tail(child.name)}"))


@asynccontextmanager
async def running_system(root: Path, pg: EmbeddedPostgres,
                         extra_env: dict[str, str] | None = None) -> AsyncIterator[System]:
    """Database, migrations, keys, admin account, processes; the processes stop on exit.
    `extra_env` is added to every started process's environment (to try a setting)."""
    await pg.ensure_database(DATABASE)
    url = pg.url(DATABASE)
    await asyncio.to_thread(migrate.upgrade, url)
    admin_password = secrets.token_urlsafe(16)
    engine = make_engine(DatabaseSettings(database_url=url), application_name="bench-seed",
                         schema="gateway")
    try:
        await seed.seed_staff(engine, admin_password=admin_password, fresh=False)
    finally:
        await engine.dispose()
    keys = devkeys.generate()
    config = RunConfig(data_dir=root, port=free_port(), database_url=None,
                       admin_password=admin_password)
    # Exactly the commands and environment `make run` uses. For the quotes only the two processes a
    # quote passes through run: claims, payments and their helpers (bank sandbox, payments workers)
    # would only compete for the CPU; they start for the write paths (`start_write_path`).
    services, gateway, helpers = build_children(config, url, keys)
    entitlement = next(c for c in services if c.name == "entitlement")
    # The write paths' processes, started when they are measured (the WeChat sandbox is not needed).
    later = [c for c in helpers if c.name == "bank-sandbox"] + [c for c in services if c is not entitlement] \
        + [c for c in helpers if c.name.startswith("payments-worker")]
    for child in (entitlement, gateway, *later):
        child.env.update(extra_env or {})
    # The floor (bench/floor.py): the services' server and command line, a raw asyncpg read.
    floor = uvicorn_child("floor", "bench.floor:app_from_env", free_port(), {
        "FLOOR_DSN": url.replace("postgresql+asyncpg://", "postgresql://"),
        "FLOOR_POOL_SIZE": str(FLOOR_POOL_SIZE)})
    system = System(root=root, pg=pg, url=url, keys=keys, admin_password=admin_password,
                    services=[entitlement], gateway=gateway, floor=floor, later=later)
    try:
        system.start_child(entitlement)
        await _wait_ready(system, [entitlement])
        system.start_child(gateway)
        system.start_child(floor)
        await _wait_ready(system, [gateway, floor])
        yield system
    finally:
        await asyncio.to_thread(system.stop_children)
