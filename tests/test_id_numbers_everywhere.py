"""The one ID validator (kit/idnumbers.py) on every surface that takes an ID number: import, quotes,
claims, sign-in binding and reduction notices (issue 13 "Why": 330106198001011171 was refused in
all of them as "birth date is not a real past date")."""

from __future__ import annotations

import httpx

from tests.claims.helpers import claim_body
from tests.entitlement.helpers import quote_body, record
from tests.gateway.test_donor_sign_in import sign_in
from tests.reductions.test_direct_reduction import hospital_token
from tests.support.dates import iso_days_ago
from tests.support.people import resident_id

HANGZHOU = "330106198001011171"  # 西湖区 (code from 1983), born 1980: valid by GB 11643
NO_PROVINCE = resident_id("19800101", "990101")  # check character right, province 99 unknown


async def test_a_real_id_with_a_later_region_code_is_accepted_everywhere(gateway: httpx.AsyncClient,
                                                                          admin_headers) -> None:
    imported = await gateway.post("/ops/v1/donations", headers=admin_headers, json={"records": [
        record("H1", HANGZHOU, donated_on=iso_days_ago(700), phone="13912345678")]})
    assert imported.json() == {"created": 1, "unchanged": 0, "rejected": []}

    quoted = await gateway.post("/ops/v1/quotes", headers=admin_headers,
                                json=quote_body(HANGZHOU, used_on=iso_days_ago(10)))
    assert (quoted.status_code, quoted.json()["reducible_fen"]) == (200, 44_000)

    await gateway.post("/ops/v1/users", headers=admin_headers, json={
        "username": "bj_op", "password": "correct horse battery", "roles": ["station_operator"], "province": "11"})
    token = (await gateway.post("/ops/v1/auth/token", data={"username": "bj_op",
                                                            "password": "correct horse battery"})).json()
    claim = await gateway.post("/ops/v1/claims", headers={"Authorization": f"Bearer {token['access_token']}"},
                               json=claim_body(donor=HANGZHOU))
    assert claim.status_code == 201, claim.text

    started = await gateway.post("/api/v1/auth/bind/start", headers=await sign_in(gateway, "wx-hangzhou"),
                                 json={"name": "张三", "cert_type": "resident_id", "cert_number": HANGZHOU})
    assert started.status_code == 200, started.text

    his = await hospital_token(gateway, admin_headers)
    notice = await gateway.post("/his/v1/reduction-notices", headers=his, json={
        "province": "11", "patient": {"cert_type": "resident_id", "cert_number": HANGZHOU, "name": "张三"},
        "donor": {"cert_type": "resident_id", "cert_number": HANGZHOU, "name": "张三"}, "relationship": "self",
        "used_on": iso_days_ago(1), "items": [{"product": "red_cells", "quantity": 2}], "blood_fee_fen": 44_000})
    assert (notice.status_code, notice.json()["max_reducible_fen"]) == (200, 44_000)


async def test_an_unknown_province_prefix_is_refused_everywhere_naming_the_field(gateway, admin_headers) -> None:
    imported = await gateway.post("/ops/v1/donations", headers=admin_headers,
                                  json={"records": [record("X1", NO_PROVINCE)]})
    [rejected] = imported.json()["rejected"]
    assert rejected["problem"].startswith("cert_number:") and "省级行政区划代码" in rejected["problem"]
    quoted = await gateway.post("/ops/v1/quotes", headers=admin_headers, json=quote_body(NO_PROVINCE))
    assert quoted.status_code == 422 and quoted.json()["errors"][0]["field"] == "donor.cert_number"
    started = await gateway.post("/api/v1/auth/bind/start", headers=await sign_in(gateway, "wx-nowhere"),
                                 json={"name": "某人", "cert_type": "resident_id", "cert_number": NO_PROVINCE})
    assert started.status_code == 422 and started.json()["errors"][0]["field"] == "cert_number"
