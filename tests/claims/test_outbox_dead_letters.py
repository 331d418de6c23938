"""The claims outbox cannot jam: a row's own failure is counted on it alone, backs off, and ends
as a dead letter (after N attempts, or at once on a 4xx); order holds per claim, not globally;
ops list, retry and discard dead letters (audited) and see depth and age."""

from __future__ import annotations

import asyncio
import contextlib
import uuid

import pytest
from sqlalchemy import text

from kit.outbox import OutboxPolicy
from services.claims.outbox.deliver import deliver_once, run_forever
from tests.claims.helpers import ready_claim, seed_donor
from tests.support.apps import AppStack
from tests.support.dates import iso_days_ago

PASSWORD = "correct horse battery"
POLICY = OutboxPolicy(max_attempts=3, base_s=0.01, cap_s=0.02)


@pytest.fixture
async def staff(stack: AppStack, admin_headers) -> dict[str, dict[str, str]]:
    for n in range(3):  # 1,200 mL: unlimited for life in Beijing, so any number of claims is covered
        await seed_donor(stack.gateway, admin_headers, no=f"D{n}", donated_on=iso_days_ago(700 + 100 * n))
    await stack.gateway.post("/ops/v1/users", headers=admin_headers, json={
        "username": "bj_rev", "password": PASSWORD, "roles": ["reviewer"], "province": "11"})
    return {"admin": admin_headers, "reviewer": await stack.login("bj_rev", PASSWORD)}


async def approved_claim(stack: AppStack, staff, invoice: str) -> str:
    claim = await ready_claim(stack.gateway, staff["admin"], invoice_number=invoice)
    await stack.gateway.post(f"/ops/v1/claims/{claim['id']}/submit", headers=staff["admin"])
    response = await stack.gateway.post(f"/ops/v1/claims/{claim['id']}/decision", headers=staff["reviewer"],
                                        json={"decision": "approve", "note": "同意"})
    assert response.json()["status"] == "approved", response.text
    return claim["id"]


async def deliver(stack: AppStack, db) -> int:
    """One pass, every row due now (the backoff is the policy's business, not this test's)."""
    async with db.begin() as conn:
        await conn.execute(text("UPDATE claims.outbox SET next_attempt_at = now() - interval '1 second' "
                                "WHERE status = 'pending' AND lane <> 'guard'"))
    state = stack.apps["claims"].state
    return await deliver_once(state.sessionmaker, state.peers, POLICY)


async def rows(db, claim_id: str) -> list[tuple[str, str, int]]:
    async with db.connect() as conn:
        return [tuple(r) for r in await conn.execute(text(
            "SELECT kind, status, attempts FROM claims.outbox WHERE claim_id = :c AND lane = 'peer' ORDER BY seq"),
            {"c": claim_id})]


async def test_a_committed_holds_payment_request_goes_out_in_the_same_pass(stack, staff, db) -> None:
    first, second = await approved_claim(stack, staff, "OB-7"), await approved_claim(stack, staff, "OB-8")
    delivered = await deliver(stack, db)  # one pass: each payment request follows its hold's commit at once
    for claim in (first, second):
        assert await rows(db, claim) == [("hold_commit", "delivered", 0), ("payment_request", "delivered", 0)]
    async with db.connect() as conn:
        paid = (await conn.execute(text("SELECT source_ref FROM payments.disbursements"))).scalars().all()
        notifications = (await conn.execute(text(
            "SELECT count(*) FROM claims.outbox WHERE kind = 'notification' AND status = 'delivered'"))).scalar_one()
    assert sorted(paid) == sorted(f"claim:{c}" for c in (first, second))
    assert delivered == 4 + notifications  # the follow-ups are counted in the pass


async def test_the_delivery_loop_keeps_rows_flowing_and_stops_cleanly(stack, staff, db) -> None:
    claims = [await approved_claim(stack, staff, f"OB-L{n}") for n in range(3)]
    state = stack.apps["claims"].state
    # Fewer slots than rows: slots are refilled as rows finish, follow-ups go out in their task.
    loop = asyncio.create_task(run_forever(state.sessionmaker, state.peers, 0.05, POLICY, limit=2))
    try:
        for _ in range(600):  # up to 30 s
            if not await pending(db):
                break
            await asyncio.sleep(0.05)
    finally:
        loop.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await loop
    assert await pending(db) == 0
    for claim in claims:
        assert await rows(db, claim) == [("hold_commit", "delivered", 0), ("payment_request", "delivered", 0)]
    async with db.connect() as conn:
        paid = (await conn.execute(text("SELECT count(*) FROM payments.disbursements"))).scalar_one()
    assert paid == 3


async def pending(db) -> int:
    async with db.connect() as conn:
        return (await conn.execute(text(
            "SELECT count(*) FROM claims.outbox WHERE status = 'pending' AND lane <> 'guard'"))).scalar_one()


async def test_a_row_that_breaks_in_an_unexpected_way_is_counted_alone_and_ends_dead(stack, staff, db) -> None:
    broken, healthy = await approved_claim(stack, staff, "OB-1"), await approved_claim(stack, staff, "OB-2")
    async with db.begin() as conn:  # a key rotated away too early: this card can no longer be decrypted
        # (in the payment request the commit writes: a committed hold's payment goes out in the same pass)
        await conn.execute(text(
            "UPDATE claims.outbox SET payload = jsonb_set(payload, '{then,0,payload,payee,account_number_encrypted}', "
            "'\"v1.gone.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"') WHERE claim_id = :c AND kind = 'hold_commit'"),
            {"c": broken})
    await deliver(stack, db)  # both holds committed; both payment requests written and tried
    assert await rows(db, healthy) == [("hold_commit", "delivered", 0), ("payment_request", "delivered", 0)]
    assert await rows(db, broken) == [("hold_commit", "delivered", 0), ("payment_request", "pending", 1)]
    await deliver(stack, db)
    await deliver(stack, db)
    assert await rows(db, broken) == [("hold_commit", "delivered", 0), ("payment_request", "dead", 3)]
    async with db.connect() as conn:
        error = (await conn.execute(text("SELECT last_error FROM claims.outbox WHERE status = 'dead'"))).scalar_one()
    assert "FieldDecryptError" in error

    stats = (await stack.gateway.get("/ops/v1/outbox/claims/stats", headers=staff["admin"])).json()
    assert (stats["dead"], stats["oldest_dead_age_s"] >= 0) == (1, True)
    dead = (await stack.gateway.get("/ops/v1/outbox/claims/dead-letters", headers=staff["admin"])).json()
    assert [(d["aggregate"], d["kind"], d["attempts"]) for d in dead] == [(broken, "payment_request", 3)]


async def test_a_4xx_is_a_dead_letter_at_once_and_holds_back_only_its_own_claim(stack, staff, db) -> None:
    refused, other = await approved_claim(stack, staff, "OB-3"), await approved_claim(stack, staff, "OB-4")
    async with db.begin() as conn:  # the commit carries a payment that payments will refuse (422)
        await conn.execute(text(
            "UPDATE claims.outbox SET payload = jsonb_set(payload, '{then,0,payload,amount_fen}', '0') "
            "WHERE claim_id = :c AND kind = 'hold_commit'"), {"c": refused})
    await deliver(stack, db)
    await deliver(stack, db)
    [(kind, status, attempts)] = [r for r in await rows(db, refused) if r[0] == "payment_request"]
    assert (kind, status, attempts) == ("payment_request", "dead", 1)
    # A later message of the same claim waits behind its dead letter; the other claim is not held up.
    later = uuid.uuid4()
    async with db.begin() as conn:
        await conn.execute(text(
            "INSERT INTO claims.outbox (id, claim_id, lane, kind, payload, idempotency_key, status, attempts, "
            "next_attempt_at) VALUES (:id, :c, 'peer', 'hold_release', :p, :k, 'pending', 0, now())"),
            {"id": later, "c": refused, "p": '{"hold_key": "nothing-here", "reason": "test"}', "k": f"later:{later}"})
    await deliver(stack, db)
    assert [r[1] for r in await rows(db, refused)] == ["delivered", "dead", "pending"]
    assert [r[1] for r in await rows(db, other)] == ["delivered", "delivered"]

    dead_id = (await stack.gateway.get("/ops/v1/outbox/claims/dead-letters", headers=staff["admin"])).json()[0]["id"]
    no_reason = await stack.gateway.post(f"/ops/v1/outbox/claims/{dead_id}/discard", headers=staff["admin"], json={})
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    not_admin = await stack.gateway.post(f"/ops/v1/outbox/claims/{dead_id}/discard", headers=staff["reviewer"],
                                         json={"reason": "付款单金额错误，已线下处理"})
    assert not_admin.status_code == 403
    discarded = await stack.gateway.post(f"/ops/v1/outbox/claims/{dead_id}/discard", headers=staff["admin"],
                                         json={"reason": "付款单金额错误，已线下处理"})
    assert discarded.json()["status"] == "discarded"
    assert discarded.json()["resolved_reason"] == "付款单金额错误，已线下处理"
    again = await stack.gateway.post(f"/ops/v1/outbox/claims/{dead_id}/retry", headers=staff["admin"],
                                     json={"reason": "再试"})
    assert again.status_code == 409  # no longer a dead letter
    await deliver(stack, db)
    assert [r[1] for r in await rows(db, refused)] == ["delivered", "discarded", "delivered"]
    history = (await stack.gateway.get(f"/ops/v1/claims/{refused}/history", headers=staff["admin"])).json()
    assert [(e["action"], e["actor"], e["reason"]) for e in history][-1] == (
        "outbox_discard", "admin", "付款单金额错误，已线下处理")


async def test_a_dead_letter_retried_after_the_fix_is_delivered(stack, staff, db) -> None:
    claim = await approved_claim(stack, staff, "OB-5")
    async with db.begin() as conn:
        await conn.execute(text(
            "UPDATE claims.outbox SET payload = jsonb_set(payload, '{then,0,payload,amount_fen}', '0') "
            "WHERE claim_id = :c AND kind = 'hold_commit'"), {"c": claim})
    await deliver(stack, db)
    await deliver(stack, db)
    dead = (await stack.gateway.get("/ops/v1/outbox/claims/dead-letters", headers=staff["admin"])).json()
    async with db.begin() as conn:  # ops fix the cause (here: the amount), then retry
        await conn.execute(text("UPDATE claims.outbox SET payload = jsonb_set(payload, '{amount_fen}', '44000') "
                                "WHERE id = :id"), {"id": dead[0]["id"]})
    retried = await stack.gateway.post(f"/ops/v1/outbox/claims/{dead[0]['id']}/retry", headers=staff["admin"],
                                       json={"reason": "金额已更正"})
    assert (retried.json()["status"], retried.json()["attempts"]) == ("pending", 0)
    await deliver(stack, db)
    assert [r[:2] for r in await rows(db, claim)] == [("hold_commit", "delivered"), ("payment_request", "delivered")]
    async with db.connect() as conn:
        paid = (await conn.execute(text("SELECT amount_fen FROM payments.disbursements"))).scalars().all()
    assert paid == [44_000]
    stats = (await stack.gateway.get("/ops/v1/outbox/claims/stats", headers=staff["admin"])).json()
    assert stats["dead"] == 0
