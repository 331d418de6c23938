"""Decisions, the second reviewer for large amounts, the registrar rule, and the outbox."""

from __future__ import annotations

from sqlalchemy import text

from tests.claims.helpers import DONOR, add_user, decide, ready_claim, seed_donor, submitted, upload
from tests.support.dates import iso_days_ago


async def test_approval_commits_the_hold_and_only_then_asks_for_payment(gateway, team, stack, db) -> None:
    claim = await submitted(gateway, team)
    response = await decide(gateway, team["reviewer"], claim["id"], decision="approve")
    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["approved_fen"]) == ("approved", 44_000)
    query = text("SELECT kind, status FROM claims.outbox WHERE claim_id = :c AND lane <> 'guard' ORDER BY seq")
    async with db.connect() as conn:
        rows = [tuple(r) for r in await conn.execute(query, {"c": claim["id"]})]
    # submitted, under review, approved: the applicant hears of each. No payment asked for yet.
    assert sorted(kind for kind, status in rows if status == "pending") == [
        "hold_commit", "notification", "notification", "notification"]
    await stack.drain_outbox()
    async with db.connect() as conn:
        rows = [tuple(r) for r in await conn.execute(query, {"c": claim["id"]})]
    money = [kind for kind, _ in rows if kind != "notification"]
    assert money == ["hold_commit", "payment_request"]  # the commit went first, the payment after it
    assert {status for _, status in rows} == {"delivered"}


async def test_a_reviewer_may_lower_with_a_reason_but_never_raise(gateway, team) -> None:
    claim = await submitted(gateway, team)
    higher = await decide(gateway, team["reviewer"], claim["id"], decision="approve", approved_fen=50_000)
    assert higher.status_code == 422 and higher.json()["errors"][0]["field"] == "approved_fen"
    no_reason = await decide(gateway, team["reviewer"], claim["id"], decision="approve", approved_fen=30_000)
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason_code"
    lowered = await decide(gateway, team["reviewer"], claim["id"], decision="approve", approved_fen=30_000,
                           reason_code="partial_invoice", note="发票部分项目不属于减免范围")
    assert lowered.json()["approved_fen"] == 30_000


async def test_large_approvals_need_a_different_senior_reviewer(gateway, team, admin_headers, stack) -> None:
    # 10 donations of 400 mL (4000 mL > 1000: unlimited); 30 U red cells = 6000 mL = 6,600 yuan > 5,000.
    for i in range(2, 11):
        await seed_donor(gateway, admin_headers, no=f"D{i}", donated_on=iso_days_ago(700 + 30 * i))
    claim = await submitted(gateway, team, items=[{"product": "red_cells", "quantity": 30}], blood_fee_fen=700_000)
    assert claim["eligible_fen"] == 660_000
    first = await decide(gateway, team["reviewer"], claim["id"], decision="approve")
    assert first.json()["status"] == "awaiting_second_review"
    # The first reviewer cannot confirm, even if they were also a senior reviewer.
    not_senior = await decide(gateway, team["reviewer"], claim["id"], decision="approve")
    assert not_senior.status_code == 403
    confirmed = await decide(gateway, team["senior"], claim["id"], decision="approve")
    assert (confirmed.json()["status"], confirmed.json()["approved_fen"]) == ("approved", 660_000)


async def test_the_same_senior_cannot_both_approve_and_confirm(gateway, team, admin_headers, stack) -> None:
    for i in range(2, 11):
        await seed_donor(gateway, admin_headers, no=f"D{i}", donated_on=iso_days_ago(700 + 30 * i))
    claim = await submitted(gateway, team, items=[{"product": "red_cells", "quantity": 30}], blood_fee_fen=700_000)
    assert (await decide(gateway, team["senior"], claim["id"], decision="approve")).json()["status"] == (
        "awaiting_second_review")
    again = await decide(gateway, team["senior"], claim["id"], decision="approve")
    assert again.status_code == 403
    assert "second reviewer cannot be the first" in again.json()["detail"]


async def test_rejection_needs_a_reason_and_releases_the_hold(gateway, team, admin_headers, stack) -> None:
    claim = await submitted(gateway, team)
    no_reason = await decide(gateway, team["reviewer"], claim["id"], decision="reject")
    assert no_reason.status_code == 422
    rejected = await decide(gateway, team["reviewer"], claim["id"], decision="reject", reason_code="not_eligible",
                            note="用血者非直系亲属")
    assert rejected.json()["status"] == "rejected"
    await stack.drain_outbox()
    quote = await gateway.post("/ops/v1/quotes", headers=admin_headers, json={
        "province": "11", "donor": {"cert_type": "resident_id", "cert_number": DONOR},
        "beneficiary": {"cert_type": "resident_id", "cert_number": DONOR}, "relationship": "self",
        "used_on": iso_days_ago(60), "usage_province": "11", "items": [{"product": "plasma", "quantity": 1}],
        "blood_fee_fen": 100})
    assert quote.json()["remaining_ml_before"] == 2000  # the 400 mL hold came back


async def test_needs_more_info_stops_the_clock_and_supplements_resume_it(gateway, team) -> None:
    claim = await submitted(gateway, team)
    asked = await decide(gateway, team["reviewer"], claim["id"], decision="request_info", note="请补充清晰的发票照片")
    assert asked.json()["status"] == "needs_more_info"
    extra = await upload(gateway, f"/ops/v1/claims/{claim['id']}/documents", "invoice", team["operator"])
    assert extra.status_code == 201
    resumed = await gateway.post(f"/ops/v1/claims/{claim['id']}/submit", headers=team["operator"])
    assert resumed.json()["status"] == "under_review"
    assert resumed.json()["due_on"] >= claim["due_on"]


async def test_nobody_approves_their_own_registration(gateway, admin_headers, stack) -> None:
    await seed_donor(gateway, admin_headers)
    both = await add_user(gateway, admin_headers, stack, "bj_both", ["station_operator", "reviewer"])
    claim = await ready_claim(gateway, both)
    await gateway.post(f"/ops/v1/claims/{claim['id']}/submit", headers=both)
    response = await decide(gateway, both, claim["id"], decision="approve")
    assert response.status_code == 403
    assert "own registration" in response.json()["detail"]


async def test_a_reviewer_of_another_province_neither_sees_nor_decides(gateway, team) -> None:
    claim = await submitted(gateway, team)
    assert (await gateway.get(f"/ops/v1/claims/{claim['id']}", headers=team["zj_reviewer"])).status_code == 404
    assert (await decide(gateway, team["zj_reviewer"], claim["id"], decision="approve")).status_code == 404
    queue = await gateway.get("/ops/v1/claims", headers=team["zj_reviewer"])
    assert queue.json() == []
    own = await gateway.get("/ops/v1/claims?status=submitted", headers=team["reviewer"])
    assert [c["id"] for c in own.json()] == [claim["id"]]


async def test_an_unmasked_view_is_audited_with_its_reason(gateway, team) -> None:
    claim = await submitted(gateway, team)
    unmasked = await gateway.get(f"/ops/v1/claims/{claim['id']}/unmasked?reason=核对银行卡", headers=team["reviewer"])
    assert unmasked.status_code == 200
    assert unmasked.json()["payee_account_number"] == "6222021234567891234"
    history = (await gateway.get(f"/ops/v1/claims/{claim['id']}/history", headers=team["reviewer"])).json()
    assert [e["action"] for e in history][-1] == "viewed_unmasked"
    assert history[-1]["actor"] == "bj_rev" and history[-1]["reason"] == "核对银行卡"
    assert history[-1]["request_id"]
    assert [e["action"] for e in history][:2] == ["created", "document_added"]
    operator_view = await gateway.get(f"/ops/v1/claims/{claim['id']}/unmasked?reason=x1", headers=team["operator"])
    assert operator_view.status_code == 403


async def test_the_applicant_side_withdraws_before_review_only(gateway, team) -> None:
    claim = await submitted(gateway, team)
    withdrawn = await gateway.post(f"/ops/v1/claims/{claim['id']}/withdraw", headers=team["operator"], json={})
    assert withdrawn.json()["status"] == "withdrawn"
    other = await submitted(gateway, team, invoice_number="99")
    await gateway.post(f"/ops/v1/claims/{other['id']}/start-review", headers=team["reviewer"])
    late = await gateway.post(f"/ops/v1/claims/{other['id']}/withdraw", headers=team["operator"], json={})
    assert late.status_code == 409
