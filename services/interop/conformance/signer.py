"""A partner's side of the wire, for the conformance kit and tests: sign requests exactly as the
partner guide says, send them, verify the signed replies."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from services.interop.signatures import httpsig


@dataclass
class Signed:
    """A request as it will be sent (so a test can replay it byte for byte)."""

    method: str
    url: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    signature_ok: bool
    signature_error: str | None = None
    covered: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class PartnerSigner:
    base_url: str  # the target platform's public base (its gateway)
    key_id: str
    private_pem: str
    sender_province: str
    receiver_province: str
    target_public_pem: str | None = None  # to verify replies

    def sign(self, method: str, path: str, *, json_body: Any = None, body: bytes | None = None,
             content_type: str = "application/json", message_id: str | None = None,
             receiver: str | None = None, sender: str | None = None, created: int | None = None) -> Signed:
        if body is None:
            body = b"" if json_body is None else json.dumps(json_body, ensure_ascii=False).encode()
        url = self.base_url.rstrip("/") + "/interop/v1" + path
        headers = httpsig.sign_request(method, url, {
            "Content-Type": content_type, httpsig.SENDER: sender or self.sender_province,
            httpsig.RECEIVER: receiver or self.receiver_province, httpsig.MESSAGE_ID: message_id or str(uuid.uuid4()),
        }, body, key_id=self.key_id, private_key=httpsig.load_private_key(self.private_pem), created=created)
        return Signed(method.upper(), url, headers, body)

    async def send(self, client: httpx.AsyncClient, signed: Signed) -> Reply:
        response = await client.request(signed.method, signed.url, content=signed.body, headers=signed.headers)
        return self.check_reply(response, signed)

    def check_reply(self, response: httpx.Response, signed: Signed) -> Reply:
        headers = {k.lower(): v for k, v in response.headers.items()}
        reply = Reply(response.status_code, headers, response.content, signature_ok=False)
        if self.target_public_pem is None:
            reply.signature_error = "no target key given"
            return reply
        try:
            params = httpsig.read_params(headers)
            verified = httpsig.verify_reply(
                response.status_code, headers, response.content,
                httpsig.RequestView(signed.method, signed.url, signed.headers), params,
                httpsig.load_public_key(self.target_public_pem))
            reply.signature_ok, reply.covered = True, verified.covered
        except httpsig.SignatureRefused as exc:
            reply.signature_error = f"{exc.reason}: {exc.detail}"
        return reply

    async def call(self, client: httpx.AsyncClient, method: str, path: str, **kw: Any) -> Reply:
        return await self.send(client, self.sign(method, path, **kw))
