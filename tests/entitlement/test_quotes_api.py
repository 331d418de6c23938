"""POST /ops/v1/quotes, the fixed contract, through the gateway."""

from __future__ import annotations

import httpx
import pytest

from tests.entitlement.helpers import quote_body, record
from tests.support.people import resident_id, with_wrong_check_digit

DONOR = resident_id("19800101")
FATHER = resident_id("19500101", seq=7)
MOTHER = resident_id("19520101", seq=8)


@pytest.fixture
async def bj_donor(gateway: httpx.AsyncClient, admin_headers: dict[str, str]) -> str:
    """Two 400 mL donations in Beijing: 800 mL, under the 1000 mL lifetime tier."""
    records = [record("D1", DONOR, donated_on="2020-05-01"), record("D2", DONOR, donated_on="2021-05-01")]
    response = await gateway.post("/ops/v1/donations", headers=admin_headers, json={"records": records})
    assert response.json()["created"] == 2
    return DONOR


async def quote(gateway: httpx.AsyncClient, headers: dict[str, str], **kw) -> httpx.Response:
    return await gateway.post("/ops/v1/quotes", headers=headers, json=quote_body(**kw))


async def test_self_quote_under_beijing_rules(gateway, admin_headers, bj_donor) -> None:
    response = await quote(gateway, admin_headers, donor=bj_donor)
    assert response.status_code == 200, response.text
    body = response.json()
    # 800 mL x 5 (within 10 years) = 4000 mL; 2 U red cells = 400 mL; 400/200 x 220 yuan = 440 yuan.
    assert {k: body[k] for k in ("reducible_fen", "covered_ml", "used_ml", "pool", "unlimited",
                                 "remaining_ml_before", "remaining_ml_after", "rule_set")} == {
        "reducible_fen": 44000, "covered_ml": 400, "used_ml": 400, "pool": "self", "unlimited": False,
        "remaining_ml_before": 4000, "remaining_ml_after": 3600, "rule_set": "BJ-2009"}
    assert "214" in body["explanation"][0]  # 北京市人民政府令第214号
    assert any("2020-05-01" in line for line in body["explanation"])


async def test_relatives_quote_draws_the_shared_pool_and_caps_at_the_bill(gateway, admin_headers, bj_donor) -> None:
    response = await quote(gateway, admin_headers, donor=bj_donor, beneficiary=FATHER, relationship="parent",
                           items=[{"product": "red_cells", "quantity": 6}], blood_fee_fen=50000)
    body = response.json()
    # Relatives: 800 mL x 1 = 800 mL; used 1200 mL, covered 800 mL = 880 yuan, capped by the 500 yuan fee.
    assert (body["pool"], body["covered_ml"], body["used_ml"], body["reducible_fen"]) == ("relatives", 800, 1200, 50000)
    assert body["remaining_ml_after"] == 0


@pytest.mark.parametrize(("override", "field"), [
    ({"relationship": "sibling", "beneficiary": MOTHER}, "relationship"),
    ({"items": [{"product": "blood_pudding", "quantity": 1}]}, "items[0].product"),
    ({"items": [{"product": "red_cells", "quantity": 0}]}, "items[0].quantity"),
    ({"items": [{"product": "red_cells", "quantity": -2}]}, "items[0].quantity"),
    ({"used_on": "2019-01-01"}, "used_on"),
    ({"province": "99"}, "province"),
    ({"province": "52"}, "province"),  # Guizhou: quotas not configured yet
    ({"relationship": "self", "beneficiary": MOTHER}, "beneficiary.cert_number"),
    ({"relationship": "cousin", "beneficiary": MOTHER}, "relationship"),
])
async def test_bad_quote_requests_are_422_naming_the_field(gateway, admin_headers, bj_donor, override, field) -> None:
    body = quote_body(donor=bj_donor)
    body.update(override)
    if isinstance(override.get("beneficiary"), str):
        body["beneficiary"] = {"cert_type": "resident_id", "cert_number": override["beneficiary"]}
    response = await gateway.post("/ops/v1/quotes", headers=admin_headers, json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in [e["field"] for e in response.json()["errors"]]


async def test_an_invalid_id_number_is_a_422_naming_it(gateway, admin_headers, bj_donor) -> None:
    response = await quote(gateway, admin_headers, donor=with_wrong_check_digit(bj_donor))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "donor.cert_number"


async def test_a_donor_not_in_the_registry_is_a_404(gateway, admin_headers, bj_donor) -> None:
    response = await quote(gateway, admin_headers, donor=resident_id("19991231", seq=99))
    assert response.status_code == 404
    assert response.json()["errors"][0]["field"] == "donor.cert_number"


async def test_a_quote_holds_nothing(gateway, admin_headers, bj_donor) -> None:
    first = (await quote(gateway, admin_headers, donor=bj_donor)).json()
    second = (await quote(gateway, admin_headers, donor=bj_donor)).json()
    assert first == second


async def test_rule_sets_are_listed_for_staff(gateway, admin_headers) -> None:
    listing = (await gateway.get("/ops/v1/rule-sets", headers=admin_headers)).json()
    assert {r["id"] for r in listing} >= {"BJ-2009", "ZJ-2014", "JS", "GD", "HA", "AH", "GZ"}
    gz = next(r for r in listing if r["id"] == "GZ")
    assert gz["quotas_configured"] is False
    bj = (await gateway.get("/ops/v1/rule-sets/BJ-2009", headers=admin_headers)).json()
    assert bj["price_per_200ml_fen"] == 22000
    assert (await gateway.get("/ops/v1/rule-sets/XX", headers=admin_headers)).status_code == 404


async def test_certificate_lookup_summarises_a_donor(gateway, admin_headers, bj_donor) -> None:
    response = await gateway.post("/ops/v1/certificates/lookup", headers=admin_headers,
                                  json={"cert_type": "resident_id", "cert_number": bj_donor})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["cert_number_masked"] == bj_donor[:6] + "********" + bj_donor[-4:]
    assert len(body["donations"]) == 2
    beijing = body["provinces"][0]
    assert (beijing["province"], beijing["rule_set"], beijing["donation_count"], beijing["total_volume_ml"]) == (
        "11", "BJ-2009", 4, 800)
    assert beijing["next_honour"] == "bronze" and beijing["donations_to_next_honour"] == 16
