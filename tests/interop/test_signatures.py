"""Every partner message is signed (RFC 9421 over a RFC 9530 digest): unsigned, stale, replayed,
unknown-key or wrongly signed messages are refused with 401 problem+json and logged."""

from __future__ import annotations

import hashlib
import uuid

import time_machine

from kit import clock
from tests.interop.conftest import PartnerSetup
from tests.support.apps import AppStack


async def _evidence(stack: AppStack, admin: dict[str, str]) -> list[dict]:
    today = clock.today().isoformat()
    response = await stack.gateway.get("/ops/v1/interop/evidence", headers=admin,
                                       params={"date_from": today, "date_to": today})
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_signed_message_gets_a_signed_reply_naming_its_digest(stack: AppStack, partner: PartnerSetup) -> None:
    signed = partner.signer.sign("GET", f"/messages/{uuid.uuid4()}")
    reply = await partner.signer.send(stack.gateway, signed)
    assert reply.status == 404  # admitted: the message it asks about never arrived
    assert reply.headers["content-type"] == "application/problem+json"
    assert reply.signature_ok, reply.signature_error
    assert reply.covered['"content-digest";req'] == signed.headers["Content-Digest"]
    assert reply.covered['"interop-message-id";req'] == signed.headers["Interop-Message-Id"]
    log = await _evidence(stack, partner.admin)
    assert [(e["direction"], e["kind"], e["outcome"]) for e in log] == [("in", "request", "accepted"),
                                                                       ("out", "reply", "answered")]
    assert log[0]["partner_code"] == "zj" and log[0]["key_id"] == "33-test-k1"
    assert log[1]["request_digest"] == signed.headers["Content-Digest"] and log[1]["status"] == 404


async def test_an_unsigned_message_is_refused_and_logged(stack: AppStack, partner: PartnerSetup) -> None:
    response = await stack.gateway.get(f"/interop/v1/messages/{uuid.uuid4()}")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["reason"] == "unsigned"
    log = await _evidence(stack, partner.admin)
    assert log[0]["outcome"] == "refused:unsigned" and log[0]["partner_code"] is None


async def test_a_replayed_message_is_refused(stack: AppStack, partner: PartnerSetup) -> None:
    signed = partner.signer.sign("GET", f"/messages/{uuid.uuid4()}")
    first = await partner.signer.send(stack.gateway, signed)
    again = await partner.signer.send(stack.gateway, signed)
    assert (first.status, again.status) == (404, 401)
    assert again.json()["reason"] == "replayed"
    assert again.signature_ok  # refusals are signed too
    outcomes = [e["outcome"] for e in await _evidence(stack, partner.admin) if e["direction"] == "in"]
    assert outcomes == ["accepted", "refused:replayed"]


async def test_a_stale_or_future_message_is_refused(stack: AppStack, partner: PartnerSetup) -> None:
    with time_machine.travel(clock.now().timestamp() - 360, tick=False):
        old = partner.signer.sign("GET", f"/messages/{uuid.uuid4()}")
    with time_machine.travel(clock.now().timestamp() + 360, tick=False):
        future = partner.signer.sign("GET", f"/messages/{uuid.uuid4()}")
    assert (await partner.signer.send(stack.gateway, old)).json()["reason"] == "stale"
    assert (await partner.signer.send(stack.gateway, future)).json()["reason"] == "stale"
    # Signed just now with a clock 4 minutes slow: inside the window (sent at once, so a busy
    # machine's delay cannot push it out).
    recent = partner.signer.sign("GET", f"/messages/{uuid.uuid4()}", created=clock.epoch_s() - 240)
    assert (await partner.signer.send(stack.gateway, recent)).status == 404


async def test_a_changed_body_or_uri_breaks_the_signature(stack: AppStack, partner: PartnerSetup) -> None:
    signed = partner.signer.sign("GET", f"/messages/{uuid.uuid4()}")
    moved = await stack.gateway.get(f"/interop/v1/messages/{uuid.uuid4()}", headers=signed.headers)
    assert moved.status_code == 401 and moved.json()["reason"] == "bad-signature"
    other = partner.signer.sign("GET", f"/messages/{uuid.uuid4()}")
    tampered = await stack.gateway.request("GET", other.url, headers=other.headers, content=b"{}")
    assert tampered.status_code == 401 and tampered.json()["reason"] == "bad-signature"


async def test_unknown_retired_and_suspended_keys_are_refused(stack: AppStack, partner: PartnerSetup) -> None:
    stranger = partner.signer.__class__(**{**partner.signer.__dict__, "key_id": "33-unknown"})
    assert (await stranger.call(stack.gateway, "GET", f"/messages/{uuid.uuid4()}")).json()["reason"] == "unknown-key"
    suspended = await stack.gateway.post("/ops/v1/interop/partners/zj/suspend", headers=partner.admin,
                                         json={"reason": "测试暂停"})
    assert suspended.json()["status"] == "suspended"
    assert (await partner.signer.call(stack.gateway, "GET", "/messages/x")).json()["reason"] == "suspended"
    await stack.gateway.post("/ops/v1/interop/partners/zj/resume", headers=partner.admin, json={"reason": "恢复"})
    retired = await stack.gateway.post("/ops/v1/interop/partners/zj/keys/33-test-k1/retire", headers=partner.admin,
                                       json={"reason": "密钥轮换"})
    assert retired.json()["keys"][0]["state"] == "retired"
    assert (await partner.signer.call(stack.gateway, "GET", "/messages/x")).json()["reason"] == "unknown-key"


async def test_messages_for_a_province_we_do_not_serve_are_refused(stack: AppStack, partner: PartnerSetup) -> None:
    wrong_receiver = await partner.signer.call(stack.gateway, "GET", "/messages/x", receiver="44")
    assert wrong_receiver.json()["reason"] == "wrong-receiver"
    wrong_sender = await partner.signer.call(stack.gateway, "GET", "/messages/x", sender="32")
    assert wrong_sender.json()["reason"] == "wrong-sender"


async def test_the_service_port_alone_refuses_partner_messages(stack: AppStack, partner: PartnerSetup) -> None:
    signed = partner.signer.sign("GET", f"/messages/{uuid.uuid4()}")
    direct = await stack.services["interop"].request("GET", signed.url.replace("http://gateway.test", ""),
                                                     headers=signed.headers)
    assert direct.status_code == 401 and direct.json()["reason"] == "no-gateway"


async def test_an_oversized_message_is_refused_before_reading_it(stack: AppStack, partner: PartnerSetup) -> None:
    big = b"x" * (12 * 1024 * 1024 + 1)
    response = await stack.gateway.put("/interop/v1/documents/abc", content=big,
                                       headers={"Content-Type": "image/jpeg"})
    assert response.status_code == 413


async def test_the_gateways_body_limit_and_headers_hold_on_the_partner_api(stack: AppStack,
                                                                            partner: PartnerSetup) -> None:
    """The partner API is authenticated by signatures, yet the gateway's body limit (kit.body_limit)
    applies as to every request: a message over 1 MB is refused before it is read, a document
    has the upload limit. The security headers do not touch what the reply signature covers."""
    padded = {"consent_ref": "C" * 64, "pad": "x" * (1024 * 1024)}
    over = partner.signer.sign("POST", "/lookups", json_body=padded)
    refused = await stack.gateway.post(over.url, content=over.body, headers=over.headers)
    assert refused.status_code == 413 and refused.headers["content-type"] == "application/problem+json"
    photo = bytes(range(256)) * (3 * 4096)  # 3 MB: over the message limit, within a document's
    sha256 = hashlib.sha256(photo).hexdigest()
    reply = await partner.signer.send(stack.gateway, partner.signer.sign(
        "PUT", f"/documents/{sha256}", body=photo, content_type="image/jpeg"))
    assert reply.status == 201 and reply.json() == {"sha256": sha256, "size_bytes": len(photo)}
    assert reply.signature_ok, reply.signature_error
    assert reply.headers["x-content-type-options"] == "nosniff" and "content-security-policy" not in reply.headers


async def test_the_target_is_passed_on_and_checked_as_the_partner_sent_it(stack: AppStack,
                                                                         partner: PartnerSetup) -> None:
    """The signature covers the target URI byte for byte: the gateway passes the raw path on, and a
    percent-encoded one is neither decoded into another route nor into another signature base."""
    encoded = await partner.signer.call(stack.gateway, "GET", "/claims/ZJ%2D0404")
    assert encoded.status == 404 and encoded.signature_ok, encoded.body  # admitted: no such case
    odd = await stack.gateway.post("/interop/v1/claims/ab%00/cancel", json={"reason": "x"})  # logged, no 500
    assert odd.status_code == 401 and odd.headers["content-type"] == "application/problem+json", odd.text
    assert (await stack.gateway.get("/interop/v1/claims/a%2Fb")).status_code == 404  # names no route
