"""Payment events cannot jam: a refusal for good is a dead letter at once, a peer down for too long
one after N attempts; a source's later events wait behind its dead letter, other sources do not;
ops list, retry and discard them (audited)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.payments.support import body, eventually, unique_events


async def _create(rig, source: str, tail: str) -> dict[str, Any]:
    response = await rig.api.post("/v1/disbursements", json=body(source, tail=tail),
                                  headers={"Idempotency-Key": source})
    assert response.status_code == 201, response.text
    return response.json()


async def _outbox(db, source: str) -> list[tuple[str, str, int]]:
    async with db.connect() as conn:
        return [tuple(r) for r in await conn.execute(text(
            "SELECT event, status, attempts FROM payments.outbox WHERE source_ref = :s ORDER BY seq"), {"s": source})]


async def test_a_refused_event_is_dead_at_once_and_holds_back_only_its_source(rig, db) -> None:
    rig.claims.state.refuse = {"claim:lost"}
    lost = await _create(rig, "claim:lost", tail="0000")  # returned by the bank, then corrected and paid
    await _create(rig, "claim:fine", tail="1234")

    async def settled() -> bool:
        return await _outbox(db, "claim:lost") == [("returned", "dead", 1)] and len(unique_events(rig.claims)) == 1

    await eventually(settled, step=rig.work, what="a dead letter for claim:lost, claim:fine told")
    assert [e["source_ref"] for e in unique_events(rig.claims).values()] == ["claim:fine"]

    corrected = await rig.api.post(f"/v1/disbursements/{lost['id']}/payee",
                                   json={"payee": body(tail="4321")["payee"], "reason": "更正"})
    assert corrected.status_code == 200

    async def paid_but_waiting() -> bool:
        return await _outbox(db, "claim:lost") == [("returned", "dead", 1), ("succeeded", "pending", 0)]

    await eventually(paid_but_waiting, step=rig.work, what="the later event written and held back")
    for _ in range(3):
        await rig.work()
    assert await _outbox(db, "claim:lost") == [("returned", "dead", 1), ("succeeded", "pending", 0)]

    admin = rig.headers(roles=("admin",), subject="ops-admin")
    dead = (await rig.api.get("/v1/outbox/dead-letters", headers=admin)).json()
    assert [(d["aggregate"], d["kind"], d["attempts"]) for d in dead] == [("claim:lost", "returned -> claims", 1)]
    assert "404" in dead[0]["last_error"]
    stats = (await rig.api.get("/v1/outbox/stats", headers=admin)).json()
    assert (stats["pending"], stats["dead"]) == (1, 1)
    # The platform's plumbing, across provinces: admin only (a province's finance gets 403).
    finance = rig.headers(roles=("finance",))
    for path in ("/v1/outbox/dead-letters", "/v1/outbox/stats"):
        assert (await rig.api.get(path, headers=finance)).status_code == 403
    assert (await rig.api.post(f"/v1/outbox/{dead[0]['id']}/retry", headers=finance,
                               json={"reason": "claims 已补录"})).status_code == 403

    rig.claims.state.refuse = set()  # the claim exists now (say, restored from a backup)
    retried = await rig.api.post(f"/v1/outbox/{dead[0]['id']}/retry", headers=admin, json={"reason": "claims 已补录"})
    assert (retried.json()["status"], retried.json()["resolved_by"]) == ("pending", "ops-admin")

    async def both_told() -> bool:
        return len(unique_events(rig.claims)) == 3

    await eventually(both_told, step=rig.work, what="both events of claim:lost delivered")
    told = [e["event"] for e in rig.claims.state.events if e["source_ref"] == "claim:lost"]
    assert told == ["returned", "succeeded"]  # in order
    async with db.connect() as conn:
        audit = (await conn.execute(text("SELECT action, actor, reason FROM payments.outbox_actions"))).all()
    assert [tuple(a) for a in audit] == [("retry", "ops-admin", "claims 已补录")]


async def test_an_event_out_of_attempts_is_a_dead_letter_that_ops_may_discard(rig, db) -> None:
    rig.claims.state.fail_next = 10_000  # claims answers 503 for the rest of the test
    await _create(rig, "claim:down", tail="1234")
    rig.worker.delivery_policy = replace(rig.worker.delivery_policy, max_attempts=3)

    async def dead() -> bool:
        return await _outbox(db, "claim:down") == [("succeeded", "dead", 3)]

    await eventually(dead, step=rig.work, what="dead after 3 attempts")
    admin = rig.headers(roles=("admin",))
    [letter] = (await rig.api.get("/v1/outbox/dead-letters", headers=admin)).json()
    assert "503" in letter["last_error"]
    discarded = await rig.api.post(f"/v1/outbox/{letter['id']}/discard", headers=admin,
                                   json={"reason": "已人工通知申请人"})
    assert discarded.json()["status"] == "discarded"
    assert (await rig.api.get("/v1/outbox/dead-letters", headers=admin)).json() == []
    with pytest.raises(DBAPIError, match="append-only"):  # the audit of ops' decisions is never rewritten
        async with db.begin() as conn:
            await conn.execute(text("DELETE FROM payments.outbox_actions"))
