"""No payout without consumed quota, no silent payment failure, and the alarm list of money owed:
a claim from submission to the bank sandbox's ledger, with the payments worker in-process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import text

from tests.claims.helpers import FATHER, claim_body, ready_claim, seed_donor
from tests.support.apps import AppStack
from tests.support.callers import caller_headers
from tests.support.dates import today, travel
from tests.support.money import Money, money_for

PASSWORD = "correct horse battery"
REFUSED_CARD = "6222021234569999"  # the bank sandbox freezes accounts ending 9999: refused for good


async def add_user(stack: AppStack, admin: dict[str, str], username: str, roles: list[str]) -> None:
    response = await stack.gateway.post("/ops/v1/users", headers=admin, json={
        "username": username, "password": PASSWORD, "roles": roles, "province": "11"})
    assert response.status_code == 201, response.text


@pytest.fixture
async def team(stack: AppStack, admin_headers) -> dict[str, str]:
    await seed_donor(stack.gateway, admin_headers, volume_ml=400)
    for username, roles in (("bj_op", ["station_operator"]), ("bj_rev", ["reviewer"]),
                            ("bj_senior", ["senior_reviewer"]), ("bj_fin", ["finance"])):
        await add_user(stack, admin_headers, username, roles)
    return {"operator": "bj_op", "reviewer": "bj_rev", "senior": "bj_senior", "finance": "bj_fin"}


@pytest.fixture
async def money(stack: AppStack, database_url, keys) -> AsyncIterator[Money]:
    async with money_for(stack, database_url, keys) as m:
        yield m


async def login(stack: AppStack, username: str) -> dict[str, str]:
    return await stack.login(username, PASSWORD)


async def submitted(stack: AppStack, operator: dict[str, str], **body) -> dict:
    claim = await ready_claim(stack.gateway, operator, **body)
    response = await stack.gateway.post(f"/ops/v1/claims/{claim['id']}/submit", headers=operator)
    assert response.status_code == 200, response.text
    return response.json()


async def approve(stack: AppStack, reviewer: dict[str, str], claim_id: str) -> dict:
    response = await stack.gateway.post(f"/ops/v1/claims/{claim_id}/decision", headers=reviewer,
                                        json={"decision": "approve", "note": "材料齐全"})
    assert response.status_code == 200, response.text
    return response.json()


async def claim_of(stack: AppStack, headers: dict[str, str], claim_id: str) -> dict:
    return (await stack.gateway.get(f"/ops/v1/claims/{claim_id}", headers=headers)).json()


async def hold(stack: AppStack, keys, key: str) -> dict:
    headers = caller_headers(keys, subject="claims", roles=("system",), kind="system")
    return (await stack.services["entitlement"].get(f"/v1/holds/{key}", headers=headers)).json()


async def count(db, sql: str, **params) -> int:
    async with db.connect() as conn:
        return int((await conn.execute(text(sql), params)).scalar_one())


async def test_a_claim_in_review_for_months_keeps_its_hold_and_is_paid_once(stack, team, money, keys, db) -> None:
    operator = await login(stack, team["operator"])
    claim = await submitted(stack, operator)
    assert (await hold(stack, keys, f"claim:{claim['id']}"))["expires_at"] is None  # held while the claim is open
    reviewer = await login(stack, team["reviewer"])
    asked = await stack.gateway.post(f"/ops/v1/claims/{claim['id']}/decision", headers=reviewer,
                                     json={"decision": "request_info", "note": "请补充费用清单"})
    assert asked.json()["status"] == "needs_more_info"
    with travel(today() + timedelta(days=200)):  # well past the 120 days a hold used to live
        operator, reviewer = await login(stack, team["operator"]), await login(stack, team["reviewer"])
        resumed = await stack.gateway.post(f"/ops/v1/claims/{claim['id']}/submit", headers=operator)
        assert resumed.json()["status"] == "under_review", resumed.text
        assert (await approve(stack, reviewer, claim["id"]))["status"] == "approved"
        await money.settle_everything()
        final = await claim_of(stack, operator, claim["id"])
    assert (final["status"], final["paid_fen"]) == ("paid", 44_000)
    assert (await hold(stack, keys, f"claim:{claim['id']}"))["state"] == "committed"
    assert [p["amount_fen"] for p in (await money.ledger())["payouts"]] == [44_000]


async def test_a_hold_entitlement_will_not_consume_pays_nothing_and_goes_to_a_senior_reviewer(
        stack, team, money, keys, db) -> None:
    operator, reviewer = await login(stack, team["operator"]), await login(stack, team["reviewer"])
    claim = await submitted(stack, operator)
    await approve(stack, reviewer, claim["id"])
    # Before the outbox commits it, the hold is gone at entitlement (released, or lapsed under old rules).
    system = caller_headers(keys, subject="claims", roles=("system",), kind="system")
    released = await stack.services["entitlement"].post(f"/v1/holds/claim:{claim['id']}/release", headers=system,
                                                        json={"reason": "lost"})
    assert released.json()["state"] == "released"
    await money.settle_everything()

    current = await claim_of(stack, operator, claim["id"])
    assert current["status"] == "needs_attention"
    assert "released" in current["attention_reason"]
    assert await count(db, "SELECT count(*) FROM payments.disbursements") == 0
    assert await count(db, "SELECT count(*) FROM claims.outbox WHERE kind = 'payment_request'") == 0
    assert (await money.ledger())["payouts"] == []
    history = (await stack.gateway.get(f"/ops/v1/claims/{claim['id']}/history", headers=operator)).json()
    assert [(e["action"], e["to_status"]) for e in history][-1] == ("needs_attention", "needs_attention")
    assert await count(db, "SELECT count(*) FROM claims.sandbox_notifications WHERE template = "
                           "'claim_needs_attention' AND claim_id = :c", c=claim["id"]) == 1
    finance = await login(stack, team["finance"])
    alarms = (await stack.gateway.get("/ops/v1/alarms/payments", headers=finance)).json()
    assert [(a["kind"], a["id"]) for a in alarms] == [("needs_attention", claim["id"])]

    body = {"action": "requote", "note": "额度预留丢失，重新核定"}
    refused = await stack.gateway.post(f"/ops/v1/claims/{claim['id']}/attention", headers=reviewer, json=body)
    assert refused.status_code == 403  # a reviewer is not a senior reviewer
    senior = await login(stack, team["senior"])
    requoted = await stack.gateway.post(f"/ops/v1/claims/{claim['id']}/attention", headers=senior, json=body)
    assert requoted.status_code == 200, requoted.text
    assert (requoted.json()["status"], requoted.json()["eligible_fen"]) == ("under_review", 44_000)
    assert (await hold(stack, keys, f"claim:{claim['id']}:1"))["state"] == "held"  # a fresh key, a live hold
    await approve(stack, reviewer, claim["id"])
    await money.settle_everything()
    assert (await claim_of(stack, operator, claim["id"]))["status"] == "paid"
    assert [p["amount_fen"] for p in (await money.ledger())["payouts"]] == [44_000]
    assert (await stack.gateway.get("/ops/v1/alarms/payments", headers=finance)).json() == []


async def test_a_senior_reviewer_may_reject_instead(stack, team, money, keys) -> None:
    operator, reviewer = await login(stack, team["operator"]), await login(stack, team["reviewer"])
    claim = await submitted(stack, operator)
    await approve(stack, reviewer, claim["id"])
    system = caller_headers(keys, subject="claims", roles=("system",), kind="system")
    await stack.services["entitlement"].post(f"/v1/holds/claim:{claim['id']}/release", headers=system,
                                             json={"reason": "lost"})
    await money.settle_everything()
    senior = await login(stack, team["senior"])
    no_code = await stack.gateway.post(f"/ops/v1/claims/{claim['id']}/attention", headers=senior,
                                       json={"action": "reject", "note": "额度已用于其他申请"})
    assert no_code.status_code == 422 and no_code.json()["errors"][0]["field"] == "reason_code"
    rejected = await stack.gateway.post(f"/ops/v1/claims/{claim['id']}/attention", headers=senior, json={
        "action": "reject", "reason_code": "quota_used", "note": "额度已用于其他申请"})
    assert rejected.json()["status"] == "rejected", rejected.text
    again = await stack.gateway.post(f"/ops/v1/claims/{claim['id']}/attention", headers=senior, json={
        "action": "reject", "reason_code": "quota_used", "note": "再次"})
    assert again.status_code == 409


async def test_a_transfer_refused_for_good_comes_back_to_the_applicant_and_is_paid_once_corrected(
        stack, team, money, db) -> None:
    operator, reviewer = await login(stack, team["operator"]), await login(stack, team["reviewer"])
    claim = await submitted(stack, operator, card=REFUSED_CARD)
    await approve(stack, reviewer, claim["id"])
    await money.settle_everything()
    failed = await claim_of(stack, operator, claim["id"])
    assert failed["status"] == "payment_failed"
    assert "冻结" in failed["payment_error"]
    assert await count(db, "SELECT count(*) FROM claims.sandbox_notifications WHERE template = "
                           "'claim_payment_failed' AND claim_id = :c", c=claim["id"]) == 1
    finance = await login(stack, team["finance"])
    alarms = (await stack.gateway.get("/ops/v1/alarms/payments", headers=finance)).json()
    assert [(a["kind"], a["id"], a["reason"]) for a in alarms] == [
        ("payment_failed", claim["id"], failed["payment_error"])]

    corrected = await stack.gateway.put(f"/ops/v1/claims/{claim['id']}/payee", headers=operator, json={
        "payee": {"account_name": "张三", "account_number": "6222021234561234", "bank_name": "中国工商银行"},
        "reason": "申请人更换银行卡"})
    assert (corrected.status_code, corrected.json()["status"]) == (200, "approved"), corrected.text
    await money.settle_everything()
    paid = await claim_of(stack, operator, claim["id"])
    assert (paid["status"], paid["paid_fen"], paid["payment_error"]) == ("paid", 44_000, None)
    ledger = await money.ledger()
    assert [(p["amount_fen"], p["account_tail"]) for p in ledger["payouts"]] == [(44_000, "1234")]
    assert await count(db, "SELECT count(*) FROM payments.disbursements") == 1  # one disbursement, two attempts
    assert await count(db, "SELECT max(attempt) FROM payments.disbursements") == 2


async def test_approved_and_unpaid_past_ten_working_days_is_on_the_alarm_lists(stack, team, money, db) -> None:
    operator, reviewer = await login(stack, team["operator"]), await login(stack, team["reviewer"])
    claim = await submitted(stack, operator)
    approved = await approve(stack, reviewer, claim["id"])
    assert approved["pay_due_on"] > approved["approved_on"]
    await stack.drain_outbox()  # committed and asked for; the worker is not running (the bank is "down")
    finance = await login(stack, team["finance"])
    assert (await stack.gateway.get("/ops/v1/alarms/payments", headers=finance)).json() == []
    assert (await stack.gateway.get("/ops/v1/alarms/transfers", headers=finance)).json() == []
    with travel(today() + timedelta(days=20)):  # 20 calendar days: more than 10 working days
        finance = await login(stack, team["finance"])
        late = (await stack.gateway.get("/ops/v1/alarms/payments", headers=finance)).json()
        stuck = (await stack.gateway.get("/ops/v1/alarms/transfers", headers=finance)).json()
    assert [(a["kind"], a["id"], a["overdue"], a["since"]) for a in late] == [
        ("late_payment", claim["id"], True, approved["pay_due_on"])]
    assert [(t["source_ref"], t["state"]) for t in stuck] == [(f"claim:{claim['id']}", "pending")]


async def test_a_deceased_donors_claim_pays_the_named_relative_only(stack, team) -> None:
    operator = await login(stack, team["operator"])
    relative = {"cert_type": "resident_id", "cert_number": FATHER, "name": "张小三", "relationship": "child"}
    documents = ("donor_id_front", "donor_id_back", "fee_list", "invoice", "death_proof")

    async def create(invoice: str, **changes) -> httpx.Response:
        body = claim_body(invoice_number=invoice) | {"donor_deceased": True} | changes
        return await stack.gateway.post("/ops/v1/claims", headers=operator, json=body)

    missing = await create("D-0")
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "payee_relative"
    living = await create("D-0", donor_deceased=False, payee_relative=relative)
    assert living.status_code == 422 and living.json()["errors"][0]["field"] == "payee_relative"

    to_the_donor = await ready_claim(stack.gateway, operator, documents=documents, invoice_number="D-1",
                                     donor_deceased=True, payee_relative=relative)  # payee: 张三, the donor
    refused = await stack.gateway.post(f"/ops/v1/claims/{to_the_donor['id']}/submit", headers=operator)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "payee.account_name"
    assert "张**" in refused.json()["detail"] and "张小三" not in refused.text  # names masked (issue 11)

    to_the_relative = await ready_claim(stack.gateway, operator, documents=documents, invoice_number="D-2",
                                        donor_deceased=True, payee_relative=relative, payee_name="张小三")
    assert to_the_relative["payee_relative"] == {
        "name": "张**", "relationship": "child", "cert_type": "resident_id",
        "cert_number_masked": FATHER[:6] + "********" + FATHER[-4:]}
    submitted_ = await stack.gateway.post(f"/ops/v1/claims/{to_the_relative['id']}/submit", headers=operator)
    assert (submitted_.status_code, submitted_.json()["status"]) == (200, "submitted"), submitted_.text
