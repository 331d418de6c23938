"""Soft review locks: two reviewers never act on one claim at once, and the other sees who holds it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from kit import clock
from tests.claims.helpers import add_user, decide, seed_donor, submitted
from tests.support.dates import iso_days_ago


async def lock(gateway, headers, claim_id):
    return await gateway.post(f"/ops/v1/claims/{claim_id}/lock", headers=headers)


async def test_a_held_claim_refuses_another_reviewer_and_names_the_holder(gateway, team, admin_headers, stack) -> None:
    other = await add_user(gateway, admin_headers, stack, "bj_rev2", ["reviewer"])
    claim = await submitted(gateway, team, invoice_number="L1")
    taken = await lock(gateway, team["reviewer"], claim["id"])
    assert taken.status_code == 200 and taken.json()["holder"] == "bj_rev" and taken.json()["mine"] is True
    refused = await lock(gateway, other, claim["id"])
    assert refused.status_code == 409
    assert refused.json()["holder"] == "bj_rev" and "bj_rev 正在处理此申请" in refused.json()["detail"]
    for action in (gateway.post(f"/ops/v1/claims/{claim['id']}/start-review", headers=other),
                   decide(gateway, other, claim["id"], decision="approve")):
        response = await action
        assert response.status_code == 409 and response.json()["holder"] == "bj_rev"
    row = [r for r in (await gateway.get("/ops/v1/review/queue", headers=other)).json() if r["id"] == claim["id"]]
    assert row[0]["lock"]["holder"] == "bj_rev" and row[0]["lock"]["mine"] is False
    sheet = (await gateway.get(f"/ops/v1/review/claims/{claim['id']}", headers=other)).json()
    assert sheet["can_decide"] is False and sheet["lock"]["holder"] == "bj_rev"
    status = (await gateway.get(f"/ops/v1/claims/{claim['id']}", headers=other)).json()["status"]
    assert status == "submitted"  # the refused actions changed nothing


async def test_renewing_keeps_the_lock_and_a_decision_gives_it_back(gateway, team, admin_headers, stack) -> None:
    for i in range(2, 11):  # 4,000 mL: unlimited, so 30 U (6,600 yuan) needs a second reviewer
        await seed_donor(gateway, admin_headers, no=f"D{i}", donated_on=iso_days_ago(700 + 30 * i))
    claim = await submitted(gateway, team, invoice_number="L2", items=[{"product": "red_cells", "quantity": 30}],
                            blood_fee_fen=700_000)
    first = (await lock(gateway, team["reviewer"], claim["id"])).json()
    renewed = (await lock(gateway, team["reviewer"], claim["id"])).json()
    assert renewed["acquired_at"] == first["acquired_at"] and renewed["expires_at"] >= first["expires_at"]
    assert (await lock(gateway, team["senior"], claim["id"])).status_code == 409
    approved = await decide(gateway, team["reviewer"], claim["id"], decision="approve")
    assert approved.json()["status"] == "awaiting_second_review"
    # The first reviewer's turn is over: the senior takes the claim and confirms it.
    assert (await lock(gateway, team["senior"], claim["id"])).json()["holder"] == "bj_senior"
    assert (await lock(gateway, team["reviewer"], claim["id"])).status_code == 409
    confirmed = await decide(gateway, team["senior"], claim["id"], decision="approve")
    assert confirmed.json()["status"] == "approved"
    assert (await lock(gateway, team["senior"], claim["id"])).status_code == 409  # nothing left to review


async def test_a_lapsed_lock_can_be_taken_and_only_its_holder_gives_it_back(gateway, team, admin_headers, stack,
                                                                            db) -> None:
    other = await add_user(gateway, admin_headers, stack, "bj_rev2", ["reviewer"])
    claim = await submitted(gateway, team, invoice_number="L3")
    await lock(gateway, team["reviewer"], claim["id"])
    not_mine = await gateway.delete(f"/ops/v1/claims/{claim['id']}/lock", headers=other)
    assert not_mine.status_code == 409
    async with db.begin() as conn:  # the holder closed the browser ten minutes ago
        await conn.execute(text("UPDATE claims.review_locks SET expires_at = :t WHERE claim_id = :c"),
                           {"t": clock.now() - timedelta(minutes=10), "c": claim["id"]})
    taken = await lock(gateway, other, claim["id"])
    assert taken.status_code == 200 and taken.json()["holder"] == "bj_rev2"
    assert (await gateway.delete(f"/ops/v1/claims/{claim['id']}/lock", headers=other)).status_code == 204
    assert (await gateway.delete(f"/ops/v1/claims/{claim['id']}/lock", headers=other)).status_code == 204
    assert (await lock(gateway, team["reviewer"], claim["id"])).json()["holder"] == "bj_rev"


async def test_only_reviewers_of_the_province_lock_a_claim_awaiting_review(gateway, team) -> None:
    claim = await submitted(gateway, team, invoice_number="L4")
    assert (await lock(gateway, team["zj_reviewer"], claim["id"])).status_code == 404
    assert (await lock(gateway, team["operator"], claim["id"])).status_code == 403
    await decide(gateway, team["reviewer"], claim["id"], decision="request_info", note="请补充发票")
    waiting = await lock(gateway, team["reviewer"], claim["id"])
    assert waiting.status_code == 409 and "needs_more_info" in waiting.json()["detail"]
