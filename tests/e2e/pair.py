"""Two real platforms for the end-to-end interop tests: the same code as `make run-pair`
(stack/pair.py), with short retry and settlement delays so a test waits seconds, not minutes."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import psutil

from stack import pair as stack_pair
from stack.processes import PORT_SPAN, free_port, port_free
from tests.e2e.running import wait_for

__all__ = ["RunningPair", "Side", "wait_for"]

FAST = {
    "INTEROP_OUTBOX_RETRY_BASE_S": "0.3", "INTEROP_OUTBOX_RETRY_CAP_S": "1.5", "INTEROP_OUTBOX_POLL_S": "0.2",
    "CLAIMS_OUTBOX_POLL_S": "0.2", "PAYMENTS_SENT_POLL_S": "0.5", "PAYMENTS_WORKER_IDLE_S": "0.3",
    "BANK_SANDBOX_SETTLE_DELAY_S": "0.3", "STARTUP_TIMEOUT_S": "240",
    # A partner that does not answer is given up on after this (then asked before a resend); long
    # enough for a loaded machine's slowest answer, short enough for the outage scenario.
    "INTEROP_PARTNER_TIMEOUT_S": "6",
}
PASSWORD = "correct horse battery"


def free_base_port() -> int:
    while True:
        base = free_port(span=100 + PORT_SPAN)  # Zhejiang's stack is at base+100
        if port_free(base + 100):
            return base


@dataclass
class Side:
    platform: stack_pair.Platform
    client: httpx.Client
    admin: dict[str, str]
    log: Path

    def login(self, username: str, password: str) -> dict[str, str]:
        token = self.client.post("/ops/v1/auth/token", data={"username": username, "password": password})
        assert token.status_code == 200, token.text
        return {"Authorization": f"Bearer {token.json()['access_token']}"}

    def user(self, username: str, roles: list[str]) -> dict[str, str]:
        created = self.client.post("/ops/v1/users", headers=self.admin, json={
            "username": username, "password": PASSWORD, "roles": roles, "province": self.platform.province})
        assert created.status_code == 201, created.text
        return self.login(username, PASSWORD)

    def evidence(self, today: date) -> list[dict[str, Any]]:
        response = self.client.get("/ops/v1/interop/evidence", headers=self.admin,
                                   params={"date_from": today.isoformat(), "date_to": today.isoformat()})
        assert response.status_code == 200, response.text
        return list(response.json())

    def claims(self) -> list[dict[str, Any]]:
        return list(self.client.get("/ops/v1/claims", headers=self.admin).json())

    def claim_by_reference(self, reference: str) -> dict[str, Any]:
        return next(c for c in self.claims() if c["reference"] == reference)


class RunningPair:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.pair = stack_pair.platforms(free_base_port(), data_dir, {"bj": "e2e-bj-admin", "zj": "e2e-zj-admin"},
                                         extra_env=FAST)
        self.logs = {p.code: data_dir / f"{p.code}.log" for p in self.pair}
        self.demo_claim: str | None = None

    def start(self) -> None:
        stack_pair.start_all(self.pair, self.logs)
        try:
            self.demo_claim = asyncio.run(stack_pair.connect(self.pair, self.data_dir))
        except Exception as exc:
            raise AssertionError(f"the pair did not start: {exc}\n{self.output()}") from exc

    @contextmanager
    def stopped(self, code: str) -> Iterator[None]:
        """Every process of one platform stopped (SIGSTOP: no answer, no refusal, what arrives
        waits in the kernel) for the block, then continued (SIGCONT), whatever the block did."""
        root = psutil.Process(self.platform(code).proc.pid)  # type: ignore[union-attr]
        processes = [root, *root.children(recursive=True)]
        for process in processes:
            process.suspend()
        try:
            yield
        finally:
            for process in reversed(processes):
                with suppress(psutil.NoSuchProcess):
                    process.resume()

    def platform(self, code: str) -> stack_pair.Platform:
        return next(p for p in self.pair if p.code == code)

    def output(self) -> str:
        return "\n".join(f"--- {code} ---\n" + "\n".join(log.read_text(errors="replace").splitlines()[-40:])
                         for code, log in self.logs.items() if log.exists())

    def stop(self) -> None:
        for platform in reversed(self.pair):
            platform.stop()

    def side(self, code: str) -> Side:
        platform = self.platform(code)
        client = httpx.Client(base_url=platform.url, timeout=30, trust_env=False)
        token = client.post("/ops/v1/auth/token", data={"username": "admin", "password": platform.admin_password})
        assert token.status_code == 200, token.text
        return Side(platform, client, {"Authorization": f"Bearer {token.json()['access_token']}"}, self.logs[code])
