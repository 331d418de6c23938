"""Helpers for payments tests: bodies, a recording claims app, loopback servers and processes."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from stack import keys as devkeys

ROOT = Path(__file__).resolve().parents[2]
CLAIM_CALLER = {"subject": "claims", "roles": ("system",), "kind": "system"}
# Fast clocks for tests: every wait is a poll with a deadline, never a fixed sleep in an assertion.
FAST = {
    "retry_base_s": 0.05, "retry_cap_s": 0.3, "sent_poll_s": 0.05, "outbox_retry_base_s": 0.05,
    "outbox_retry_cap_s": 0.3, "worker_idle_s": 0.05, "bank_timeout_s": 2.0, "lease_s": 3.0,
    "reconciliation_enabled": False,
}


def account(tail: str = "1234", head: str = "622202123456") -> str:
    """A 16-digit test card number ending in `tail` (0000 bounces at the sandbox, 9999 is refused)."""
    return (head + "0" * 16)[: 16 - len(tail)] + tail


def body(source: str = "claim:11111111-1111-1111-1111-111111111111", *, amount_fen: int = 44_000,
         tail: str = "1234", funding: list[dict[str, Any]] | None = None, province: str = "11",
         channel: str | None = None, name: str = "张三") -> dict[str, Any]:
    out: dict[str, Any] = {
        "source_ref": source, "province": province, "amount_fen": amount_fen,
        "payee": {"account_name": name, "account_number": account(tail), "bank_name": "中国工商银行北京分行"},
        "funding": funding or [{"source": "local_fund", "amount_fen": amount_fen}],
    }
    if channel:
        out["channel"] = channel
    return out


def recorder_app() -> FastAPI:
    """Stands in for the claims service's /v1/payment-events: records what payments tells it."""
    app = FastAPI()
    app.state.events = []
    app.state.caller_tokens = []
    app.state.fail_next = 0
    app.state.refuse = set()  # source refs answered 404, as claims does for a source it does not know

    @app.post("/v1/payment-events")
    async def receive(request: Request) -> JSONResponse:
        if app.state.fail_next > 0:
            app.state.fail_next -= 1
            return JSONResponse({"title": "claims is down"}, status_code=503)
        event = await request.json()
        if event["source_ref"] in app.state.refuse:
            return JSONResponse({"title": "Not found", "detail": f"no claim for {event['source_ref']}"},
                                status_code=404)
        app.state.events.append({**event, "_key": request.headers.get("idempotency-key")})
        app.state.caller_tokens.append(request.headers.get("x-caller"))
        return JSONResponse({"status": "recorded"})

    return app


def unique_events(app: FastAPI) -> dict[str, dict[str, Any]]:
    return {e["event_id"]: e for e in app.state.events}


async def eventually(check: Callable[[], Awaitable[bool]], *, timeout_s: float = 30.0,
                     step: Callable[[], Awaitable[Any]] | None = None, what: str = "condition") -> None:
    """Poll (running `step` between looks) until `check` holds; fail after the deadline."""
    deadline = time.monotonic() + timeout_s
    while True:
        if await check():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout_s} s")
        if step is not None:
            await step()
        await asyncio.sleep(0.02)


@contextlib.asynccontextmanager
async def loopback(app: FastAPI, port: int) -> AsyncIterator[str]:
    """Serve `app` on 127.0.0.1:port inside this event loop (a real socket, real HTTP)."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve())
    try:
        await eventually(lambda: _started(server, task), timeout_s=10, what="loopback server start")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=10)


async def _started(server: uvicorn.Server, task: asyncio.Task[None]) -> bool:
    if task.done():
        task.result()  # raises what made it stop
    return server.started


class Process:
    """A child process of the test, always stopped by the fixture that started it."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.name, self.argv, self.env = name, argv, env
        self.log = log_dir / f"{name}-{time.monotonic_ns()}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Process:
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(self.argv, cwd=ROOT, env={**os.environ, **self.env}, stdout=out,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        return self

    def kill(self) -> None:
        """SIGKILL: no chance to finish anything (what a crash or an OOM kill does)."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def sandbox_process(port: int, data_dir: Path, log_dir: Path, settle_delay_s: float = 0.2) -> Process:
    return Process("bank-sandbox", [sys.executable, "-m", "sandboxes.bank", "--port", str(port),
                                    "--data-dir", str(data_dir), "--settle-delay-s", str(settle_delay_s)],
                   {}, log_dir)


def worker_process(database_url: str, keys: devkeys.DevKeys, bank_url: str, claims_url: str, log_dir: Path,
                   **settings: Any) -> Process:
    env = {**keys.service_env("payments"), "PAYMENTS_DATABASE_URL": database_url, "PAYMENTS_BANK_URL": bank_url,
           "PAYMENTS_CLAIMS_URL": claims_url, "PAYMENTS_LOG_JSON": "false", "PAYMENTS_DB_POOL_SIZE": "5"}
    env |= {f"PAYMENTS_{k.upper()}": str(v).lower() if isinstance(v, bool) else str(v)
            for k, v in {**FAST, **settings}.items()}
    return Process("payments-worker", [sys.executable, "-m", "services.payments.worker"], env, log_dir)


async def wait_http(url: str, timeout_s: float = 20.0) -> None:
    async def up() -> bool:
        try:
            async with httpx.AsyncClient(timeout=1, trust_env=False) as client:
                return (await client.get(url)).status_code == 200
        except httpx.HTTPError:
            return False

    await eventually(up, timeout_s=timeout_s, what=f"{url} answering")
