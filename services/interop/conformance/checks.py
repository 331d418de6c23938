"""The conformance checks: each plays one situation of the partner guide against a target
platform and says whether the target behaved as the contract says. They change nothing at the
target beyond its nonce store and evidence log (lookups and unknown-message queries only)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from kit import clock
from services.interop.conformance.signer import PartnerSigner, Reply


@dataclass
class Result:
    name: str
    passed: bool
    detail: str = ""


class Failed(AssertionError):
    pass


def expect(condition: bool, detail: str) -> None:
    if not condition:
        raise Failed(detail)


def refused(reply: Reply, status: int, reason: str | None = None) -> None:
    expect(reply.status == status, f"expected HTTP {status}, got {reply.status}: {reply.body[:200]!r}")
    expect(reply.headers.get("content-type", "").startswith("application/problem+json"),
           f"expected application/problem+json, got {reply.headers.get('content-type')}")
    if reason is not None:
        got = (reply.json() or {}).get("reason")
        expect(got == reason, f"expected reason {reason!r}, got {got!r}")


Check = Callable[[PartnerSigner, httpx.AsyncClient, dict[str, Any]], Awaitable[None]]
CHECKS: list[tuple[str, Check]] = []


def check(name: str) -> Callable[[Check], Check]:
    def register(fn: Check) -> Check:
        CHECKS.append((name, fn))
        return fn

    return register


def lookup_body(case: dict[str, Any], cert_number: str | None = None) -> dict[str, Any]:
    person = {"cert_type": "resident_id", "cert_number": cert_number or case["donor_cert"], "name": case["donor_name"]}
    use = {"hospital_name": "一致性测试医院", "usage_province": case["sender"], "used_on": case["used_on"],
           "items": [{"product": "red_cells", "quantity": 2}], "blood_fee_fen": 46000}
    return {"consent_ref": "CONFORMANCE-CONSENT-0001", "purpose": "claim", "donor": person, "beneficiary": person,
            "relationship": "self", "use": use}


def _raw(reply: httpx.Response) -> Reply:
    return Reply(reply.status_code, {k.lower(): v for k, v in reply.headers.items()}, reply.content, False)


@check("a signed message gets a signed reply naming its digest and message id")
async def signed_reply(s: PartnerSigner, client: httpx.AsyncClient, case: dict[str, Any]) -> None:
    signed = s.sign("GET", f"/messages/{uuid.uuid4()}")
    reply = await s.send(client, signed)
    expect(reply.status == 404, f"an unknown message id should be 404, got {reply.status}")
    expect(reply.signature_ok, f"the reply's signature does not verify: {reply.signature_error}")
    expect(reply.covered.get('"content-digest";req') == signed.headers["Content-Digest"],
           "the reply does not cover the request's Content-Digest (;req)")
    expect(reply.covered.get('"interop-message-id";req') == signed.headers["Interop-Message-Id"],
           "the reply does not cover the request's message id (;req)")


@check("an unsigned message is refused with 401 problem+json")
async def unsigned(s: PartnerSigner, client: httpx.AsyncClient, case: dict[str, Any]) -> None:
    response = await client.get(s.base_url.rstrip("/") + f"/interop/v1/messages/{uuid.uuid4()}")
    refused(_raw(response), 401, "unsigned")


@check("a replayed message is refused")
async def replayed(s: PartnerSigner, client: httpx.AsyncClient, case: dict[str, Any]) -> None:
    signed = s.sign("GET", f"/messages/{uuid.uuid4()}")
    await s.send(client, signed)
    refused(await s.send(client, signed), 401, "replayed")


@check("created outside +-300 s is refused")
async def stale(s: PartnerSigner, client: httpx.AsyncClient, case: dict[str, Any]) -> None:
    now = clock.epoch_s()
    refused(await s.send(client, s.sign("GET", f"/messages/{uuid.uuid4()}", created=now - 400)), 401, "stale")
    refused(await s.send(client, s.sign("GET", f"/messages/{uuid.uuid4()}", created=now + 400)), 401, "stale")


@check("a changed body breaks the signature")
async def tampered(s: PartnerSigner, client: httpx.AsyncClient, case: dict[str, Any]) -> None:
    signed = s.sign("POST", "/lookups", json_body=lookup_body(case))
    signed.body = signed.body.replace(b"CONFORMANCE", b"C0NFORMANCE")
    refused(await s.send(client, signed), 401, "bad-signature")


@check("an unknown key id is refused")
async def unknown_key(s: PartnerSigner, client: httpx.AsyncClient, case: dict[str, Any]) -> None:
    stranger = PartnerSigner(**{**s.__dict__, "key_id": f"unknown-{uuid.uuid4().hex[:8]}"})
    refused(await stranger.send(client, stranger.sign("GET", f"/messages/{uuid.uuid4()}")), 401, "unknown-key")


@check("a message for a province the target does not serve is refused")
async def wrong_receiver(s: PartnerSigner, client: httpx.AsyncClient, case: dict[str, Any]) -> None:
    refused(await s.send(client, s.sign("GET", "/messages/x", receiver="99")), 401, "wrong-receiver")


@check("a repeated message id gets the first answer; another body under it is a 409")
async def idempotent(s: PartnerSigner, client: httpx.AsyncClient, case: dict[str, Any]) -> None:
    message_id = str(uuid.uuid4())
    first = await s.send(client, s.sign("POST", "/lookups", json_body=lookup_body(case), message_id=message_id))
    again = await s.send(client, s.sign("POST", "/lookups", json_body=lookup_body(case), message_id=message_id))
    expect(first.status == 200, f"the lookup should answer 200, got {first.status}: {first.body[:200]!r}")
    expect((again.status, again.body) == (first.status, first.body), "a repeat did not get the first answer")
    expect(again.signature_ok, f"the repeated answer is not signed: {again.signature_error}")
    other = lookup_body(case)
    other["consent_ref"] = "CONFORMANCE-CONSENT-0002"
    changed = await s.send(client, s.sign("POST", "/lookups", json_body=other, message_id=message_id))
    expect(changed.status == 409, f"another body under a used message id should be 409, got {changed.status}")


@check("a lookup answers a summary and a quote, and a stranger like the ineligible")
async def lookup(s: PartnerSigner, client: httpx.AsyncClient, case: dict[str, Any]) -> None:
    known = (await s.send(client, s.sign("POST", "/lookups", json_body=lookup_body(case)))).json()
    expect(set(known) >= {"eligible", "summary", "quote"}, f"a known donor's answer lacks fields: {known}")
    expect("explanation" in known["quote"], "the quote has no explanation")
    expect(not any(k in json.dumps(known) for k in ("donation_no", "donations")), "the answer shows raw records")
    stranger = (await s.send(client, s.sign("POST", "/lookups",
                                            json_body=lookup_body(case, case["stranger_cert"])))).json()
    expect(stranger.get("eligible") is False and set(stranger) <= {"eligible", "reason"},
           f"a stranger's answer reveals more than 'not eligible': {stranger}")


@check("an oversized message is refused with 413")
async def oversized(s: PartnerSigner, client: httpx.AsyncClient, case: dict[str, Any]) -> None:
    body = b"\xff" * (12 * 1024 * 1024 + 1)
    response = await client.put(s.base_url.rstrip("/") + "/interop/v1/documents/" + "0" * 64, content=body,
                                headers={"Content-Type": "image/jpeg"})
    refused(_raw(response), 413)


async def run(signer: PartnerSigner, client: httpx.AsyncClient, case: dict[str, Any]) -> list[Result]:
    results = []
    for name, fn in CHECKS:
        try:
            await fn(signer, client, case)
            results.append(Result(name, True))
        except Failed as exc:
            results.append(Result(name, False, str(exc)))
        except (httpx.HTTPError, ValueError, KeyError) as exc:
            results.append(Result(name, False, f"{type(exc).__name__}: {exc}"))
    return results
