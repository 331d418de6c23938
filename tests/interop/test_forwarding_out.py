"""Routing on our side (issue 14.6) under staff province scopes (issue 11.2): a station files a
claim for a donor whose donation province a partner serves, for blood used in its own province;
it is forwarded at submit, and here it stays with that usage province's staff."""

from __future__ import annotations

from tests.claims.helpers import SELF_DOCUMENTS, claim_body, upload
from tests.interop.conftest import PartnerSetup
from tests.support.apps import AppStack
from tests.support.people import resident_id

PASSWORD = "correct horse battery"
ZJ_DONOR = resident_id("19900101", area="330102")


async def account(stack: AppStack, admin: dict[str, str], username: str, role: str, province: str) -> dict[str, str]:
    created = await stack.gateway.post("/ops/v1/users", headers=admin, json={
        "username": username, "password": PASSWORD, "roles": [role], "province": province})
    assert created.status_code == 201, created.text
    return await stack.login(username, PASSWORD)


def zhejiang_donor_in_beijing(province: str = "33") -> dict:
    body = claim_body(donor=ZJ_DONOR, invoice_number="BJ-FWD-1")
    body["province"] = province  # the donation province: whose rules decide
    body["usage"] |= {"usage_province": "11", "hospital_name": "北京大学第一医院"}
    return body


async def test_a_claim_for_a_partners_donor_is_forwarded_and_stays_with_the_usage_province(
        stack: AppStack, partner: PartnerSetup) -> None:
    gw, admin = stack.gateway, partner.admin
    bj_op = await account(stack, admin, "bj_op", "station_operator", "11")
    bj_rev = await account(stack, admin, "bj_rev", "reviewer", "11")
    zj_op = await account(stack, admin, "zj_op", "station_operator", "33")
    # No partner serves province 44: a province-11 station still registers only its own donors.
    nobody = await gw.post("/ops/v1/claims", headers=bj_op, json=zhejiang_donor_in_beijing("44"))
    assert nobody.status_code == 403 and nobody.json()["errors"][0]["field"] == "province"

    created = await gw.post("/ops/v1/claims", headers=bj_op, json=zhejiang_donor_in_beijing())
    assert created.status_code == 201, created.text
    claim_id = created.json()["id"]
    for kind in SELF_DOCUMENTS:
        assert (await upload(gw, f"/ops/v1/claims/{claim_id}/documents", kind, bj_op)).status_code == 201
    submitted = await gw.post(f"/ops/v1/claims/{claim_id}/submit", headers=bj_op)
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["status"] == "forwarded"

    # Beijing's reviewers see it (read only: Zhejiang decides it); another province's account does not.
    assert [c["id"] for c in (await gw.get("/ops/v1/claims", headers=bj_rev)).json()] == [claim_id]
    assert (await gw.get(f"/ops/v1/claims/{claim_id}", headers=bj_rev)).status_code == 200
    assert (await gw.get("/ops/v1/claims", headers=zj_op)).json() == []
    assert (await gw.get(f"/ops/v1/claims/{claim_id}", headers=zj_op)).status_code == 404
    decided = await gw.post(f"/ops/v1/claims/{claim_id}/start-review", headers=bj_rev)
    assert decided.status_code in (403, 409), decided.text

    # The forward goes out through the outbox: each document (exported, audited) then the claim.
    assert await stack.drain_outbox() >= 1
    queued = (await gw.get("/ops/v1/interop/outbox", headers=admin)).json()
    assert sorted(m["kind"] for m in queued) == ["document"] * len(SELF_DOCUMENTS) + ["forward_claim"]
    assert {m["partner_code"] for m in queued} == {"zj"}
    history = (await gw.get(f"/ops/v1/claims/{claim_id}/history", headers=bj_op)).json()
    exported = [e for e in history if e["action"] == "document_viewed"]
    assert len(exported) == len(SELF_DOCUMENTS) and all(e["reason"] == "转至合作平台 zj" for e in exported)


async def test_a_station_without_interop_files_only_its_own_province(stack: AppStack,
                                                                   admin_headers: dict[str, str]) -> None:
    """No partner registered: another province's donor is refused as before issue 14."""
    bj_op = await account(stack, admin_headers, "bj_op2", "station_operator", "11")
    refused = await stack.gateway.post("/ops/v1/claims", headers=bj_op, json=zhejiang_donor_in_beijing())
    assert refused.status_code == 403 and refused.json()["errors"][0]["field"] == "province"
