"""Counter/mail intake through the gateway, documents, validation at submit, quote and hold."""

from __future__ import annotations

import httpx
import pytest

from tests.claims.helpers import DONOR, FATHER, RELATIVE_DOCUMENTS, claim_body, ready_claim, seed_donor, upload
from tests.support.apps import AppStack
from tests.support.dates import iso_days_ago
from tests.support.people import resident_id, with_wrong_check_digit


@pytest.fixture
async def operator(gateway: httpx.AsyncClient, admin_headers: dict[str, str], stack: AppStack) -> dict[str, str]:
    await gateway.post("/ops/v1/users", headers=admin_headers, json={
        "username": "bj_op", "password": "correct horse battery", "roles": ["station_operator"], "province": "11"})
    await seed_donor(gateway, admin_headers)
    return await stack.login("bj_op", "correct horse battery")


@pytest.mark.parametrize("channel", ["counter", "mail"])
async def test_staff_register_a_draft_that_lists_missing_documents(gateway, operator, channel) -> None:
    response = await gateway.post("/ops/v1/claims", headers=operator, json=claim_body(channel=channel))
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["status"], body["channel"]) == ("draft", channel)
    assert body["missing_documents"] == ["donor_id_front", "donor_id_back", "fee_list", "invoice"]
    assert body["donor"]["cert_number_masked"] == DONOR[:6] + "********" + DONOR[-4:]
    assert body["payee"]["account_number_masked"] == "6222 **** **** 1234"
    assert DONOR not in response.text and "6222021234567891234" not in response.text


async def test_a_station_operator_cannot_register_a_hospital_claim(gateway, operator) -> None:
    response = await gateway.post("/ops/v1/claims", headers=operator, json=claim_body(channel="hospital"))
    assert response.status_code == 403


async def test_missing_documents_shrink_as_files_arrive(gateway, operator) -> None:
    claim = (await gateway.post("/ops/v1/claims", headers=operator, json=claim_body())).json()
    first = await upload(gateway, f"/ops/v1/claims/{claim['id']}/documents", "donor_id_front", operator)
    assert first.status_code == 201
    assert first.json()["missing_documents"] == ["donor_id_back", "fee_list", "invoice"]


async def test_submit_quotes_holds_and_starts_the_clock(gateway, operator, admin_headers) -> None:
    claim = await ready_claim(gateway, operator)
    response = await gateway.post(f"/ops/v1/claims/{claim['id']}/submit", headers=operator)
    assert response.status_code == 200, response.text
    body = response.json()
    # 400 mL donated 2020 x 5 = 2000 mL; 2 U red cells = 400 mL at 220 yuan / 200 mL = 440 yuan.
    assert (body["status"], body["eligible_fen"], body["rule_set"]) == ("submitted", 44_000, "BJ-2009")
    assert body["due_on"] is not None and body["due_on"] > body["submitted_on"]
    assert any("214" in line for line in body["explanation"])
    # The hold is live: the donor's self quota now shows 1600 mL left.
    quote = await gateway.post("/ops/v1/quotes", headers=admin_headers, json={
        "province": "11", "donor": {"cert_type": "resident_id", "cert_number": DONOR},
        "beneficiary": {"cert_type": "resident_id", "cert_number": DONOR}, "relationship": "self",
        "used_on": iso_days_ago(60), "usage_province": "11", "items": [{"product": "plasma", "quantity": 1}],
        "blood_fee_fen": 100})
    assert quote.json()["remaining_ml_before"] == 1600
    again = await gateway.post(f"/ops/v1/claims/{claim['id']}/submit", headers=operator)
    assert again.json()["status"] == "submitted"  # a retried submit changes nothing


async def test_submit_without_every_document_names_what_is_missing(gateway, operator) -> None:
    claim = (await gateway.post("/ops/v1/claims", headers=operator, json=claim_body())).json()
    response = await gateway.post(f"/ops/v1/claims/{claim['id']}/submit", headers=operator)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "documents"
    assert response.json()["missing_documents"] == ["donor_id_front", "donor_id_back", "fee_list", "invoice"]


async def test_a_relative_with_a_pledge_needs_their_ids_and_the_signed_pledge(gateway, operator) -> None:
    body = claim_body(beneficiary=FATHER, relationship="parent", kinship_evidence="pledge")
    claim = (await gateway.post("/ops/v1/claims", headers=operator, json=body)).json()
    assert claim["missing_documents"] == ["donor_id_front", "donor_id_back", "beneficiary_id_front",
                                          "beneficiary_id_back", "kinship_pledge", "fee_list", "invoice"]
    claim = await ready_claim(gateway, operator, documents=RELATIVE_DOCUMENTS, beneficiary=FATHER,
                              relationship="parent", kinship_evidence="pledge", invoice_number="777")
    submitted = await gateway.post(f"/ops/v1/claims/{claim['id']}/submit", headers=operator)
    assert submitted.json()["eligible_fen"] == 44_000  # relatives' pool 400 mL: 2 U covered exactly


@pytest.mark.parametrize(("override", "field"), [
    ({"donor": {"cert_type": "resident_id", "cert_number": with_wrong_check_digit(DONOR), "name": "张三"}},
     "donor.cert_number"),
    ({"invoice": {"code": "1", "number": "2", "issued_on": "2999-01-01", "total_fen": 100, "blood_fee_fen": 50}},
     "invoice.issued_on"),
    ({"invoice": {"code": "1", "number": "2", "issued_on": iso_days_ago(53), "total_fen": 100, "blood_fee_fen": 500}},
     "invoice.blood_fee_fen"),
    ({"invoice": {"code": "1", "number": "2", "issued_on": iso_days_ago(53), "total_fen": 100, "blood_fee_fen": 0}},
     "invoice.blood_fee_fen"),
    ({"relationship": "parent"}, "kinship_evidence"),
    ({"payee": {"account_name": "张三", "account_number": "12ab", "bank_name": "工行"}}, "payee.account_number"),
])
async def test_bad_claims_are_refused_naming_the_field_and_nothing_is_stored(gateway, operator, override, field) -> None:
    body = claim_body()
    body.update(override)
    response = await gateway.post("/ops/v1/claims", headers=operator, json=body)
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]
    assert (await gateway.get("/ops/v1/claims", headers=operator)).json() == []


async def test_a_duplicate_invoice_is_a_409_with_the_earlier_reference(gateway, operator) -> None:
    first = await ready_claim(gateway, operator)
    assert (await gateway.post(f"/ops/v1/claims/{first['id']}/submit", headers=operator)).status_code == 200
    second = await ready_claim(gateway, operator)  # same invoice code and number
    response = await gateway.post(f"/ops/v1/claims/{second['id']}/submit", headers=operator)
    assert response.status_code == 409
    assert response.json()["earlier_reference"] == first["reference"]
    assert response.json()["errors"][0]["field"] == "invoice.number"


async def test_the_claim_deadline_of_the_rule_set_is_enforced(gateway, operator) -> None:
    # Beijing: within one year of payment. Paid 400 days ago: the year ended more than a month ago.
    claim = await ready_claim(gateway, operator, used_on=iso_days_ago(407), paid_on=iso_days_ago(400))
    response = await gateway.post(f"/ops/v1/claims/{claim['id']}/submit", headers=operator)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "usage.paid_on"
    assert (await gateway.get(f"/ops/v1/claims/{claim['id']}", headers=operator)).json()["status"] == "draft"


async def test_a_card_failing_luhn_is_a_warning_for_the_reviewer(gateway, operator) -> None:
    claim = await ready_claim(gateway, operator, card="6222021234567891235")
    body = (await gateway.post(f"/ops/v1/claims/{claim['id']}/submit", headers=operator)).json()
    assert body["status"] == "submitted"
    assert len(body["warnings"]) == 1 and "Luhn" in body["warnings"][0]


async def test_a_payee_who_is_not_the_donor_is_refused(gateway, operator) -> None:
    body = claim_body()
    body["payee"]["account_name"] = "李四"
    claim = (await gateway.post("/ops/v1/claims", headers=operator, json=body)).json()
    for kind in ("donor_id_front", "donor_id_back", "fee_list", "invoice"):
        await upload(gateway, f"/ops/v1/claims/{claim['id']}/documents", kind, operator)
    response = await gateway.post(f"/ops/v1/claims/{claim['id']}/submit", headers=operator)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "payee.account_name"


async def test_an_unknown_region_code_is_a_note_for_the_reviewer(gateway, operator, admin_headers) -> None:
    """DOMAIN 3: region codes are not checked against a table; an unknown one is a reviewer's note."""
    unknown = resident_id("19800101", "119988")
    await seed_donor(gateway, admin_headers, cert=unknown, no="U1")
    claim = await ready_claim(gateway, operator, donor=unknown, invoice_number="R-1")
    body = (await gateway.post(f"/ops/v1/claims/{claim['id']}/submit", headers=operator)).json()
    assert body["status"] == "submitted"
    assert any("119988" in w and "请核对" in w for w in body["warnings"])


async def test_a_step_child_is_admitted_and_the_reviewer_is_told_to_check_the_duty_of_support(
        gateway, operator) -> None:
    """民法典 1072: step relations count as parent and child where there is a duty of support
    (继父母与受其抚养教育的继子女); the relatives' pool (1 x 400 mL) gives 440.00."""
    claim = await ready_claim(gateway, operator, documents=RELATIVE_DOCUMENTS, beneficiary=FATHER,
                              relationship="step_parent", kinship_evidence="pledge", invoice_number="ST-1")
    body = (await gateway.post(f"/ops/v1/claims/{claim['id']}/submit", headers=operator)).json()
    assert (body["status"], body["eligible_fen"]) == ("submitted", 44_000)
    assert any("第一千零七十二条" in w for w in body["warnings"])
