"""The worker in-process: sends, follows a transfer to its end, tells claims, retries, shares work."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from typing import Any

import httpx
import time_machine
from sqlalchemy import text

from kit import clock
from kit.identity import IdentityVerifier
from sandboxes.bank.app import create_app as create_bank
from sandboxes.bank.settings import SandboxSettings
from services.payments.dispatch.service import DispatchPolicy
from services.payments.settings import Settings
from services.payments.worker import Worker
from tests.payments.support import FAST, body, eventually, unique_events
from tests.support.apps import service_settings


async def create(rig, source: str = "claim:c1", **kwargs: Any) -> dict[str, Any]:
    response = await rig.api.post("/v1/disbursements", json=body(source, **kwargs), headers={"Idempotency-Key": source})
    assert response.status_code == 201, response.text
    return response.json()


async def state_of(rig, disbursement_id: str) -> dict[str, Any]:
    return (await rig.api.get(f"/v1/disbursements/{disbursement_id}")).json()


async def until_state(rig, disbursement_id: str, state: str) -> dict[str, Any]:
    async def reached() -> bool:
        return (await state_of(rig, disbursement_id))["state"] == state

    await eventually(reached, step=rig.work, what=f"state {state}")
    return await state_of(rig, disbursement_id)


async def test_a_disbursement_goes_pending_sent_succeeded_and_claims_hears_once(rig) -> None:
    d = await create(rig)
    done = await until_state(rig, d["id"], "succeeded")
    assert [(h["from_state"], h["to_state"]) for h in done["history"]] == [
        (None, "pending"), ("pending", "sent"), ("sent", "succeeded")]
    assert done["finished_at"] is not None
    await eventually(lambda: _count(rig, 1), step=rig.work, what="the event delivered")
    for _ in range(3):
        await rig.work()
    event = rig.claims.state.events[0]
    assert len(rig.claims.state.events) == 1
    assert {k: event[k] for k in ("disbursement_id", "source_ref", "event", "amount_fen")} == {
        "disbursement_id": d["id"], "source_ref": "claim:c1", "event": "succeeded", "amount_fen": 44_000}
    assert event["_key"] == event["event_id"]
    # The event is signed by payments itself, as claims will check.
    verifier = IdentityVerifier(rig.keys.identity_public_pem, {"payments": rig.keys.service_keypairs["payments"][1]})
    caller = verifier.verify(rig.claims.state.caller_tokens[0])
    assert (caller.subject, caller.kind) == ("payments", "system")
    ledger = await rig.ledger()
    assert [p["merchant_transfer_no"] for p in ledger["payouts"]] == [d["merchant_transfer_no"]]


async def _count(rig, n: int) -> bool:
    return len(unique_events(rig.claims)) >= n


async def test_a_transfer_the_bank_refuses_fails_and_claims_hears_why(rig) -> None:
    d = await create(rig, tail="9999")
    done = await until_state(rig, d["id"], "failed")
    assert [(h["from_state"], h["to_state"]) for h in done["history"]][-1] == ("pending", "failed")
    assert "冻结" in done["history"][-1]["reason"]
    await eventually(lambda: _count(rig, 1), step=rig.work, what="the event delivered")
    assert rig.claims.state.events[0]["event"] == "failed"
    assert "冻结" in rig.claims.state.events[0]["reason"]


async def test_a_500_from_the_bank_is_retried_after_asking_with_the_same_number(rig) -> None:
    await rig.bank.post("/sandbox/faults", json={"mode": "error_500", "count": 2})
    d = await create(rig)
    await rig.work()
    first = await state_of(rig, d["id"])
    assert (first["state"], first["send_tries"]) == ("pending", 1)
    assert "HTTP 500" in first["last_error"]
    done = await until_state(rig, d["id"], "succeeded")
    assert done["merchant_transfer_no"] == d["merchant_transfer_no"]
    assert done["last_error"] is None
    requests = (await rig.ledger())["requests"][d["merchant_transfer_no"]]
    assert requests["posts"] == 3  # two refused with 500, then the one that went through
    assert requests["queries"] >= 2  # each re-send was preceded by a query
    assert len((await rig.ledger())["payouts"]) == 1


async def test_only_sources_claims_owns_send_it_events(rig) -> None:
    other = await create(rig, "settlement:2026-11-H1")
    statement = await create(rig, "statement:0b7f6c1e-4a59-4b4e-9f7e-6c2d1f0a9b11", tail="5678")
    await until_state(rig, other["id"], "succeeded")
    await until_state(rig, statement["id"], "succeeded")
    await eventually(lambda: _count(rig, 1), step=rig.work, what="the statement's event")
    for _ in range(3):
        await rig.work()
    assert [(e["source_ref"], e["event"]) for e in rig.claims.state.events] == [
        ("statement:0b7f6c1e-4a59-4b4e-9f7e-6c2d1f0a9b11", "succeeded")]


async def test_claims_being_down_delays_the_event_but_never_loses_it(rig, db) -> None:
    rig.claims.state.fail_next = 4
    d = await create(rig)
    await until_state(rig, d["id"], "succeeded")
    await eventually(lambda: _count(rig, 1), step=rig.work, what="the event delivered after claims came back")
    assert rig.claims.state.fail_next == 0
    async with db.connect() as conn:
        row = (await conn.execute(text("SELECT attempts, delivered_at IS NOT NULL FROM payments.outbox"))).one()
    assert row[1] is True and row[0] >= 1
    assert [e["event"] for e in unique_events(rig.claims).values()] == ["succeeded"]


async def test_two_workers_at_once_never_send_one_disbursement_twice(rig, database_url, keys) -> None:
    # A slow, uneven bank and two disbursements at a time, one per pass: the worker that finishes
    # first comes straight back while the other still waits on the bank for the one it took.
    await rig.bank.post("/sandbox/faults", json={"mode": "slow", "count": None, "hold_s": 0.3})
    workers = [Worker(service_settings("payments", database_url, keys, **{**FAST, "worker_batch_size": 1}),
                      bank_transport=rig.worker._bank_transport, claims_transport=rig.worker._claims_transport)
               for _ in range(2)]
    stop = asyncio.Event()
    ids: list[str] = []
    async with workers[0], workers[1]:
        tasks = [asyncio.create_task(w.run_forever(stop)) for w in workers]
        async def all_paid() -> bool:
            states = [(await state_of(rig, i))["state"] for i in ids]
            return states.count("succeeded") == len(ids)

        try:
            for round_ in range(6):
                ids.extend([(await create(rig, f"claim:{round_}-{n}"))["id"] for n in range(2)])
                await eventually(all_paid, what=f"round {round_} paid")
        finally:
            stop.set()
            await asyncio.gather(*tasks)
    ledger = await rig.ledger()
    posts = Counter({no: c["posts"] for no, c in ledger["requests"].items()})
    assert len(posts) == len(ids) == 12 and set(posts.values()) == {1}
    assert len(ledger["payouts"]) == len(ids)


def test_the_poll_schedule_of_an_accepted_transfer_starts_soon_and_backs_off_to_sent_poll_s() -> None:
    defaults = Settings.model_fields
    assert (defaults["sent_first_poll_s"].default, defaults["sent_poll_s"].default) == (3.0, 30.0)
    policy = DispatchPolicy(sent_first_poll_s=3.0, sent_poll_s=30.0)
    assert [policy.sent_poll_delay(n).total_seconds() for n in range(7)] == [3, 6, 12, 24, 30, 30, 30]
    assert policy.sent_poll_delay(10_000).total_seconds() == 30  # no overflow however long it takes
    # The first query is never later than sent_poll_s (the tests' fast clocks set only that one).
    assert DispatchPolicy(sent_first_poll_s=3.0, sent_poll_s=0.05).sent_poll_delay(0).total_seconds() == 0.05


async def test_an_accepted_transfer_is_asked_about_after_3_s_then_at_doubling_intervals_up_to_30_s(
        rig, database_url, keys) -> None:
    # The real schedule (PAYMENTS_SENT_FIRST_POLL_S=3, PAYMENTS_SENT_POLL_S=30) against a bank that keeps
    # the transfer processing for an hour; the clock stands still and is moved by hand.
    bank_app = create_bank(SandboxSettings(settle_delay_s=3600))
    settings = service_settings("payments", database_url, keys, **{**FAST, "sent_first_poll_s": 3.0,
                                                                    "sent_poll_s": 30.0})
    async with bank_app.router.lifespan_context(bank_app), \
            Worker(settings, bank_transport=httpx.ASGITransport(app=bank_app),
                   claims_transport=rig.worker._claims_transport) as worker:
        bank = httpx.AsyncClient(transport=httpx.ASGITransport(app=bank_app), base_url="http://bank.test")

        async def queries(number: str) -> int:
            return (await bank.get("/sandbox/ledger")).json()["requests"][number]["queries"]

        accepted = clock.now()
        with time_machine.travel(accepted, tick=False) as traveller:
            d = await create(rig)
            assert await worker.run_once() == 1  # sent and accepted at `accepted`
            sent = await state_of(rig, d["id"])
            assert sent["state"] == "sent" and await queries(d["merchant_transfer_no"]) == 0
            # Asked at t+3, 9, 21, 45 (3, 6, 12, 24 s apart), then every 30 s; never before it is due.
            for n, at in enumerate([3, 9, 21, 45, 75, 105, 135], start=1):
                traveller.move_to(accepted + timedelta(seconds=at - 0.1))
                assert await worker.run_once() == 0, f"query {n} came before t+{at} s"
                assert await queries(d["merchant_transfer_no"]) == n - 1
                traveller.move_to(accepted + timedelta(seconds=at))
                assert await worker.run_once() == 1, f"no query {n} at t+{at} s"
                assert await queries(d["merchant_transfer_no"]) == n
            assert (await state_of(rig, d["id"]))["state"] == "sent"
        await bank.aclose()
