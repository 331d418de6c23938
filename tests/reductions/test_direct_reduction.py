"""Hospital direct reduction: credentials, notices, settlement at discharge, statements, access."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from tests.claims.helpers import DONOR, FATHER, RELATIVE_DOCUMENTS, ready_claim, seed_donor
from tests.support.apps import AppStack
from tests.support.callers import donor_headers
from tests.support.dates import first_of_previous_month, iso_days_ago, month_of, today, travel
from tests.support.people import resident_id

MOTHER = resident_id("19520101", seq=8)


def hospital_body(code: str = "H110105001", military: bool = False) -> dict:
    return {"code": code, "name": "北京朝阳医院", "province": "11", "district_office": "朝阳区献血办",
            "military": military, "account_name": "北京朝阳医院", "account_number": "0200001409014412345",
            "bank_name": "中国工商银行"}


async def hospital_credentials(gateway: httpx.AsyncClient, admin: dict[str, str],
                               code: str = "H110105001") -> tuple[str, str]:
    """Register the hospital and issue its client credentials: (client_id, client_secret)."""
    registered = await gateway.post("/ops/v1/hospitals", headers=admin, json=hospital_body(code))
    assert registered.status_code == 201, registered.text
    assert registered.json()["account_number_masked"].endswith("2345")
    issued = await gateway.post(f"/ops/v1/hospitals/{code}/credentials", headers=admin)
    assert issued.status_code == 201, issued.text
    return issued.json()["client_id"], issued.json()["client_secret"]


async def his_token(gateway: httpx.AsyncClient, client_id: str, client_secret: str) -> dict[str, str]:
    token = await gateway.post("/his/v1/auth/token", data={
        "grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret})
    assert token.status_code == 200, token.text
    return {"Authorization": f"Bearer {token.json()['access_token']}", "X-Client-Id": client_id}


async def hospital_token(gateway: httpx.AsyncClient, admin: dict[str, str], code: str = "H110105001") -> dict[str, str]:
    return await his_token(gateway, *await hospital_credentials(gateway, admin, code))


def notice_body(patient: str = FATHER, relationship: str = "parent", quantity: int = 1, **extra) -> dict:
    return {"province": "11", "patient": {"cert_type": "resident_id", "cert_number": patient, "name": "张父"},
            "donor": {"cert_type": "resident_id", "cert_number": DONOR, "name": "张三"},
            "relationship": relationship, "kinship_evidence": {"kind": "pledge"}, "used_on": iso_days_ago(1),
            "items": [{"product": "red_cells", "quantity": quantity}], "blood_fee_fen": 46_000, **extra}


def settlement(receipt: str = "R-0001", reduced: int = 22_000, invoice: str = "55501") -> dict:
    """Discharged and settled today (whatever day the clock says)."""
    return {"receipt_no": receipt, "settled_on": iso_days_ago(0), "items": [{"product": "red_cells", "quantity": 1}],
            "blood_fee_fen": 46_000, "reduced_fen": reduced, "invoice": {"code": "130100226", "number": invoice}}


@pytest.fixture
async def his(stack: AppStack, admin_headers) -> dict[str, str]:
    await seed_donor(stack.gateway, admin_headers)  # 400 mL two years ago: relatives' pool 400 mL
    return await hospital_token(stack.gateway, admin_headers)


async def test_notice_settlement_and_monthly_statement_for_a_donors_father(stack: AppStack, admin_headers) -> None:
    gw = stack.gateway
    await seed_donor(gw, admin_headers)  # 400 mL two years ago: relatives' pool 400 mL
    credentials = await hospital_credentials(gw, admin_headers)
    discharged = first_of_previous_month() + timedelta(days=9)  # the patient left hospital last month
    with travel(discharged):
        his = await his_token(gw, *credentials)
        notice = await gw.post("/his/v1/reduction-notices", headers=his, json=notice_body())
        assert notice.status_code == 200, notice.text
        body = notice.json()
        assert (body["eligible"], body["max_reducible_fen"], body["status"]) == (True, 22_000, "issued")
        no = body["notice_no"]
        pdf = await gw.get(f"/his/v1/reduction-notices/{no}.pdf", headers=his)
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        assert no.encode() in pdf.content  # printed beside its QR code

        too_much = await gw.post(f"/his/v1/reduction-notices/{no}/settlement", headers=his,
                                 json=settlement(reduced=30_000))
        assert too_much.status_code == 422 and too_much.json()["errors"][0]["field"] == "reduced_fen"
        settled = await gw.post(f"/his/v1/reduction-notices/{no}/settlement", headers=his, json=settlement())
        assert settled.status_code == 200, settled.text
        assert (settled.json()["status"], settled.json()["reduced_fen"]) == ("settled", 22_000)
        replay = await gw.post(f"/his/v1/reduction-notices/{no}/settlement", headers=his, json=settlement())
        assert replay.status_code == 200 and replay.json()["receipt_no"] == "R-0001"
        await stack.drain_outbox()  # the hold is committed at the entitlement service

    # Back to today: last month has ended, this one has not.
    his = await his_token(gw, *credentials)
    early = await gw.post("/his/v1/hospital-settlements", headers=his, json={"period": month_of(today())})
    assert early.status_code == 409  # the month has not ended
    filed = await gw.post("/his/v1/hospital-settlements", headers=his, json={"period": month_of(discharged)})
    assert filed.status_code == 201, filed.text
    statement = filed.json()
    assert (statement["total_fen"], statement["reduction_count"]) == (22_000, 1)
    assert statement["funding"] == [{"source": "local_fund", "amount_fen": 22_000}]
    twice = await gw.post("/his/v1/hospital-settlements", headers=his, json={"period": month_of(discharged)})
    assert twice.status_code == 409
    csv_text = (await gw.get(f"/his/v1/hospital-settlements/{statement['id']}/statement.csv", headers=his)).text
    assert no in csv_text and "220.00" in csv_text

    await gw.post("/ops/v1/users", headers=admin_headers, json={
        "username": "bj_fin", "password": "correct horse battery", "roles": ["finance"], "province": "11"})
    finance = await stack.login("bj_fin", "correct horse battery")
    approved = await gw.post(f"/ops/v1/hospital-settlements/{statement['id']}/approve", headers=finance)
    assert approved.json()["status"] == "approved"
    again = await gw.post(f"/ops/v1/hospital-settlements/{statement['id']}/approve", headers=finance)
    assert again.json()["status"] == "approved"
    await stack.drain_outbox()
    claims_db = stack.apps["claims"].state.sessionmaker
    from sqlalchemy import text

    async with claims_db() as session:
        keys = (await session.execute(text(
            "SELECT idempotency_key FROM claims.outbox WHERE kind = 'payment_request' AND delivered_at IS NOT NULL"
        ))).scalars().all()
    assert keys == [f"statement:{statement['id']}"]  # one payment request, delivered once


async def test_the_same_invoice_is_then_refused_as_an_online_claim(stack: AppStack, his, keys) -> None:
    gw = stack.gateway
    no = (await gw.post("/his/v1/reduction-notices", headers=his, json=notice_body())).json()["notice_no"]
    await gw.post(f"/his/v1/reduction-notices/{no}/settlement", headers=his, json=settlement(invoice="777"))
    # The donor files online (the client surface's caller: a signed-in donor bound to this ID).
    donor = donor_headers(keys, "wx-openid-zhang", DONOR)
    claims = stack.services["claims"]
    claim = await ready_claim(claims, donor, prefix="/v1", documents=RELATIVE_DOCUMENTS, beneficiary=FATHER,
                              relationship="parent", kinship_evidence="pledge", invoice_number="777", channel=None)
    assert claim["channel"] == "online"
    refused = await claims.post(f"/v1/claims/{claim['id']}/submit", headers=donor)
    assert refused.status_code == 409
    assert refused.json()["earlier_reference"] == no


async def test_a_hospital_operator_uses_the_same_routes_on_the_ops_surface(stack: AppStack, his, admin_headers) -> None:
    gw = stack.gateway
    created = await gw.post("/ops/v1/users", headers=admin_headers, json={
        "username": "chaoyang_desk", "password": "correct horse battery", "roles": ["hospital_operator"],
        "province": "11", "hospital_code": "H110105001"})
    assert created.status_code == 201, created.text
    desk = await stack.login("chaoyang_desk", "correct horse battery")
    notice = await gw.post("/ops/v1/reduction-notices", headers=desk, json=notice_body())
    assert notice.json()["eligible"] is True
    # The hospital's own system sees the same notice: one hospital, two ways in.
    same = await gw.get(f"/his/v1/reduction-notices/{notice.json()['notice_no']}", headers=his)
    assert same.status_code == 200


async def test_a_relatives_pool_is_shared_between_a_direct_reduction_and_a_later_claim(
    stack: AppStack, his, admin_headers
) -> None:
    gw = stack.gateway
    no = (await gw.post("/his/v1/reduction-notices", headers=his, json=notice_body(quantity=1))).json()["notice_no"]
    await gw.post(f"/his/v1/reduction-notices/{no}/settlement", headers=his, json=settlement())
    await stack.drain_outbox()
    # The mother claims 2 U (400 mL); only 200 mL of the 400 mL relatives' pool is left.
    claim = await ready_claim(gw, admin_headers, documents=RELATIVE_DOCUMENTS, beneficiary=MOTHER,
                              relationship="parent", kinship_evidence="pledge", invoice_number="888")
    submitted = (await gw.post(f"/ops/v1/claims/{claim['id']}/submit", headers=admin_headers)).json()
    assert submitted["eligible_fen"] == 22_000


async def test_a_patient_without_entitlement_gets_a_clear_answer(stack: AppStack, his) -> None:
    stranger = resident_id("19700707", seq=70)
    body = notice_body()
    body["donor"]["cert_number"] = stranger
    response = await stack.gateway.post("/his/v1/reduction-notices", headers=his, json=body)
    assert response.status_code == 200
    assert response.json()["eligible"] is False and response.json()["notice_no"] is None
    assert response.json()["reason"]


async def test_cancelling_releases_the_hold_and_blocks_settlement(stack: AppStack, his, admin_headers) -> None:
    gw = stack.gateway
    no = (await gw.post("/his/v1/reduction-notices", headers=his, json=notice_body(quantity=2))).json()["notice_no"]
    cancelled = await gw.post(f"/his/v1/reduction-notices/{no}/cancel", headers=his, json={"reason": "未用血"})
    assert cancelled.json()["status"] == "cancelled"
    late = await gw.post(f"/his/v1/reduction-notices/{no}/settlement", headers=his, json=settlement())
    assert late.status_code == 409
    await stack.drain_outbox()
    again = await gw.post("/his/v1/reduction-notices", headers=his, json=notice_body(quantity=2))
    assert again.json()["max_reducible_fen"] == 44_000  # the whole pool is back


async def test_an_expired_notice_cannot_be_settled(stack: AppStack, admin_headers) -> None:
    await seed_donor(stack.gateway, admin_headers)
    credentials = await hospital_credentials(stack.gateway, admin_headers)
    his = await his_token(stack.gateway, *credentials)
    no = (await stack.gateway.post("/his/v1/reduction-notices", headers=his, json=notice_body())).json()["notice_no"]
    valid_days = stack.apps["claims"].state.settings.notice_valid_days
    with travel(today() + timedelta(days=valid_days)):  # the day after its last valid day
        his = await his_token(stack.gateway, *credentials)
        response = await stack.gateway.post(f"/his/v1/reduction-notices/{no}/settlement", headers=his,
                                            json=settlement())
    assert response.status_code == 409
    assert "expired" in response.json()["detail"]


async def test_a_refunded_bill_reverses_the_consumption(stack: AppStack, his) -> None:
    gw = stack.gateway
    no = (await gw.post("/his/v1/reduction-notices", headers=his, json=notice_body(quantity=2))).json()["notice_no"]
    await gw.post(f"/his/v1/reduction-notices/{no}/settlement", headers=his, json=settlement(reduced=44_000))
    await stack.drain_outbox()
    exhausted = await gw.post("/his/v1/reduction-notices", headers=his, json=notice_body())
    assert exhausted.json()["eligible"] is False
    corrected = await gw.post(f"/his/v1/reduction-notices/{no}/correction", headers=his, json={"reason": "患者退费"})
    assert corrected.json()["status"] == "corrected"
    await stack.drain_outbox()
    back = await gw.post("/his/v1/reduction-notices", headers=his, json=notice_body())
    assert back.json()["eligible"] is True


async def test_another_hospital_cannot_touch_a_notice_and_revoked_credentials_stop(
    stack: AppStack, his, admin_headers
) -> None:
    gw = stack.gateway
    no = (await gw.post("/his/v1/reduction-notices", headers=his, json=notice_body())).json()["notice_no"]
    other = await hospital_token(gw, admin_headers, code="H110108002")
    assert (await gw.get(f"/his/v1/reduction-notices/{no}", headers=other)).status_code == 404
    assert (await gw.post(f"/his/v1/reduction-notices/{no}/settlement", headers=other,
                          json=settlement())).status_code == 404
    revoked = await gw.post(f"/ops/v1/hospitals/H110105001/credentials/{his['X-Client-Id']}/revoke",
                            headers=admin_headers)
    assert revoked.json()["revoked"] is True
    assert (await gw.get(f"/his/v1/reduction-notices/{no}", headers=his)).status_code == 401
    unknown = await gw.post("/his/v1/auth/token", data={"grant_type": "client_credentials", "client_id": "nope",
                                                         "client_secret": "x"})
    assert unknown.status_code == 401
    assert (await gw.get(f"/his/v1/reduction-notices/{no}")).status_code == 401
