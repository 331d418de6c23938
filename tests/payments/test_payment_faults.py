"""Faults that must be survived, on real sockets: the bank sandbox and a worker as processes.

The proof is always the sandbox's own ledger: how many payouts per merchant number, and how many
times each number was POSTed (a worker that asks before re-sending posts it once).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from services.payments.app import create_app
from services.payments.worker import Worker
from stack.processes import free_port
from tests.payments.support import (
    CLAIM_CALLER,
    FAST,
    Process,
    body,
    eventually,
    loopback,
    recorder_app,
    sandbox_process,
    unique_events,
    wait_http,
    worker_process,
)
from tests.support.apps import service_settings
from tests.support.callers import caller_headers

pytestmark = pytest.mark.e2e


class Bank:
    """The sandbox as a process on a fixed port, with its books in a data dir (so it can restart)."""

    def __init__(self, tmp_path: Path) -> None:
        self.port, self.data_dir, self.log_dir = free_port(), tmp_path / "bank", tmp_path
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: Process | None = None
        self.client = httpx.AsyncClient(base_url=self.url, timeout=10, trust_env=False)

    async def start(self) -> None:
        self.process = sandbox_process(self.port, self.data_dir, self.log_dir).start()
        await wait_http(self.url + "/healthz")

    def stop(self) -> None:
        if self.process:
            self.process.stop()

    async def ledger(self) -> dict[str, Any]:
        return (await self.client.get("/sandbox/ledger")).json()


@pytest.fixture
async def bank(tmp_path: Path) -> AsyncIterator[Bank]:
    b = Bank(tmp_path)
    await b.start()
    try:
        yield b
    finally:
        await b.client.aclose()
        b.stop()


@pytest.fixture
async def claims() -> AsyncIterator[tuple[str, Any]]:
    app = recorder_app()
    async with loopback(app, free_port()) as url:
        yield url, app


@pytest.fixture
async def api(db, database_url, keys) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(service_settings("payments", database_url, keys))
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://payments.test",
            headers=caller_headers(keys, **CLAIM_CALLER)) as client:
        yield client


def worker_settings(database_url: str, keys: Any, bank: Bank, claims_url: str, **extra: Any) -> Any:
    return service_settings("payments", database_url, keys, bank_url=bank.url, claims_url=claims_url,
                            **{**FAST, **extra})


async def create(api: httpx.AsyncClient, source: str, **kwargs: Any) -> dict[str, Any]:
    response = await api.post("/v1/disbursements", json=body(source, **kwargs), headers={"Idempotency-Key": source})
    assert response.status_code == 201, response.text
    return response.json()


async def get(api: httpx.AsyncClient, disbursement_id: str) -> dict[str, Any]:
    return (await api.get(f"/v1/disbursements/{disbursement_id}")).json()


def paid_once_each(ledger: dict[str, Any], numbers: list[str]) -> None:
    payouts = [p["merchant_transfer_no"] for p in ledger["payouts"]]
    assert sorted(payouts) == sorted(numbers), payouts


async def test_a_lost_response_is_asked_about_and_never_sent_again(api, bank, claims, database_url, keys) -> None:
    await bank.client.post("/sandbox/faults", json={"mode": "lose_response"})
    d = await create(api, "claim:lost")
    async with Worker(worker_settings(database_url, keys, bank, claims[0])) as worker:
        await worker.run_once()
        after_loss = await get(api, d["id"])
        assert (after_loss["state"], after_loss["send_tries"]) == ("pending", 1)
        assert after_loss["last_error"]  # no answer came back

        async def paid() -> bool:
            return (await get(api, d["id"]))["state"] == "succeeded"

        await eventually(paid, step=worker.run_once, what="paid after the lost response")
    ledger = await bank.ledger()
    paid_once_each(ledger, [d["merchant_transfer_no"]])
    assert ledger["requests"][d["merchant_transfer_no"]]["posts"] == 1
    assert ledger["requests"][d["merchant_transfer_no"]]["queries"] >= 1


async def test_a_bank_timeout_is_asked_about_then_resent_under_the_same_number(
        api, bank, claims, database_url, keys) -> None:
    await bank.client.post("/sandbox/faults", json={"mode": "timeout", "hold_s": 5})
    d = await create(api, "claim:slow")
    async with Worker(worker_settings(database_url, keys, bank, claims[0], bank_timeout_s=0.5,
                                      lease_s=2)) as worker:
        async def paid() -> bool:
            return (await get(api, d["id"]))["state"] == "succeeded"

        await eventually(paid, step=worker.run_once, what="paid after the timeout")
    done = await get(api, d["id"])
    assert done["merchant_transfer_no"] == d["merchant_transfer_no"]
    ledger = await bank.ledger()
    paid_once_each(ledger, [d["merchant_transfer_no"]])
    # The timed-out POST did nothing at the bank; the worker asked (not found), then sent again.
    assert ledger["requests"][d["merchant_transfer_no"]]["posts"] == 2
    assert ledger["requests"][d["merchant_transfer_no"]]["queries"] >= 1


async def test_a_worker_killed_between_sending_and_recording_then_restarted_pays_once(
        api, bank, claims, database_url, keys, db, tmp_path) -> None:
    d = await create(api, "claim:killed")
    no = d["merchant_transfer_no"]
    # The bank does the transfer and then sits on the answer until told to let go.
    await bank.client.post("/sandbox/faults", json={"mode": "lose_response", "hold_s": 120})
    settings = {"bank_timeout_s": 10, "lease_s": 12}
    async with AsyncExitStack() as stack:
        first = worker_process(database_url, keys, bank.url, claims[0], tmp_path, **settings).start()
        stack.callback(first.stop)

        async def transfer_at_bank() -> bool:
            return any(t["merchant_transfer_no"] == no for t in (await bank.ledger())["transfers"])

        await eventually(transfer_at_bank, timeout_s=30, what=f"the bank holding {no}\n{first.output()}")
        first.kill()
        async with db.connect() as conn:
            row = (await conn.execute(text(
                "SELECT state, send_tries, last_error FROM payments.disbursements WHERE id = :id"),
                {"id": d["id"]})).one()
        assert tuple(row) == ("pending", 1, None), "the worker was to die after sending, before recording"
        await bank.client.delete("/sandbox/faults")

        second = worker_process(database_url, keys, bank.url, claims[0], tmp_path, **settings).start()
        stack.callback(second.stop)

        async def paid() -> bool:
            return (await get(api, d["id"]))["state"] == "succeeded"

        await eventually(paid, timeout_s=60, what=f"paid by the restarted worker\n{second.output()}")

        async def told() -> bool:
            return len(unique_events(claims[1])) == 1

        await eventually(told, timeout_s=30, what="claims told")
    ledger = await bank.ledger()
    paid_once_each(ledger, [no])
    assert ledger["requests"][no]["posts"] == 1  # the restarted worker asked instead of sending again
    assert [e["event"] for e in unique_events(claims[1]).values()] == ["succeeded"]
    history = [(h["from_state"], h["to_state"]) for h in (await get(api, d["id"]))["history"]]
    assert history == [(None, "pending"), ("pending", "sent"), ("sent", "succeeded")]


async def test_the_bank_down_for_a_while_delays_payments_and_loses_none(api, bank, claims, database_url, keys) -> None:
    bank.stop()  # not a fault mode: the process is gone and the port refuses connections
    ds = [await create(api, f"claim:down-{n}", tail=f"{n + 1:04d}") for n in range(5)]
    async with Worker(worker_settings(database_url, keys, bank, claims[0])) as worker:
        async def tried_again() -> bool:
            states = [await get(api, d["id"]) for d in ds]
            return all(s["state"] == "pending" and s["send_tries"] >= 2 and s["last_error"] for s in states)

        await eventually(tried_again, step=worker.run_once, what="retries while the bank is down")
        await bank.start()

        async def all_paid() -> bool:
            return [(await get(api, d["id"]))["state"] for d in ds] == ["succeeded"] * len(ds)

        await eventually(all_paid, step=worker.run_once, what="all paid once the bank is back")

        async def all_told() -> bool:
            return len(unique_events(claims[1])) == len(ds)

        await eventually(all_told, step=worker.run_once, what="claims told of every payment")
    ledger = await bank.ledger()
    paid_once_each(ledger, [d["merchant_transfer_no"] for d in ds])
    assert {n: c["posts"] for n, c in ledger["requests"].items()} == {d["merchant_transfer_no"]: 1 for d in ds}


async def test_claims_down_delays_the_event_and_loses_nothing(api, bank, database_url, keys) -> None:
    port = free_port()
    claims_url = f"http://127.0.0.1:{port}"  # nothing listens here yet
    d = await create(api, "claim:quiet")
    recorder = recorder_app()
    async with Worker(worker_settings(database_url, keys, bank, claims_url)) as worker:
        async def paid_but_untold() -> bool:
            async with worker.sessionmaker() as session:
                row = (await session.execute(text(
                    "SELECT attempts, delivered_at FROM payments.outbox"))).first()
            return row is not None and row[0] >= 2 and row[1] is None

        await eventually(paid_but_untold, step=worker.run_once, what="event retried while claims is down")
        async with loopback(recorder, port):
            async def told() -> bool:
                return len(unique_events(recorder)) == 1

            await eventually(told, step=worker.run_once, what="event delivered once claims is up")
    [event] = unique_events(recorder).values()
    assert (event["event"], event["disbursement_id"]) == ("succeeded", d["id"])
