"""Writing the evidence log (in its own transaction: a refusal is logged even though the
request changes nothing) and reading it back per partner and period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kit import clock
from kit.crypto import FieldCipher
from services.interop.evidence.models import BODY_CONTEXT, EvidenceEntry

# Bodies up to this size are kept (encrypted) beside their digest; larger ones (documents) by digest only.
KEEP_BODY_BYTES = 256 * 1024


@dataclass
class Message:
    direction: str  # in, out
    kind: str  # request, reply
    partner_code: str | None
    headers: dict[str, str]
    body: bytes
    outcome: str
    method: str | None = None
    target_uri: str | None = None
    status: int | None = None
    in_reply_to: str | None = None
    request_digest: str | None = None
    detail: str | None = None


def _h(headers: dict[str, str], name: str) -> str | None:
    return _text(next((v for k, v in headers.items() if k.lower() == name), None))


def _text(value: str | None) -> str | None:
    """As received, but storable: PostgreSQL text holds no NUL (a hostile message may carry one)."""
    return value.replace("\x00", "\\x00") if value else value


def entry(message: Message, cipher: FieldCipher) -> EvidenceEntry:
    signature_input = _h(message.headers, "signature-input")
    key_id = None
    if signature_input and 'keyid="' in signature_input:
        key_id = signature_input.split('keyid="', 1)[1].split('"', 1)[0][:64]
    body = None
    if message.body and len(message.body) <= KEEP_BODY_BYTES:
        body = cipher.encrypt(message.body.decode("utf-8", "replace"), context=BODY_CONTEXT)
    return EvidenceEntry(
        at=clock.now(), direction=message.direction, kind=message.kind, partner_code=message.partner_code,
        message_id=(_h(message.headers, "interop-message-id") or "")[:64] or None,
        in_reply_to=_text(message.in_reply_to), method=message.method, target_uri=_text(message.target_uri),
        status=message.status, content_digest=_h(message.headers, "content-digest"),
        request_digest=message.request_digest, signature_input=signature_input,
        signature=_h(message.headers, "signature"), key_id=key_id, outcome=message.outcome,
        detail=_text((message.detail or "")[:2000]) or None, body_encrypted=body)


async def record(sessionmaker: async_sessionmaker[AsyncSession], cipher: FieldCipher, *messages: Message) -> None:
    async with sessionmaker() as session, session.begin():
        session.add_all(entry(m, cipher) for m in messages)


async def export(session: AsyncSession, partner: str | None, date_from: date, date_to: date,
                 limit: int = 5000) -> list[EvidenceEntry]:
    start, end = clock.day_bounds(date_from)[0], clock.day_bounds(date_to)[1]
    stmt = select(EvidenceEntry).where(EvidenceEntry.at >= start, EvidenceEntry.at < end)
    if partner:
        stmt = stmt.where(EvidenceEntry.partner_code == partner)
    stmt = stmt.order_by(EvidenceEntry.id).limit(limit)
    return list((await session.execute(stmt)).scalars())
