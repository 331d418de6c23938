"""The client's sign-in: WeChat code -> session -> identity bound by an SMS code."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.entitlement.helpers import record
from tests.support.apps import AppStack
from tests.support.dates import iso_days_ago
from tests.support.people import resident_id

DONOR = resident_id("19800101")
PHONE = "13912345678"


@pytest.fixture
async def registry(gateway: httpx.AsyncClient, admin_headers: dict[str, str]) -> None:
    response = await gateway.post("/ops/v1/donations", headers=admin_headers, json={"records": [
        record("D1", DONOR, donated_on=iso_days_ago(900), phone=PHONE),
        record("D2", DONOR, donated_on=iso_days_ago(500), phone=PHONE)]})
    assert response.json()["created"] == 2


async def sign_in(gateway: httpx.AsyncClient, openid: str) -> dict[str, str]:
    code = (await gateway.post("/api/v1/dev/wx-code", json={"openid": openid})).json()["code"]
    response = await gateway.post("/api/v1/auth/wx-login", json={"code": code})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def latest_code(gateway: httpx.AsyncClient) -> str:
    messages = (await gateway.get("/api/v1/dev/sms")).json()
    return re.search(r"验证码 (\d{6})", messages[0]["text"]).group(1)  # type: ignore[union-attr]


async def bind(gateway: httpx.AsyncClient, headers: dict[str, str], name: str = "张三", cert: str = DONOR) -> httpx.Response:
    started = await gateway.post("/api/v1/auth/bind/start", headers=headers,
                                 json={"name": name, "cert_type": "resident_id", "cert_number": cert})
    assert started.status_code == 200, started.text
    return started


async def test_sign_in_bind_and_see_the_certificate(gateway, registry) -> None:
    headers = await sign_in(gateway, "wx-user-1")
    me = (await gateway.get("/api/v1/me", headers=headers)).json()
    assert me == {"bound": False, "name": None, "cert_number_masked": None}
    assert (await gateway.get("/api/v1/me/certificate", headers=headers)).status_code == 401  # not bound yet
    started = await bind(gateway, headers)
    sms = (await gateway.get("/api/v1/dev/sms")).json()[0]
    assert sms["phone_masked"] == "139****5678"
    verified = await gateway.post("/api/v1/auth/bind/verify", headers=headers, json={
        "challenge_id": started.json()["challenge_id"], "code": await latest_code(gateway)})
    assert verified.status_code == 200, verified.text
    assert verified.json()["cert_number_masked"] == DONOR[:6] + "********" + DONOR[-4:]
    certificate = (await gateway.get("/api/v1/me/certificate", headers=headers)).json()
    assert certificate["provinces"][0]["total_volume_ml"] == 800
    assert certificate["provinces"][0]["donation_count"] == 4
    assert len(certificate["donations"]) == 2


async def test_a_wrong_sms_code_does_not_bind(gateway, registry) -> None:
    headers = await sign_in(gateway, "wx-user-1")
    started = await bind(gateway, headers)
    real = await latest_code(gateway)
    wrong = "000000" if real != "000000" else "111111"
    response = await gateway.post("/api/v1/auth/bind/verify", headers=headers,
                                  json={"challenge_id": started.json()["challenge_id"], "code": wrong})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "code"
    assert (await gateway.get("/api/v1/me", headers=headers)).json()["bound"] is False


async def test_name_and_id_alone_reveal_nothing(gateway, registry) -> None:
    headers = await sign_in(gateway, "wx-user-2")
    matching = await bind(gateway, headers)
    wrong_name = await bind(gateway, headers, name="李四")
    stranger = await bind(gateway, headers, name="王五", cert=resident_id("19991231", seq=5))
    # The same answer whether or not the person is a donor; only one SMS went out.
    assert matching.json()["message"] == wrong_name.json()["message"] == stranger.json()["message"]
    assert set(matching.json()) == set(stranger.json()) == {"challenge_id", "message"}
    assert len((await gateway.get("/api/v1/dev/sms")).json()) == 1
    # Guessing a code for a challenge that sent nothing never binds.
    guess = await gateway.post("/api/v1/auth/bind/verify", headers=headers,
                               json={"challenge_id": stranger.json()["challenge_id"], "code": "123456"})
    assert guess.status_code == 422


async def test_sms_requests_are_rate_limited(gateway, registry) -> None:
    headers = await sign_in(gateway, "wx-user-3")
    statuses = []
    for _ in range(4):
        response = await gateway.post("/api/v1/auth/bind/start", headers=headers,
                                      json={"name": "张三", "cert_type": "resident_id", "cert_number": DONOR})
        statuses.append(response.status_code)
    assert statuses == [200, 200, 200, 429]


async def test_sign_out_ends_the_session(gateway, registry) -> None:
    headers = await sign_in(gateway, "wx-user-4")
    assert (await gateway.post("/api/v1/auth/logout", headers=headers)).status_code == 200
    assert (await gateway.get("/api/v1/me", headers=headers)).status_code == 401


async def test_a_used_or_forged_wechat_code_is_refused(gateway) -> None:
    code = (await gateway.post("/api/v1/dev/wx-code", json={"openid": "wx-user-5"})).json()["code"]
    assert (await gateway.post("/api/v1/auth/wx-login", json={"code": code})).status_code == 200
    again = await gateway.post("/api/v1/auth/wx-login", json={"code": code})
    assert again.status_code == 401
    assert (await gateway.post("/api/v1/auth/wx-login", json={"code": "made-up"})).status_code == 401


async def test_a_donor_files_a_claim_through_the_client_surface(gateway, registry, stack: AppStack) -> None:
    from tests.claims.helpers import claim_body

    headers = await sign_in(gateway, "wx-user-6")
    started = await bind(gateway, headers)
    await gateway.post("/api/v1/auth/bind/verify", headers=headers, json={
        "challenge_id": started.json()["challenge_id"], "code": await latest_code(gateway)})
    created = await gateway.post("/api/v1/claims", headers=headers, json=claim_body(channel=None))
    assert created.status_code == 201, created.text
    assert created.json()["channel"] == "online"
    other = await sign_in(gateway, "wx-user-7")
    assert (await gateway.get(f"/api/v1/claims/{created.json()['id']}", headers=other)).status_code == 401
    estimate = await gateway.post("/api/v1/me/estimate", headers=headers, json={
        "relationship": "parent", "items": [{"product": "red_cells", "quantity": 4}], "blood_fee_fen": 120_000,
        "used_on": iso_days_ago(60)})
    assert estimate.status_code == 200, estimate.text
    assert (estimate.json()["pool"], estimate.json()["covered_ml"]) == ("relatives", 800)
