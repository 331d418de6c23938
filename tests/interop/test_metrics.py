"""What interop shows Prometheus (kit.metrics, issue 16 on the fourth service): HTTP and pool series
like every app, its outbox under the shared names, messages by state, partners, refused messages."""

from __future__ import annotations

import uuid

from sqlalchemy import text

from tests.interop.conftest import PartnerSetup
from tests.support.apps import AppStack
from tests.support.callers import caller_headers
from tests.support.metrics import value


async def scrape(stack: AppStack) -> str:
    stack.apps["interop"].state.metrics.invalidate()
    return (await stack.services["interop"].get("/metrics")).text


async def test_the_interop_gauges_follow_its_tables(stack: AppStack, partner: PartnerSetup, keys, db) -> None:
    empty = await scrape(stack)
    assert value(empty, "xuefei_outbox_depth", outbox="interop") == 0
    assert value(empty, "xuefei_interop_partners", status="active") == 1
    assert value(empty, "xuefei_interop_refused_last_hour") == 0

    queued = await stack.services["interop"].post("/v1/claim-events", headers=caller_headers(
        keys, subject="claims", kind="system"), json={"case": "zj:ZJ-0001", "claim_ref": "BX1100000000000001",
                                                       "status": "approved", "seq": 1, "approved_fen": 44_000})
    assert queued.status_code == 202, queued.text
    await stack.gateway.get(f"/interop/v1/messages/{uuid.uuid4()}")  # unsigned: refused and logged
    waiting = await scrape(stack)
    assert value(waiting, "xuefei_outbox_depth", outbox="interop") == 1
    assert value(waiting, "xuefei_interop_messages", state="pending") == 1
    assert value(waiting, "xuefei_outbox_dead_letters", outbox="interop") == 0
    assert value(waiting, "xuefei_interop_refused_last_hour") == 1
    assert value(waiting, "xuefei_http_requests_total", method="POST", route="/v1/claim-events", status="202") == 1

    async with db.begin() as conn:  # the partner refused it for good (a final 4xx)
        await conn.execute(text("UPDATE interop.outbox SET state = 'failed', delivered_at = now()"))
    failed = await scrape(stack)
    assert value(failed, "xuefei_outbox_depth", outbox="interop") == 0
    assert value(failed, "xuefei_outbox_dead_letters", outbox="interop") == 1
    assert value(failed, "xuefei_interop_messages", state="failed") == 1
