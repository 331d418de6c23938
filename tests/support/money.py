"""The money side of an in-process stack: the bank sandbox and a payments worker that tells the
claims app, so a test can take a claim or a statement all the way to the bank and back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import text

from sandboxes.bank.app import create_app as create_bank
from sandboxes.bank.settings import SandboxSettings
from services.payments.worker import Worker
from stack import keys as devkeys
from tests.support.apps import AppStack, service_settings

FAST_WORKER = {
    "retry_base_s": 0.05, "retry_cap_s": 0.3, "sent_poll_s": 0.05, "outbox_retry_base_s": 0.05,
    "outbox_retry_cap_s": 0.3, "worker_idle_s": 0.05, "bank_timeout_s": 2.0, "lease_s": 3.0,
    "reconciliation_enabled": False,
}


@dataclass
class Money:
    stack: AppStack
    worker: Worker
    bank: httpx.AsyncClient
    bank_app: FastAPI

    async def ledger(self) -> dict[str, Any]:
        return (await self.bank.get("/sandbox/ledger")).json()

    async def settle_everything(self, rounds: int = 40) -> None:
        """Claims' outbox and the worker in turns until neither has anything left to do."""
        for _ in range(rounds):
            busy = await self.stack.drain_outbox() + await self.worker.run_once()
            if not busy and not await self._in_flight():
                return

    async def _in_flight(self) -> bool:
        async with self.worker.sessionmaker() as session:
            return bool((await session.execute(text(
                "SELECT count(*) FROM payments.disbursements WHERE state IN ('pending', 'sent')"))).scalar_one())


@asynccontextmanager
async def money_for(stack: AppStack, database_url: str, keys: devkeys.DevKeys) -> AsyncIterator[Money]:
    async with AsyncExitStack() as exits:
        bank_app = create_bank(SandboxSettings(settle_delay_s=0))
        await exits.enter_async_context(bank_app.router.lifespan_context(bank_app))
        worker = Worker(service_settings("payments", database_url, keys, **FAST_WORKER),
                        bank_transport=httpx.ASGITransport(app=bank_app),
                        claims_transport=httpx.ASGITransport(app=stack.apps["claims"]))
        await exits.enter_async_context(worker)
        bank = await exits.enter_async_context(httpx.AsyncClient(
            transport=httpx.ASGITransport(app=bank_app), base_url="http://bank.test"))
        yield Money(stack=stack, worker=worker, bank=bank, bank_app=bank_app)
