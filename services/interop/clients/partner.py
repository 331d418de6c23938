"""The outbound half of the partner API: sign a message, send it, check the reply's signature
(it must come from the partner's key and name our request's digest) and log both."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI

from kit import http, tracing
from services.interop.evidence import service as evidence
from services.interop.partners.models import Partner
from services.interop.signatures import httpsig, keys

API_PREFIX = "/interop/v1"


class NotSent(Exception):
    """Nothing reached the partner (or we could not sign): safe to send again."""


class NoAnswer(Exception):
    """Sent, but no trustworthy answer came back: ask before resending."""


@dataclass
class PartnerReply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def client(app: FastAPI) -> httpx.AsyncClient:
    """One client for every partner (absolute URLs), made on first use."""
    existing = getattr(app.state, "partner_http", None)
    if existing is None:
        existing = http.make_client("", timeout_s=app.state.settings.partner_timeout_s,
                                    transport=getattr(app.state, "partner_transport", None))
        app.state.partner_http = existing
    return existing  # type: ignore[no-any-return]


async def send(app: FastAPI, partner: Partner, *, method: str, path: str, body: bytes, receiver_province: str,
               message_id: str | None = None, content_type: str = "application/json") -> PartnerReply:
    state = app.state
    message_id = message_id or str(uuid.uuid4())
    url = partner.base_url.rstrip("/") + API_PREFIX + path
    async with state.sessionmaker() as session:
        signing = await keys.signing_key(session, state.cipher)
    if signing is None:
        raise NotSent("本平台尚未启用签名密钥 (no active signing key: create and activate one)")
    headers = httpsig.sign_request(method, url, {
        "Content-Type": content_type, httpsig.SENDER: state.settings.provinces[0],
        httpsig.RECEIVER: receiver_province, httpsig.MESSAGE_ID: message_id,
    }, body, key_id=signing.key_id, private_key=signing.private_key)
    request_view = httpsig.RequestView(method.upper(), url, headers)
    out = evidence.Message("out", "request", partner.code, headers, body, "sent", method=method.upper(),
                           target_uri=url)
    try:
        # Our trace ids stay with us: the span is ours, no traceparent goes to another platform.
        with tracing.client_span(f"{method.upper()} partner {partner.code}", **{
                "http.request.method": method.upper(), "url.path": API_PREFIX + path.split("?", 1)[0]}):
            response = await client(app).request(method, url, content=body, headers=headers)
    except (httpx.ConnectError, httpx.PoolTimeout) as exc:
        await evidence.record(state.sessionmaker, state.cipher, _failed(out, f"not delivered: {exc!r}"))
        raise NotSent(f"partner {partner.code} unreachable: {exc!r}") from exc
    except httpx.TransportError as exc:
        await evidence.record(state.sessionmaker, state.cipher, _failed(out, f"no answer: {exc!r}", "no-answer"))
        raise NoAnswer(f"partner {partner.code} did not answer: {exc!r}") from exc
    reply = PartnerReply(response.status_code, dict(response.headers), response.content)
    reply_headers = {k.lower(): v for k, v in reply.headers.items()}
    outcome, detail = "verified", None
    try:
        params = httpsig.read_params(reply_headers)
        async with state.sessionmaker() as session:
            sender = await keys.sender_key(session, params.key_id)
        if sender.partner.code != partner.code:
            raise httpsig.SignatureRefused("wrong-sender", f"reply signed by {sender.partner.code}, not {partner.code}")
        httpsig.verify_reply(reply.status, reply_headers, reply.body, request_view, params, sender.public_key)
    except httpsig.SignatureRefused as exc:
        outcome, detail = f"refused:{exc.reason}", exc.detail
    await evidence.record(
        state.sessionmaker, state.cipher, out,
        evidence.Message("in", "reply", partner.code, reply_headers, reply.body, outcome, status=reply.status,
                         in_reply_to=message_id, request_digest=headers.get("Content-Digest"), detail=detail))
    if outcome != "verified":
        raise NoAnswer(f"the reply from {partner.code} is not acceptable: {detail}")
    return reply


def _failed(message: evidence.Message, detail: str, outcome: str = "not-delivered") -> evidence.Message:
    message.outcome, message.detail = outcome, detail
    return message
