"""A partner forwards a claim for one of our donors: we decide it like any claim (channel
`interop`), once per case, and answer its state (pollable, cancellable)."""

from __future__ import annotations

import hashlib
import io
import random
import uuid

from PIL import Image

from services.interop.exchanges.lookups import NOT_ELIGIBLE
from tests.claims.helpers import seed_donor
from tests.interop.conftest import PartnerSetup
from tests.interop.forwarding import forwarded_claim, send_documents
from tests.support.apps import AppStack
from tests.support.people import resident_id


async def test_a_forwarded_claim_is_submitted_here_once_per_case(stack: AppStack, partner: PartnerSetup) -> None:
    await seed_donor(stack.gateway, partner.admin)
    documents = await send_documents(partner.signer, stack.gateway)
    first = await partner.signer.call(stack.gateway, "POST", "/claims",
                                      json_body=forwarded_claim("ZJ-0001", documents=documents))
    assert first.status == 201, first.body
    assert first.signature_ok
    state = first.json()
    assert (state["sender_claim_ref"], state["status"], state["eligible_fen"]) == ("ZJ-0001", "submitted", 44_000)
    again = await partner.signer.call(stack.gateway, "POST", "/claims",
                                      json_body=forwarded_claim("ZJ-0001", documents=documents))
    assert again.status == 200 and again.json()["claim_ref"] == state["claim_ref"]
    claims = (await stack.gateway.get("/ops/v1/claims", headers=partner.admin)).json()
    assert [(c["reference"], c["channel"], c["status"]) for c in claims] == [
        (state["claim_ref"], "interop", "submitted")]
    assert sorted(d["kind"] for d in claims[0]["documents"]) == ["donor_id_back", "donor_id_front", "fee_list",
                                                                 "invoice"]
    polled = await partner.signer.call(stack.gateway, "GET", "/claims/ZJ-0001")
    assert polled.status == 200 and polled.json()["claim_ref"] == state["claim_ref"]


async def test_a_repeated_message_id_gets_the_first_answer(stack: AppStack, partner: PartnerSetup) -> None:
    await seed_donor(stack.gateway, partner.admin)
    documents = await send_documents(partner.signer, stack.gateway)
    message_id = str(uuid.uuid4())
    body = forwarded_claim("ZJ-0002", documents=documents)
    first = await partner.signer.call(stack.gateway, "POST", "/claims", json_body=body, message_id=message_id)
    resent = await partner.signer.call(stack.gateway, "POST", "/claims", json_body=body, message_id=message_id)
    assert (first.status, resent.status) == (201, 201)
    assert resent.body == first.body and resent.signature_ok
    other = await partner.signer.call(stack.gateway, "POST", "/claims", message_id=message_id,
                                      json_body={**body, "consent_ref": "changed-consent"})
    assert other.status == 409


async def test_a_claim_naming_a_document_not_sent_changes_nothing(stack: AppStack, partner: PartnerSetup) -> None:
    await seed_donor(stack.gateway, partner.admin)
    reply = await partner.signer.call(stack.gateway, "POST", "/claims", json_body=forwarded_claim(
        "ZJ-0003", documents=[{"kind": "invoice", "sha256": "0" * 64}]))
    assert reply.status == 422 and reply.json()["errors"][0]["field"] == "documents[0].sha256"
    assert (await stack.gateway.get("/ops/v1/claims", headers=partner.admin)).json() == []


async def test_a_donor_we_do_not_know_is_refused_like_any_ineligible_claim(stack: AppStack,
                                                                          partner: PartnerSetup) -> None:
    documents = await send_documents(partner.signer, stack.gateway)
    reply = await partner.signer.call(stack.gateway, "POST", "/claims",
                                      json_body=forwarded_claim("ZJ-0004", documents=documents))
    assert reply.status == 422 and reply.json()["errors"][0]["field"] == "donor.cert_number"


async def test_lookup_answers_a_summary_and_quote_and_nothing_for_strangers(stack: AppStack,
                                                                           partner: PartnerSetup) -> None:
    await seed_donor(stack.gateway, partner.admin)
    body = forwarded_claim("x")
    lookup = {"consent_ref": "33-CONSENT-1", "purpose": "claim", "donor": body["donor"],
              "beneficiary": body["beneficiary"], "relationship": "self", "use": body["use"]}
    known = await partner.signer.call(stack.gateway, "POST", "/lookups", json_body=lookup)
    assert known.status == 200 and known.signature_ok
    answer = known.json()
    assert answer["eligible"] is True and answer["quote"]["reducible_fen"] == 44_000
    assert answer["summary"]["rule_set"] == "BJ-2009" and "donations" not in answer
    stranger_id = resident_id("19900101", seq=11)
    stranger = {**lookup, "donor": {**body["donor"], "cert_number": stranger_id},
                "beneficiary": {**body["donor"], "cert_number": stranger_id}}
    unknown = await partner.signer.call(stack.gateway, "POST", "/lookups", json_body=stranger)
    assert unknown.json() == {"eligible": False, "reason": NOT_ELIGIBLE}
    no_consent = await partner.signer.call(stack.gateway, "POST", "/lookups", json_body={**lookup, "consent_ref": ""})
    assert no_consent.status == 422 and no_consent.json()["errors"][0]["field"] == "consent_ref"


async def test_a_partner_cancels_its_case_before_review(stack: AppStack, partner: PartnerSetup) -> None:
    await seed_donor(stack.gateway, partner.admin)
    documents = await send_documents(partner.signer, stack.gateway)
    await partner.signer.call(stack.gateway, "POST", "/claims",
                              json_body=forwarded_claim("ZJ-0005", documents=documents))
    cancelled = await partner.signer.call(stack.gateway, "POST", "/claims/ZJ-0005/cancel",
                                          json_body={"reason": "申请人撤回"})
    assert cancelled.status == 200 and cancelled.json()["status"] == "withdrawn", cancelled.body
    assert [c["status"] for c in (await stack.gateway.get("/ops/v1/claims", headers=partner.admin)).json()] == [
        "withdrawn"]
    unknown = await partner.signer.call(stack.gateway, "POST", "/claims/ZJ-9999/cancel", json_body={"reason": "撤回"})
    assert unknown.status == 404


async def test_a_mutual_aid_lookup_confirms_the_cover_of_our_donors_only(stack: AppStack,
                                                                        partner: PartnerSetup) -> None:
    """Guizhou (DOMAIN 6.3): the usage province refunds its own mutual aid to a covered donor; the
    donor's province confirms the cover (not the mL left), and a stranger is not covered."""
    await seed_donor(stack.gateway, partner.admin, volume_ml=200)
    body = forwarded_claim("x")
    lookup = {"consent_ref": "52-CONSENT-1", "purpose": "mutual_aid", "donor": body["donor"],
              "beneficiary": body["beneficiary"], "relationship": "self",
              "use": {**body["use"], "usage_province": "52", "mutual_aid_fen": 20_000}}
    covered = await partner.signer.call(stack.gateway, "POST", "/lookups", json_body=lookup)
    assert covered.status == 200 and covered.json()["eligible"] is True
    stranger_id = resident_id("19900101", seq=17)
    stranger = {**lookup, "donor": {**body["donor"], "cert_number": stranger_id},
                "beneficiary": {**body["donor"], "cert_number": stranger_id}}
    assert (await partner.signer.call(stack.gateway, "POST", "/lookups", json_body=stranger)).json() == {
        "eligible": False, "reason": NOT_ELIGIBLE}


async def test_a_photo_over_the_message_limit_reaches_the_claim(stack: AppStack, partner: PartnerSetup) -> None:
    """A document travels alone at every hop (partner -> gateway -> interop -> claims), each time
    under the upload body limit, never inside a 1 MB message; a resend attaches nothing twice."""
    await seed_donor(stack.gateway, partner.admin)
    documents = await send_documents(partner.signer, stack.gateway, kinds=("donor_id_back", "fee_list", "invoice"))
    noise = Image.frombytes("RGB", (1100, 1100), random.Random(14).randbytes(1100 * 1100 * 3))
    buffer = io.BytesIO()
    noise.save(buffer, "JPEG", quality=95)
    photo = buffer.getvalue()
    assert 1024 * 1024 < len(photo) < 10 * 1024 * 1024
    sha256 = hashlib.sha256(photo).hexdigest()
    put = await partner.signer.call(stack.gateway, "PUT", f"/documents/{sha256}", body=photo, content_type="image/jpeg")
    assert put.status == 201, put.body
    documents.append({"kind": "donor_id_front", "sha256": sha256})
    for expected in (201, 200):
        forwarded = await partner.signer.call(stack.gateway, "POST", "/claims",
                                              json_body=forwarded_claim("ZJ-BIG1", documents=documents))
        assert forwarded.status == expected and forwarded.json()["status"] == "submitted", forwarded.body
    claim = (await stack.gateway.get("/ops/v1/claims", headers=partner.admin)).json()[0]
    assert sorted(d["kind"] for d in claim["documents"]) == ["donor_id_back", "donor_id_front", "fee_list", "invoice"]
    front = next(d for d in claim["documents"] if d["kind"] == "donor_id_front")
    assert front["size_bytes"] > 100 * 1024  # the photo itself (re-encoded), not a stand-in
