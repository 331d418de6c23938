"""What payments and its worker show Prometheus: disbursements by state, lag, outbox, mismatches."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import httpx
from sqlalchemy import text

from kit.clock import CST
from kit.metrics import serve
from stack.processes import free_port
from tests.payments.support import body, eventually
from tests.support.metrics import value


async def scrape(rig) -> str:
    rig.app.state.metrics.invalidate()
    return (await rig.api.get("/metrics")).text


async def create(rig, source: str) -> str:
    response = await rig.api.post("/v1/disbursements", json=body(source), headers={"Idempotency-Key": source})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def test_disbursements_by_state_and_the_workers_lag(rig, db) -> None:
    first = await create(rig, "claim:m1")
    await create(rig, "claim:m2")
    text_ = await scrape(rig)
    assert value(text_, "xuefei_disbursements", state="pending") == 2
    assert value(text_, "xuefei_disbursements", state="succeeded") == 0
    async with db.begin() as conn:  # due a minute ago and nobody took it: the workers are behind
        await conn.execute(text("UPDATE payments.disbursements SET next_attempt_at = now() - interval '60 seconds' "
                                "WHERE id = :id"), {"id": first})
    assert value(await scrape(rig), "xuefei_worker_lag_seconds", worker="payments") >= 60

    async def settled() -> bool:
        return value(await scrape(rig), "xuefei_disbursements", state="succeeded") == 2

    await eventually(settled, step=rig.work, what="both paid")
    done = await scrape(rig)
    assert value(done, "xuefei_disbursements", state="pending") == 0
    assert value(done, "xuefei_worker_lag_seconds", worker="payments") == 0
    assert value(done, "xuefei_disbursements_open_oldest_age_seconds") == 0


async def test_payment_events_waiting_and_stuck(rig, db) -> None:
    await create(rig, "claim:m3")
    rig.claims.state.fail_next = 1000  # claims answers 503: the succeeded event waits in the outbox

    async def waiting() -> bool:
        return value(await scrape(rig), "xuefei_outbox_depth", outbox="payments") == 1

    await eventually(waiting, step=rig.work, what="an event waiting")
    async with db.begin() as conn:
        await conn.execute(text("UPDATE payments.outbox SET status = 'dead', attempts = 20, dead_at = now()"))
    assert value(await scrape(rig), "xuefei_outbox_dead_letters", outbox="payments") == 1


async def test_open_mismatches_are_those_of_each_days_latest_run(rig, db) -> None:
    runs = ((date(2025, 3, 1), datetime(2025, 3, 2, 3, tzinfo=CST), ("amount_mismatch", "missing_here")),
            (date(2025, 3, 1), datetime(2025, 3, 2, 9, tzinfo=CST), ("missing_here", "matched")),
            (date(2025, 3, 2), datetime(2025, 3, 3, 3, tzinfo=CST), ("status_mismatch",)))
    async with db.begin() as conn:
        for day, ran_at, kinds in runs:
            run = uuid.uuid4()
            await conn.execute(text(
                "INSERT INTO payments.reconciliation_runs (id, run_date, trigger, channels, counts, ran_by, ran_at) "
                "VALUES (:id, :day, 'manual', '[]', '{}', 'test', :at)"), {"id": run, "day": day, "at": ran_at})
            for kind in kinds:
                await conn.execute(text(
                    "INSERT INTO payments.reconciliation_items (run_id, kind, channel, merchant_transfer_no, detail) "
                    "VALUES (:run, :kind, 'bank_transfer', 'N1', 'x')"), {"run": run, "kind": kind})
    scraped = await scrape(rig)
    # 03-01: the later run supersedes the earlier one (one missing_here left); 03-02: one status mismatch.
    assert value(scraped, "xuefei_reconciliation_mismatches_open", kind="missing_here") == 1
    assert value(scraped, "xuefei_reconciliation_mismatches_open", kind="amount_mismatch") == 0
    assert value(scraped, "xuefei_reconciliation_mismatches_open", kind="status_mismatch") == 1


async def test_the_worker_serves_its_own_metrics(rig, db) -> None:
    disbursement = await create(rig, "claim:m4")

    async def succeeded() -> bool:  # sent on one pass, asked on a later one once the poll interval has passed
        async with db.connect() as conn:
            state = (await conn.execute(text("SELECT state FROM payments.disbursements WHERE id = :id"),
                                        {"id": disbursement})).scalar_one()
        return bool(state == "succeeded")

    await eventually(succeeded, step=rig.work, what="the disbursement succeeding")
    port = free_port()
    listener = await serve(rig.worker.metrics, "127.0.0.1", port)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", trust_env=False) as client:
            scraped = (await client.get("/metrics")).text
    finally:
        listener.close()
        await listener.wait_closed()
    assert value(scraped, "xuefei_worker_items_total", worker="payments", duty="dispatch") >= 2  # sent, then asked
    assert value(scraped, "xuefei_db_pool_capacity", pool="main") is not None
