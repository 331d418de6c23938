"""Issue 11.2: staff act within their province. For every /ops/v1 route family, a province-33
account gets a 404 or an empty list on province-11 objects; admin sees the platform.

Route family -> guard (kept in step with the issue note):
  donations import       entitlement registry: rows of another province rejected (kit.callers.province_scope)
  quotes                 entitlement quotes endpoint: another province's donor is a 404
  certificates/lookup    entitlement certificates: donations of the caller's province only, else 404
  claims (list)          claims intake: the queue is the caller's province; another province's filter is []
  claims (objects)       claims access.visible_claim: province or registrant, else 404 (history, unmasked,
                         documents, submit, withdraw, payee, start-review, decision)
  claims (create)        claims intake.require_filer: staff register their own province's (403)
  calendar alarms        claims calendar: alarms of the caller's province's claims
  hospitals              claims hospitals: finance reads its province's; another's is a 404
  settlements, reports   claims reductions: a statement of another province's hospital is a 404; reports filtered
  reduction notices      claims reductions.notice_of: the issuing hospital only
  payments, totals,      payments visible_province / reconciliation items by disbursement province
  reconciliation
  claims (forwarded)     claims access.home_province: a claim a partner decides is the usage province's
                         (list and objects); a station files a partner's donor for blood used in its own
                         province (tests/interop/test_forwarding_out.py)
  interop partners,      interop: admin only (services/interop/access.py)
  own-keys, audit, outbox
  interop evidence,      interop access.sees_platform: the province the platform serves, else [] or 404
  statements, refresh    (tests/interop/test_scopes.py)
  interop lookups        interop: a blood use in the caller's own province (403 naming use.usage_province)
  payment alarms         claims review/alarms: claims by their province, statements by their hospital's (issue 12)
  transfer alarms        payments disbursements/alarms: visible_province (issue 12)
  attention              claims review/attention: ClaimDep, then access.visible_claim (404) (issue 12)
  outbox ops, hospital   admin only (platform-wide plumbing and the hospitals' bank accounts): a province's
  account                staff get 403 (issue 12)
  rule sets (read)       entitlement rulesets: the law of every province, the same for any staff member
  rule-set simulation    claims simulations: admin only (it reads a whole province's cases); a
                         province account is refused (403), the entitlement half answers the claims service only
  review queue           claims worklist: access.listed_province, another province's filter is [] (issue 15)
  review sheet, locks    claims access.visible_claim (ClaimDep): another province's claim is a 404
  audit search           claims audit: events of the caller's province's claims; another's filter is []
  dashboard              claims dashboard: the caller's province's figures, whatever province is asked
  settlement list        claims reductions: statements of the province's hospitals; another's filter is []
  calendar year          national (the State Council's schedule): the same for every province, nothing of one
  role changes,          gateway, admin only (admin is platform-wide): any other account gets 403
  hospital credentials
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from tests.claims.helpers import DONOR, claim_body, ready_claim, seed_donor
from tests.reductions.test_direct_reduction import his_token, hospital_credentials, notice_body, settlement
from tests.support.apps import AppStack
from tests.support.dates import first_of_previous_month, iso_days_ago, month_of, today, travel

PASSWORD = "correct horse battery"
ROLES = {"op": "station_operator", "rev": "reviewer", "fin": "finance"}


async def staff(stack: AppStack, admin: dict[str, str], province: str) -> dict[str, dict[str, str]]:
    out = {}
    for short, role in ROLES.items():
        username = f"p{province}_{short}"
        created = await stack.gateway.post("/ops/v1/users", headers=admin, json={
            "username": username, "password": PASSWORD, "roles": [role], "province": province})
        assert created.status_code == 201, created.text
        out[short] = await stack.login(username, PASSWORD)
    return out


@pytest.fixture
async def world(stack: AppStack, admin_headers: dict[str, str]) -> dict[str, Any]:
    """Province 11's donor, submitted claim with documents, hospital, settled notice and statement,
    an approved claim paid out, and accounts of provinces 11 and 33."""
    gw = stack.gateway
    await seed_donor(gw, admin_headers)
    bj, zj = await staff(stack, admin_headers, "11"), await staff(stack, admin_headers, "33")
    claim = await ready_claim(gw, bj["op"])
    assert (await gw.post(f"/ops/v1/claims/{claim['id']}/submit", headers=bj["op"])).status_code == 200
    paid = await ready_claim(gw, bj["op"], invoice_number="PAID-1")
    await gw.post(f"/ops/v1/claims/{paid['id']}/submit", headers=bj["op"])
    approved = await gw.post(f"/ops/v1/claims/{paid['id']}/decision", headers=bj["rev"],
                             json={"decision": "approve", "note": "ok"})
    assert approved.status_code == 200, approved.text
    await stack.drain_outbox()
    document = (await gw.get(f"/ops/v1/claims/{claim['id']}", headers=bj["op"])).json()["documents"][0]
    credentials = await hospital_credentials(gw, admin_headers)
    discharged = first_of_previous_month() + timedelta(days=9)
    with travel(discharged):
        his = await his_token(gw, *credentials)
        notice = (await gw.post("/his/v1/reduction-notices", headers=his, json=notice_body())).json()
        body = {**settlement(), "settled_on": discharged.isoformat()}
        assert (await gw.post(f"/his/v1/reduction-notices/{notice['notice_no']}/settlement", headers=his,
                              json=body)).status_code == 200
    his = await his_token(gw, *credentials)
    statement = (await gw.post("/his/v1/hospital-settlements", headers=his,
                               json={"period": month_of(discharged)})).json()
    return {"bj": bj, "zj": zj, "claim": claim, "document": document, "notice": notice["notice_no"],
            "statement": statement["id"], "month": month_of(discharged), "paid": paid}


async def test_a_non_admin_account_needs_a_province(gateway: httpx.AsyncClient, admin_headers) -> None:
    refused = await gateway.post("/ops/v1/users", headers=admin_headers, json={
        "username": "nowhere", "password": PASSWORD, "roles": ["reviewer"]})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "province"
    admin = await gateway.post("/ops/v1/users", headers=admin_headers, json={
        "username": "admin2", "password": PASSWORD, "roles": ["admin"]})
    assert admin.status_code == 201


async def test_registry_quotes_and_certificates_are_the_callers_province(stack: AppStack, world) -> None:
    gw, zj = stack.gateway, world["zj"]
    row = {"donation_no": "X1", "station_code": "110000-BJBC", "cert_type": "resident_id", "cert_number": DONOR,
           "name": "张三", "province": "11", "military": False, "donated_on": "2020-05-01", "kind": "whole_blood",
           "volume_ml": 400, "units": None, "qualified": True}
    imported = (await gw.post("/ops/v1/donations", headers=zj["op"], json={"records": [row]})).json()
    assert imported["created"] == 0 and "province" in imported["rejected"][0]["problem"]
    quote = {"province": "11", "donor": {"cert_type": "resident_id", "cert_number": DONOR},
             "beneficiary": {"cert_type": "resident_id", "cert_number": DONOR}, "relationship": "self",
             "used_on": iso_days_ago(60), "usage_province": "11",
             "items": [{"product": "red_cells", "quantity": 1}], "blood_fee_fen": 22_000}
    assert (await gw.post("/ops/v1/quotes", headers=zj["op"], json=quote)).status_code == 404
    assert (await gw.post("/ops/v1/quotes", headers=world["bj"]["op"], json=quote)).status_code == 200
    lookup = {"cert_type": "resident_id", "cert_number": DONOR}
    assert (await gw.post("/ops/v1/certificates/lookup", headers=zj["rev"], json=lookup)).status_code == 404
    seen = await gw.post("/ops/v1/certificates/lookup", headers=world["bj"]["rev"], json=lookup)
    assert seen.status_code == 200 and seen.json()["name"] == "张*"


async def test_claims_of_another_province_are_absent(stack: AppStack, world) -> None:
    gw, zj, claim_id = stack.gateway, world["zj"], world["claim"]["id"]
    for who in ("op", "rev", "fin"):
        assert (await gw.get("/ops/v1/claims", headers=zj[who])).json() == []
        assert (await gw.get("/ops/v1/claims", params={"province": "11"}, headers=zj[who])).json() == []
    assert len((await gw.get("/ops/v1/claims", headers=world["bj"]["rev"])).json()) == 2
    base = f"/ops/v1/claims/{claim_id}"
    reads = [("GET", base, "rev"), ("GET", f"{base}/history", "rev"), ("GET", f"{base}/unmasked?reason=check", "rev"),
             ("GET", f"{base}/documents/{world['document']['id']}?reason=check", "rev")]
    writes = [("POST", f"{base}/submit", "op"), ("POST", f"{base}/withdraw", "op"),
              ("POST", f"{base}/start-review", "rev"), ("POST", f"{base}/decision", "rev")]
    for method, path, who in reads + writes:
        body = {"decision": "approve", "note": ""} if path.endswith("decision") else {}
        response = await gw.request(method, path, headers=zj[who], json=body if method == "POST" else None)
        assert response.status_code == 404, (path, response.status_code, response.text)
    created = await gw.post("/ops/v1/claims", headers=zj["op"], json=claim_body(invoice_number="ZJ-TRY"))
    assert created.status_code == 403 and created.json()["errors"][0]["field"] == "province"


async def test_calendar_alarms_are_the_callers_province(stack: AppStack, world, db) -> None:
    async with db.begin() as conn:
        await conn.execute(text("INSERT INTO claims.calendar_alarms (claim_id, year) VALUES (:c, 2099)"),
                           {"c": world["claim"]["id"]})
    assert (await stack.gateway.get("/ops/v1/calendar/alarms", headers=world["zj"]["rev"])).json() == []
    seen = (await stack.gateway.get("/ops/v1/calendar/alarms", headers=world["bj"]["rev"])).json()
    assert [a["claim_id"] for a in seen] == [world["claim"]["id"]]


async def test_hospitals_statements_and_reports_of_another_province_are_absent(stack: AppStack, world) -> None:
    gw, fin = stack.gateway, world["zj"]["fin"]
    assert (await gw.get("/ops/v1/hospitals", headers=fin)).json() == []
    assert (await gw.get("/ops/v1/hospitals/H110105001", headers=fin)).status_code == 404
    assert [h["code"] for h in (await gw.get("/ops/v1/hospitals", headers=world["bj"]["fin"])).json()] == ["H110105001"]
    path = f"/ops/v1/hospital-settlements/{world['statement']}"
    for suffix in ("", "/statement.csv", "/statement.pdf"):
        assert (await gw.get(path + suffix, headers=fin)).status_code == 404, suffix
    assert (await gw.post(f"{path}/approve", headers=fin)).status_code == 404
    assert (await gw.get(path, headers=world["bj"]["fin"])).status_code == 200
    month = {"month": world["month"]}
    assert (await gw.get("/ops/v1/reports/direct-reductions", params=month, headers=fin)).json() == []
    assert (await gw.get("/ops/v1/reports/direct-reduction-rate", params=month, headers=fin)).json() == []
    bj_report = (await gw.get("/ops/v1/reports/direct-reductions", params=month, headers=world["bj"]["fin"])).json()
    assert [r["hospital_code"] for r in bj_report] == ["H110105001"]


async def test_payments_and_reconciliation_of_another_province_are_absent(stack: AppStack, world) -> None:
    gw, fin = stack.gateway, world["zj"]["fin"]
    # A list is a JSON array, paged (issue 12, kit.paging).
    assert (await gw.get("/ops/v1/payments/disbursements", headers=fin)).json() == []
    bj_listed = (await gw.get("/ops/v1/payments/disbursements", headers=world["bj"]["fin"])).json()
    assert [d["source_ref"] for d in bj_listed] == [f"claim:{world['paid']['id']}"]
    one = bj_listed[0]["id"]
    assert (await gw.get(f"/ops/v1/payments/disbursements/{one}", headers=fin)).status_code == 404
    day = {"date_from": today().isoformat(), "date_to": today().isoformat()}
    assert (await gw.get("/ops/v1/payments/funding-totals", params=day, headers=fin)).json()["disbursements"] == 0


async def test_a_hospital_operator_sees_only_its_own_hospitals_notices(stack: AppStack, world, admin_headers) -> None:
    gw = stack.gateway
    await gw.post("/ops/v1/users", headers=admin_headers, json={
        "username": "zj_desk", "password": PASSWORD, "roles": ["hospital_operator"], "province": "33",
        "hospital_code": "H330106001"})
    desk = await stack.login("zj_desk", PASSWORD)
    assert (await gw.get(f"/ops/v1/reduction-notices/{world['notice']}", headers=desk)).status_code == 404


async def test_money_alarms_and_attention_are_the_callers_province(stack: AppStack, world, admin_headers, db) -> None:
    """Issue 12's ops lists: another province's unpaid claim, failed statement and stuck transfer are
    absent; its claim that needs attention is a 404 to a senior reviewer of another province."""
    gw, claim_id = stack.gateway, world["claim"]["id"]
    async with db.begin() as conn:
        await conn.execute(text("UPDATE claims.claims SET status = 'needs_attention', attention_reason = 'hold lapsed' "
                                "WHERE id = :c"), {"c": claim_id})
        await conn.execute(text("UPDATE claims.hospital_statements SET status = 'payment_failed', "
                                "payment_error = 'account closed', approved_at = now() WHERE id = :s"),
                           {"s": world["statement"]})
        await conn.execute(text("UPDATE payments.disbursements SET state = 'sent', "
                                "updated_at = now() - interval '3 days'"))
    assert (await gw.get("/ops/v1/alarms/payments", headers=world["zj"]["fin"])).json() == []
    expected = sorted([("needs_attention", claim_id), ("statement_payment_failed", world["statement"])])
    seen = (await gw.get("/ops/v1/alarms/payments", headers=world["bj"]["fin"])).json()
    assert sorted((a["kind"], a["id"]) for a in seen) == expected
    assert (await gw.get("/ops/v1/alarms/transfers", headers=world["zj"]["fin"])).json() == []
    stuck = (await gw.get("/ops/v1/alarms/transfers", headers=world["bj"]["fin"])).json()
    assert [t["source_ref"] for t in stuck] == [f"claim:{world['paid']['id']}"]
    for province in ("33", "11"):
        created = await gw.post("/ops/v1/users", headers=admin_headers, json={
            "username": f"p{province}_senior", "password": PASSWORD, "roles": ["senior_reviewer"],
            "province": province})
        assert created.status_code == 201, created.text
    zj_senior, bj_senior = await stack.login("p33_senior", PASSWORD), await stack.login("p11_senior", PASSWORD)
    assert (await gw.get("/ops/v1/alarms/payments", headers=zj_senior)).json() == []
    seen = (await gw.get("/ops/v1/alarms/payments", headers=bj_senior)).json()
    assert sorted((a["kind"], a["id"]) for a in seen) == expected
    reject = {"action": "reject", "reason_code": "other", "note": "不予处理"}
    refused = await gw.post(f"/ops/v1/claims/{claim_id}/attention", headers=zj_senior, json=reject)
    assert refused.status_code == 404, refused.text
    resolved = await gw.post(f"/ops/v1/claims/{claim_id}/attention", headers=bj_senior, json=reject)
    assert resolved.status_code == 200 and resolved.json()["status"] == "rejected"


async def test_outbox_ops_and_hospital_accounts_are_the_platform_admins(stack: AppStack, world, admin_headers) -> None:
    gw = stack.gateway
    account = {"account_name": "河北医科大学第二医院", "account_number": "6222020200112233445", "bank_name": "工商银行",
               "reason": "账户更正"}
    for service in ("claims", "payments"):
        for path in (f"/ops/v1/outbox/{service}/stats", f"/ops/v1/outbox/{service}/dead-letters"):
            for who in ("fin", "rev"):
                assert (await gw.get(path, headers=world["bj"][who])).status_code == 403, (path, who)
            assert (await gw.get(path, headers=admin_headers)).status_code == 200, path
        retry = await gw.post(f"/ops/v1/outbox/{service}/00000000-0000-0000-0000-000000000000/retry",
                              headers=world["bj"]["fin"], json={"reason": "重试"})
        assert retry.status_code == 403
    assert (await gw.put("/ops/v1/hospitals/H110105001/account", headers=world["bj"]["fin"],
                         json=account)).status_code == 403
    corrected = await gw.put("/ops/v1/hospitals/H110105001/account", headers=admin_headers, json=account)
    assert corrected.status_code == 200 and corrected.json()["account_number_masked"].endswith("3445")


async def test_a_rule_set_simulation_is_for_admins_only(stack: AppStack, world, admin_headers) -> None:
    """Issue 13.9's what-if reads every case of a province: no province account may run it."""
    body = {"draft": {"province": "11"}, "used_from": "2024-01-01", "used_to": "2024-12-31"}
    for who in ("op", "rev", "fin"):
        for account in (world["bj"][who], world["zj"][who]):
            refused = await stack.gateway.post("/ops/v1/rule-sets/simulate", headers=account, json=body)
            assert refused.status_code == 403, (who, refused.text)
    invalid = await stack.gateway.post("/ops/v1/rule-sets/simulate", headers=admin_headers, json=body)
    assert invalid.status_code == 422  # admin gets through to the draft's validation


async def test_the_consoles_routes_are_the_callers_province(stack: AppStack, world, admin_headers) -> None:
    """Issue 15's /ops routes in the same table: a province-33 account sees nothing of province 11."""
    gw, bj, zj, claim_id = stack.gateway, world["bj"], world["zj"], world["claim"]["id"]
    for province in ("11", "33"):
        await gw.post("/ops/v1/users", headers=admin_headers, json={
            "username": f"p{province}_senior", "password": PASSWORD, "roles": ["senior_reviewer"],
            "province": province})
    bj["senior"], zj["senior"] = await stack.login("p11_senior", PASSWORD), await stack.login("p33_senior", PASSWORD)
    for params in ({}, {"province": "11"}):
        assert (await gw.get("/ops/v1/review/queue", params=params, headers=zj["rev"])).json() == [], params
        assert (await gw.get("/ops/v1/audit/events", params=params, headers=zj["senior"])).json() == [], params
        assert (await gw.get("/ops/v1/hospital-settlements", params=params, headers=zj["fin"])).json() == [], params
    reference = world["claim"]["reference"]
    assert (await gw.get("/ops/v1/review/queue", params={"q": reference}, headers=zj["rev"])).json() == []
    assert (await gw.get("/ops/v1/audit/events", params={"claim_id": claim_id}, headers=zj["senior"])).json() == []
    assert [r["id"] for r in (await gw.get("/ops/v1/review/queue", headers=bj["rev"])).json()] == [claim_id]
    assert {e["claim_id"] for e in (await gw.get("/ops/v1/audit/events", headers=bj["senior"])).json()} == {
        claim_id, world["paid"]["id"]}
    assert [s["id"] for s in (await gw.get("/ops/v1/hospital-settlements", headers=bj["fin"])).json()] == [
        world["statement"]]
    base = f"/ops/v1/claims/{claim_id}"
    for method, path in (("GET", f"/ops/v1/review/claims/{claim_id}"), ("POST", f"{base}/lock"),
                         ("DELETE", f"{base}/lock")):
        assert (await gw.request(method, path, headers=zj["rev"])).status_code == 404, path
    assert (await gw.get(f"/ops/v1/review/claims/{claim_id}", headers=bj["rev"])).status_code == 200
    for who in ("rev", "fin"):  # the dashboard counts its own province's claims only, whatever is asked
        for params in ({}, {"province": "11"}):
            figures = (await gw.get("/ops/v1/dashboard", params=params, headers=zj[who])).json()
            assert figures["province"] == "33", (who, params)
            assert sum(c["claims"] for c in figures["channels"]) == 0 and figures["overdue_now"] == 0, (who, params)
            assert sum(m["approved"] for m in figures["months"]) == 0
    mine = (await gw.get("/ops/v1/dashboard", headers=bj["fin"])).json()
    assert (mine["province"], sum(c["claims"] for c in mine["channels"])) == ("11", 2)
    everyone = (await gw.get("/ops/v1/dashboard", headers=admin_headers)).json()
    assert (everyone["province"], sum(c["claims"] for c in everyone["channels"])) == (None, 2)
    year = today().year
    assert (await gw.get(f"/ops/v1/calendar/years/{year}", headers=zj["rev"])).json() == (
        await gw.get(f"/ops/v1/calendar/years/{year}", headers=bj["rev"])).json()
    body = {"roles": ["reviewer"], "province": "33"}
    assert (await gw.put("/ops/v1/users/p11_rev", headers=zj["senior"], json=body)).status_code == 403
    assert (await gw.get("/ops/v1/hospitals/H110105001/credentials", headers=zj["fin"])).status_code == 403
    assert len((await gw.get("/ops/v1/hospitals/H110105001/credentials", headers=admin_headers)).json()) == 1
