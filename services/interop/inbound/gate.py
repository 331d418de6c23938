"""Admitting a partner's message: who signed it, is it fresh, new and addressed to us.

Each check that fails refuses the message with a 401 problem+json before anything changes; the
refusal itself is written to the evidence log (by the route, in its own transaction).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kit.identity import HEADER as CALLER_HEADER
from kit.identity import IdentityVerifier
from kit.problems import Problem, Unauthorized
from services.interop.signatures import httpsig, keys

PROVINCE = re.compile(r"^[0-9]{2}$")


class Refused(Problem):
    """A message we do not accept; `reason` goes to the evidence log."""

    def __init__(self, status: int, reason: str, detail: str, *, partner: str | None = None,
                 field: str | None = None) -> None:
        slug = {401: "signature-refused", 403: "forbidden", 413: "too-large", 422: "validation"}.get(status, "refused")
        title = {401: "Message signature refused", 413: "Message too large"}.get(status, "Message refused")
        headers = {"WWW-Authenticate": 'Signature realm="interop"'} if status == 401 else None
        super().__init__(detail, status=status, slug=slug, title=title, field=field, headers=headers, reason=reason)
        self.reason, self.partner = reason, partner


@dataclass
class Admitted:
    partner_code: str
    sender_province: str
    receiver_province: str
    message_id: str
    key_id: str
    target_uri: str


def header(headers: dict[str, str], name: str) -> str | None:
    return headers.get(name.lower())


def check_gateway(headers: dict[str, str], verifier: IdentityVerifier) -> None:
    """The message came through our gateway (the service port alone is useless to a caller)."""
    token = headers.get(CALLER_HEADER.lower())
    if not token:
        raise Refused(401, "no-gateway", "requests reach services only through the gateway (no caller token)")
    try:
        caller = verifier.verify(token)
    except Unauthorized as exc:
        raise Refused(401, "no-gateway", str(exc.detail)) from exc
    if caller.kind != "partner":
        raise Refused(401, "no-gateway", "the interop surface carries partner messages only")


async def admit(sessionmaker: async_sessionmaker[AsyncSession], headers: dict[str, str], body: bytes, *,
                method: str, target_uri: str, own_provinces: list[str], window_s: int) -> Admitted:
    try:
        params = httpsig.read_params(headers)
        httpsig.check_window(params.created, window_s)
    except httpsig.SignatureRefused as exc:
        raise Refused(401, exc.reason, exc.detail) from exc
    message_id = header(headers, httpsig.MESSAGE_ID) or ""
    sender = header(headers, httpsig.SENDER) or ""
    receiver = header(headers, httpsig.RECEIVER) or ""
    async with sessionmaker() as session, session.begin():
        try:
            found = await keys.sender_key(session, params.key_id)
            httpsig.verify_request(method, target_uri, headers, body, params, found.public_key)
        except httpsig.SignatureRefused as exc:
            raise Refused(401, exc.reason, exc.detail) from exc
        partner = found.partner.code
        try:
            uuid.UUID(message_id)
        except ValueError:
            raise Refused(401, "malformed", "Interop-Message-Id must be a UUID", partner=partner,
                          field=httpsig.MESSAGE_ID) from None
        if sender not in found.partner.provinces:
            raise Refused(401, "wrong-sender", f"合作平台 {partner} 不服务省份 {sender!r} "
                          f"(the partner does not serve the sender province)", partner=partner, field=httpsig.SENDER)
        if receiver not in own_provinces:
            raise Refused(401, "wrong-receiver", f"本平台不服务省份 {receiver!r} (not a province we serve)",
                          partner=partner, field=httpsig.RECEIVER)
        # Last, and in the same transaction as nothing else: a replay is refused even if the
        # first copy is still being processed.
        if not await keys.remember_nonce(session, params.key_id, params.nonce):
            raise Refused(401, "replayed", "重放的消息 (this signature nonce was seen before: replay refused)",
                          partner=partner)
    return Admitted(partner_code=partner, sender_province=sender, receiver_province=receiver,
                    message_id=message_id, key_id=params.key_id, target_uri=target_uri)
