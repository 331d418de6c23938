"""Delivery to a partner: a sender that got no answer asks the partner before resending, and
does not resend what the partner already has; a partner that is suspended gets nothing."""

from __future__ import annotations

import json
import uuid

import httpx
from fastapi import FastAPI, Request, Response

from services.interop.outbox.deliver import deliver_once
from services.interop.signatures import httpsig
from stack.keys import DevKeys
from tests.interop.conftest import PartnerSetup
from tests.support.apps import AppStack
from tests.support.callers import caller_headers


def zhejiang(private_pem: str, key_id: str) -> tuple[FastAPI, list[str]]:
    """Zhejiang's partner API as far as this test needs it: it signs its replies with its key."""
    app, seen = FastAPI(), []
    answered: dict[str, bytes] = {}

    def signed(request: Request, status: int, body: bytes) -> Response:
        view = httpsig.RequestView(request.method, str(request.url), {k.lower(): v for k, v in request.headers.items()})
        headers = httpsig.sign_reply(status, {"Content-Type": "application/json",
                                              httpsig.MESSAGE_ID: str(uuid.uuid4())}, body, view,
                                     key_id=key_id, private_key=httpsig.load_private_key(private_pem))
        return Response(body, status_code=status, headers=headers)

    @app.post("/interop/v1/claim-status")
    async def claim_status(request: Request) -> Response:
        seen.append(f"POST {request.headers['interop-message-id']}")
        body = json.dumps({"received": True}).encode()
        answered[request.headers["interop-message-id"]] = body
        return signed(request, 200, body)

    @app.get("/interop/v1/messages/{message_id}")
    async def earlier(message_id: str, request: Request) -> Response:
        seen.append(f"GET {message_id}")
        if message_id not in answered:
            return signed(request, 404, b'{"title": "Not found"}')
        return signed(request, 200, json.dumps({"message_id": message_id, "status": 200,
                                                "reply": json.loads(answered[message_id])}).encode())

    return app, seen


class AnswerLost(httpx.AsyncBaseTransport):
    """Delivers the first POST, then loses its answer (a timeout after the partner acted)."""

    def __init__(self, app: FastAPI) -> None:
        self.inner, self.lost = httpx.ASGITransport(app=app), False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.method == "POST" and not self.lost:
            self.lost = True
            raise httpx.ReadTimeout("answer lost", request=request)
        return response


async def _queue_status(stack: AppStack, keys: DevKeys, seq: int = 1) -> None:
    system = caller_headers(keys, subject="claims", kind="system", roles=("system",))
    queued = await stack.services["interop"].post("/v1/claim-events", headers=system, json={
        "case": "zj:ZJ-0009", "claim_ref": "BX1100000000000009", "status": "approved", "seq": seq,
        "approved_fen": 44_000})
    assert queued.status_code == 202, queued.text


async def _outbox(stack: AppStack, admin: dict[str, str]) -> list[dict]:
    return (await stack.gateway.get("/ops/v1/interop/outbox", headers=admin)).json()


async def test_a_sender_without_an_answer_asks_before_resending(stack: AppStack, partner: PartnerSetup,
                                                               keys: DevKeys) -> None:
    app, seen = zhejiang(partner.signer.private_pem, partner.signer.key_id)
    interop = stack.apps["interop"]
    interop.state.partner_http = httpx.AsyncClient(transport=AnswerLost(app))
    await _queue_status(stack, keys)
    assert await deliver_once(interop) == 0
    [row] = await _outbox(stack, partner.admin)
    assert (row["state"], row["attempts"]) == ("uncertain", 1)
    for _ in range(20):  # backoff: at most a second or two in tests' settings
        if await deliver_once(interop):
            break
        await _force_due(stack)
    [row] = await _outbox(stack, partner.admin)
    assert (row["state"], row["reply"]["status"]) == ("delivered", 200)
    assert seen == [f"POST {row['message_id']}", f"GET {row['message_id']}"]  # asked, never sent twice


async def test_a_suspended_partner_gets_nothing_until_resumed(stack: AppStack, partner: PartnerSetup,
                                                              keys: DevKeys) -> None:
    app, seen = zhejiang(partner.signer.private_pem, partner.signer.key_id)
    interop = stack.apps["interop"]
    interop.state.partner_http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app))
    await stack.gateway.post("/ops/v1/interop/partners/zj/suspend", headers=partner.admin, json={"reason": "维护"})
    await _queue_status(stack, keys, seq=1)
    await _queue_status(stack, keys, seq=2)
    assert await deliver_once(interop) == 0 and seen == []
    await stack.gateway.post("/ops/v1/interop/partners/zj/resume", headers=partner.admin, json={"reason": "恢复"})
    await _force_due(stack)
    delivered = 0
    for _ in range(5):
        delivered += await deliver_once(interop)
    rows = sorted(await _outbox(stack, partner.admin), key=lambda r: r["seq"])
    assert delivered == 2 and [r["state"] for r in rows] == ["delivered", "delivered"]
    assert seen == [f"POST {rows[0]['message_id']}", f"POST {rows[1]['message_id']}"]  # in order, once each


async def _force_due(stack: AppStack) -> None:
    from sqlalchemy import text

    async with stack.apps["interop"].state.engine.begin() as conn:
        await conn.execute(text("UPDATE interop.outbox SET next_attempt_at = now() - interval '1 second' "
                                "WHERE state IN ('pending', 'uncertain')"))
