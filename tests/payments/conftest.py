"""Payments fixtures: the API app, an in-process bank sandbox and claims recorder, and a worker."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from sandboxes.bank.app import create_app as create_bank
from sandboxes.bank.settings import SandboxSettings
from services.payments.app import create_app as create_payments
from services.payments.worker import Worker
from stack import keys as devkeys
from tests.payments.support import CLAIM_CALLER, FAST, recorder_app
from tests.support.apps import service_settings
from tests.support.callers import caller_headers


@dataclass
class PaymentsRig:
    """Everything in-process: the payments API, a worker, the bank sandbox and a claims recorder."""

    api: httpx.AsyncClient  # as the claims service calls it
    bank: httpx.AsyncClient  # the sandbox's own API and controls
    bank_app: FastAPI
    claims: FastAPI
    worker: Worker
    app: FastAPI
    keys: devkeys.DevKeys

    def headers(self, **caller: Any) -> dict[str, str]:
        return caller_headers(self.keys, **caller)

    async def ledger(self) -> dict[str, Any]:
        return (await self.bank.get("/sandbox/ledger")).json()

    async def work(self) -> None:
        await self.worker.run_once()


@pytest.fixture
async def rig(db: Any, database_url: str, keys: devkeys.DevKeys) -> AsyncIterator[PaymentsRig]:
    async with AsyncExitStack() as stack:
        bank_app = create_bank(SandboxSettings(settle_delay_s=0))
        await stack.enter_async_context(bank_app.router.lifespan_context(bank_app))
        claims = recorder_app()
        settings = service_settings("payments", database_url, keys, db_pool_size=20, db_max_overflow=0,
                                    db_pool_timeout_s=60)
        app = create_payments(settings, bank_transport=httpx.ASGITransport(app=bank_app))
        await stack.enter_async_context(app.router.lifespan_context(app))
        worker = Worker(service_settings("payments", database_url, keys, **FAST),
                        bank_transport=httpx.ASGITransport(app=bank_app),
                        claims_transport=httpx.ASGITransport(app=claims))
        await stack.enter_async_context(worker)
        api = await stack.enter_async_context(httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://payments.test",
            headers=caller_headers(keys, **CLAIM_CALLER)))
        bank = await stack.enter_async_context(httpx.AsyncClient(
            transport=httpx.ASGITransport(app=bank_app), base_url="http://bank.test"))
        yield PaymentsRig(api=api, bank=bank, bank_app=bank_app, claims=claims, worker=worker, app=app, keys=keys)
