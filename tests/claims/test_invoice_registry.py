"""One invoice is one invoice however it is typed (issue 12.3), and several donors on one bill
(DOMAIN 6.1, Beijing annex 1 rule 5: 用血者有多个亲属参加过无偿献血的，只在用血费用额度内报销，
一次用血不得重复报销)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import text

from services.claims.invoices.backfill import complete_uses
from tests.claims.helpers import DONOR, RELATIVE_DOCUMENTS, SELF_DOCUMENTS, claim_body, seed_donor, upload
from tests.entitlement.helpers import quote_body
from tests.reductions.test_direct_reduction import hospital_token
from tests.support.apps import AppStack
from tests.support.callers import person, service_headers
from tests.support.dates import iso_days_ago
from tests.support.people import resident_id

DONOR_B = resident_id("19830101", seq=11)  # the patient's spouse
DONOR_C = resident_id("19850101", seq=13)  # the patient's other child
PATIENT = resident_id("19550101", seq=12)  # parent of DONOR, spouse of DONOR_B
FOUR_UNITS = [{"product": "red_cells", "quantity": 4}]


@pytest.fixture
async def operator(gateway: httpx.AsyncClient, admin_headers: dict[str, str], stack: AppStack) -> dict[str, str]:
    await gateway.post("/ops/v1/users", headers=admin_headers, json={
        "username": "bj_op", "password": "correct horse battery", "roles": ["station_operator"], "province": "11"})
    # Each donor 400 mL two years ago: relatives' pool 1 x 400 mL in Beijing.
    await seed_donor(gateway, admin_headers)
    await seed_donor(gateway, admin_headers, cert=DONOR_B, no="B1")
    await seed_donor(gateway, admin_headers, cert=DONOR_C, no="C1")
    return await stack.login("bj_op", "correct horse battery")


def relative_claim(donor: str, relationship: str, *, invoice: str = "55501", name: str = "张三",
                   extra: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """4 U red cells (800 mL) for the patient, blood fee 840.00."""
    body = claim_body(donor=donor, beneficiary=PATIENT, relationship=relationship, kinship_evidence="pledge",
                      items=FOUR_UNITS, blood_fee_fen=84_000, invoice_number=invoice, name=name)
    body["additional_donors"] = extra or []
    return body


async def filed(gateway: httpx.AsyncClient, headers: dict[str, str], body: dict[str, Any],
                documents: tuple[str, ...]) -> dict[str, Any]:
    created = await gateway.post("/ops/v1/claims", headers=headers, json=body)
    assert created.status_code == 201, created.text
    claim = created.json()
    for kind in documents:
        assert (await upload(gateway, f"/ops/v1/claims/{claim['id']}/documents", kind, headers)).status_code == 201
    return claim


async def submit(gateway: httpx.AsyncClient, headers: dict[str, str], claim: dict[str, Any]) -> httpx.Response:
    return await gateway.post(f"/ops/v1/claims/{claim['id']}/submit", headers=headers)


async def test_the_same_invoice_typed_three_ways_is_one_invoice(gateway, operator) -> None:
    """Issue 12 "Why": 14157314, then 1 4 1 57314 (inner spaces) and １４１５７３１４ (full width) were
    each accepted. The key is NFKC, without whitespace, upper case (DOMAIN 6.1)."""
    first = await filed(gateway, operator, claim_body(invoice_number="14157314"), SELF_DOCUMENTS)
    assert (await submit(gateway, operator, first)).status_code == 200
    for typed in ("1 4 1 57314", "１４１５７３１４"):
        again = await filed(gateway, operator, claim_body(invoice_number=typed), SELF_DOCUMENTS)
        assert again["invoice"]["number"] == "14157314"
        response = await submit(gateway, operator, again)
        assert response.status_code == 409, response.text
        assert response.json()["earlier_reference"] == first["reference"]
        assert response.json()["errors"][0]["field"] == "invoice.number"
    code_typed_apart = claim_body(invoice_number="14157314")
    code_typed_apart["invoice"]["code"] = "１３０１ ００２２６"
    again = await filed(gateway, operator, code_typed_apart, SELF_DOCUMENTS)
    assert (await submit(gateway, operator, again)).json()["covered_by"] == [first["reference"]]


async def test_a_later_claim_on_a_partly_covered_invoice_takes_the_rest_once(gateway, operator) -> None:
    """Issue 13 "Why" worked case (seed 001 annex 1 rule 5): the patient is the parent of donor A and
    the spouse of donor B; 4 U, blood fee 840.00. A's claim: A's 400 mL -> 440.00. B's claim on the
    same invoice (was refused as a duplicate): the other 400 mL, worth 440.00, capped at the 400.00
    left: 400.00. Together 840.00. A third donor's claim is refused naming both."""
    a = await filed(gateway, operator, relative_claim(DONOR, "parent"), RELATIVE_DOCUMENTS)
    a_done = (await submit(gateway, operator, a)).json()
    assert (a_done["status"], a_done["eligible_fen"]) == ("submitted", 44_000)
    b = await filed(gateway, operator, relative_claim(DONOR_B, "spouse", name="李四"), RELATIVE_DOCUMENTS)
    b_done = await submit(gateway, operator, b)
    assert b_done.status_code == 200, b_done.text
    assert b_done.json()["eligible_fen"] == 40_000
    assert any("同一次用血此前已减免 400 mL、440.00 元" in line for line in b_done.json()["explanation"])
    assert any(a["reference"] in w for w in b_done.json()["warnings"])
    c = await filed(gateway, operator, relative_claim(DONOR_C, "child", name="王五"), RELATIVE_DOCUMENTS)
    refused = await submit(gateway, operator, c)
    assert refused.status_code == 409
    assert refused.json()["covered_by"] == [a["reference"], b["reference"]]
    assert "已全额减免" in refused.json()["detail"]


async def test_one_claim_may_name_both_donors(gateway, operator) -> None:
    """The same bill on one claim: A's pool first (440.00), then B's for the rest (400.00): 840.00."""
    extra = [{"cert_type": "resident_id", "cert_number": DONOR_B, "name": "李四", "relationship": "spouse"}]
    claim = await filed(gateway, operator, relative_claim(DONOR, "parent", extra=extra),
                        (*RELATIVE_DOCUMENTS, "other_donor_ids"))
    assert claim["additional_donors"] == [{"cert_type": "resident_id", "name": "李*", "relationship": "spouse",
                                           "cert_number_masked": DONOR_B[:6] + "********" + DONOR_B[-4:]}]
    done = (await submit(gateway, operator, claim)).json()
    assert (done["status"], done["eligible_fen"]) == ("submitted", 84_000)
    assert [(d["relationship"], d["reducible_fen"]) for d in done["donors_drawn"]] == [("parent", 44_000),
                                                                                      ("spouse", 40_000)]
    assert done["explanation"][-1] == "合计可减免 840.00 元"


async def test_a_withdrawn_claim_frees_its_share_of_the_bill(gateway, operator) -> None:
    """What is refused is a second reduction of the same fen: once A's claim is withdrawn, B's claim
    covers 400 mL worth 440.00 of the 840.00 bill."""
    a = await filed(gateway, operator, relative_claim(DONOR, "parent"), RELATIVE_DOCUMENTS)
    await submit(gateway, operator, a)
    withdrawn = await gateway.post(f"/ops/v1/claims/{a['id']}/withdraw", headers=operator, json={"reason": "误报"})
    assert withdrawn.json()["status"] == "withdrawn"
    b = await filed(gateway, operator, relative_claim(DONOR_B, "spouse", name="李四"), RELATIVE_DOCUMENTS)
    assert (await submit(gateway, operator, b)).json()["eligible_fen"] == 44_000


async def test_a_reduction_notice_names_both_donors_and_its_settlement_covers_the_bill(
        stack: AppStack, admin_headers, operator) -> None:
    """The hospital API (DOMAIN 8): one notice for the patient from A's and B's pools, 840.00; after
    settlement with the invoice, a claim on that invoice is refused naming the notice."""
    gw = stack.gateway
    his = await hospital_token(gw, admin_headers)
    notice = await gw.post("/his/v1/reduction-notices", headers=his, json={
        "province": "11", "patient": {"cert_type": "resident_id", "cert_number": PATIENT, "name": "张父"},
        "donor": {"cert_type": "resident_id", "cert_number": DONOR, "name": "张三"}, "relationship": "parent",
        "additional_donors": [{"cert_type": "resident_id", "cert_number": DONOR_B, "name": "李四",
                               "relationship": "spouse"}],
        "kinship_evidence": {"kind": "pledge"}, "used_on": iso_days_ago(1), "items": FOUR_UNITS,
        "blood_fee_fen": 84_000})
    assert notice.status_code == 200, notice.text
    body = notice.json()
    assert (body["eligible"], body["max_reducible_fen"]) == (True, 84_000)
    assert [d["relationship"] for d in body["additional_donors"]] == ["spouse"]
    settled = await gw.post(f"/his/v1/reduction-notices/{body['notice_no']}/settlement", headers=his, json={
        "receipt_no": "R-9", "settled_on": iso_days_ago(0), "items": FOUR_UNITS, "blood_fee_fen": 84_000,
        "reduced_fen": 84_000, "invoice": {"code": "130100226", "number": "5 5 5 0 1"}})
    assert settled.status_code == 200, settled.text
    c = await filed(gateway=gw, headers=operator, body=relative_claim(DONOR_C, "child", name="王五"),
                    documents=RELATIVE_DOCUMENTS)
    refused = await submit(gw, operator, c)
    assert refused.status_code == 409
    assert refused.json()["earlier_reference"] == body["notice_no"]


async def test_a_submit_whose_key_quoted_another_state_of_the_bill_is_retried_under_a_fresh_key(
        stack: AppStack, keys, operator) -> None:
    """The bill changed between an interrupted submit and its retry: the entitlement service refuses
    the key with another body (409); the claim releases that hold, and the next submit quotes afresh."""
    claim = await filed(stack.gateway, operator, claim_body(invoice_number="RT-1"), SELF_DOCUMENTS)
    earlier = quote_body(DONOR, used_on=iso_days_ago(60), blood_fee_fen=88_000)
    placed = await stack.services["entitlement"].post(
        "/v1/holds", headers={**service_headers(keys, "claims"), "Idempotency-Key": f"claim:{claim['id']}"},
        json={"purpose": "claim", "reference": f"claim:{claim['id']}", "quote": earlier})
    assert placed.status_code == 201, placed.text
    refused = await submit(stack.gateway, operator, claim)
    assert refused.status_code == 409 and "请重新提交" in refused.json()["detail"]
    assert await stack.drain_outbox() >= 1
    old = await stack.services["entitlement"].get(f"/v1/holds/claim:{claim['id']}",
                                                  headers=service_headers(keys, "claims"))
    assert old.json()["state"] == "released"
    again = await submit(stack.gateway, operator, claim)
    assert (again.status_code, again.json()["eligible_fen"]) == (200, 44_000)


async def test_uses_the_migration_registered_get_their_donors_when_the_service_starts(
        stack: AppStack, keys, operator, db) -> None:
    """The registry's migration (cl_i13_1) runs after issue 11's, so it has neither the person index
    key nor the encrypted quotes: it registers existing claims with no donors (and 0 mL where the
    quote is sealed). The claims service completes them at start; the duplicate check then works
    for them as for any claim: the same donor on the same invoice is refused."""
    extra = [{"cert_type": "resident_id", "cert_number": DONOR_B, "name": "李四", "relationship": "spouse"}]
    body = relative_claim(DONOR, "parent", invoice="MIG-1", extra=extra)  # 6 U: 400 mL left uncovered
    body["usage"]["items"], body["invoice"]["blood_fee_fen"] = [{"product": "red_cells", "quantity": 6}], 132_000
    claim = await filed(stack.gateway, operator, body, (*RELATIVE_DOCUMENTS, "other_donor_ids"))
    assert (await submit(stack.gateway, operator, claim)).status_code == 200
    async with db.begin() as conn:  # as the migration leaves a use
        await conn.execute(text("UPDATE claims.invoice_uses SET donors = '[]'::jsonb, covered_ml = 0"))
    state = stack.apps["claims"].state
    assert await complete_uses(state.sessionmaker, state.cipher, state.person_index) == 1
    async with db.connect() as conn:
        donors, covered = (await conn.execute(text("SELECT donors, covered_ml FROM claims.invoice_uses"))).one()
    assert donors == [person(keys, DONOR), person(keys, DONOR_B)] and covered == 800
    assert await complete_uses(state.sessionmaker, state.cipher, state.person_index) == 0  # nothing left to do
    again_body = relative_claim(DONOR_B, "spouse", invoice="MIG-1", name="李四")
    again_body["usage"]["items"], again_body["invoice"]["blood_fee_fen"] = body["usage"]["items"], 132_000
    again = await filed(stack.gateway, operator, again_body, RELATIVE_DOCUMENTS)
    refused = await submit(stack.gateway, operator, again)
    assert refused.status_code == 409 and "该献血者已就此发票申请过减免" in refused.json()["detail"]
