"""Online claims by signed-in donors: each sees and changes only their own family's claims."""

from __future__ import annotations

import httpx
import pytest

from stack import keys as devkeys
from tests.claims.helpers import DONOR, FATHER, claim_body, seed_donor, upload
from tests.support.apps import AppStack
from tests.support.callers import donor_headers
from tests.support.people import resident_id

STRANGER = resident_id("19900909", seq=33)


@pytest.fixture
async def claims(stack: AppStack, admin_headers) -> httpx.AsyncClient:
    await seed_donor(stack.gateway, admin_headers)
    return stack.services["claims"]


async def test_a_donor_files_online_and_a_stranger_cannot_see_or_touch_it(claims, keys: devkeys.DevKeys) -> None:
    me = donor_headers(keys, "wx-openid-1", DONOR)
    created = await claims.post("/v1/claims", headers=me, json=claim_body(channel=None))
    assert created.status_code == 201, created.text
    claim = created.json()
    assert claim["channel"] == "online"
    stranger = donor_headers(keys, "wx-openid-2", STRANGER)
    for method, path in (("GET", ""), ("GET", "/history"), ("POST", "/submit"), ("POST", "/withdraw")):
        response = await claims.request(method, f"/v1/claims/{claim['id']}{path}", headers=stranger, json={})
        assert response.status_code == 404, (method, path, response.status_code)
    refused = await upload(claims, f"/v1/claims/{claim['id']}/documents", "invoice", stranger)
    assert refused.status_code == 404
    assert (await claims.get("/v1/claims", headers=stranger)).json() == []
    mine = (await claims.get("/v1/claims", headers=me)).json()
    assert [c["id"] for c in mine] == [claim["id"]]


async def test_the_beneficiary_sees_a_claim_filed_for_them(claims, keys) -> None:
    me = donor_headers(keys, "wx-openid-1", DONOR)
    body = claim_body(beneficiary=FATHER, relationship="parent", kinship_evidence="pledge", channel=None)
    claim = (await claims.post("/v1/claims", headers=me, json=body)).json()
    father = donor_headers(keys, "wx-openid-father", FATHER)
    seen = await claims.get(f"/v1/claims/{claim['id']}", headers=father)
    assert seen.status_code == 200
    assert seen.json()["beneficiary"]["cert_number_masked"] == FATHER[:6] + "********" + FATHER[-4:]


async def test_a_donor_cannot_decide_or_see_unmasked_data(claims, keys) -> None:
    me = donor_headers(keys, "wx-openid-1", DONOR)
    claim = (await claims.post("/v1/claims", headers=me, json=claim_body(channel=None))).json()
    decision = await claims.post(f"/v1/claims/{claim['id']}/decision", headers=me,
                                 json={"decision": "approve", "note": ""})
    assert decision.status_code == 403
    unmasked = await claims.get(f"/v1/claims/{claim['id']}/unmasked?reason=curious", headers=me)
    assert unmasked.status_code == 403


async def test_documents_are_served_to_the_owner_not_to_a_stranger(claims, keys) -> None:
    me = donor_headers(keys, "wx-openid-1", DONOR)
    claim = (await claims.post("/v1/claims", headers=me, json=claim_body(channel=None))).json()
    uploaded = await upload(claims, f"/v1/claims/{claim['id']}/documents", "invoice", me)
    document_id = uploaded.json()["document"]["id"]
    mine = await claims.get(f"/v1/claims/{claim['id']}/documents/{document_id}", headers=me)
    assert mine.status_code == 200 and mine.content[:3] == b"\xff\xd8\xff"
    stranger = donor_headers(keys, "wx-openid-2", STRANGER)
    theirs = await claims.get(f"/v1/claims/{claim['id']}/documents/{document_id}", headers=stranger)
    assert theirs.status_code == 404
