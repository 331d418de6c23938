"""Idempotency by message id: the first answer to a partner's message is kept and given again
to every retry of that id (with a fresh reply signature); another body under the same id is a 409."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kit import clock
from kit.problems import Conflict, ServiceUnavailable
from services.interop.inbound.models import InboundMessage

ABANDONED = timedelta(seconds=120)


@dataclass
class StoredReply:
    status: int
    content_type: str
    body: bytes


async def begin(sessionmaker: async_sessionmaker[AsyncSession], partner: str, message_id: str, *, method: str,
                path: str, digest: str) -> StoredReply | None:
    """None: this message is new and now marked `processing`; else the first answer."""
    async with sessionmaker() as session, session.begin():
        stmt = (insert(InboundMessage).values(partner_code=partner, message_id=message_id, method=method, path=path,
                                              content_digest=digest, state="processing")
                .on_conflict_do_nothing().returning(InboundMessage.message_id))
        if (await session.execute(stmt)).scalar_one_or_none() is not None:
            return None
        earlier = await session.get(InboundMessage, (partner, message_id))
        assert earlier is not None
        if earlier.content_digest != digest or earlier.path != path or earlier.method != method:
            raise Conflict("同一消息编号的内容不同 (this message id was used for a different message)",
                           field="Interop-Message-Id", reason="message-id-reused")
        if earlier.state == "processing" and earlier.received_at < clock.now() - ABANDONED:
            # The process that took it stopped before answering (its work was one transaction at
            # our services, done or not): this copy takes it over.
            earlier.received_at = clock.now()
            return None
        if earlier.state != "answered" or earlier.status is None:
            raise ServiceUnavailable("该消息正在处理，请稍后重试 (the first copy is still being processed)",
                                     retry_after_s=2)
        return StoredReply(earlier.status, earlier.reply_content_type or "application/json", earlier.reply_body or b"")


async def finish(sessionmaker: async_sessionmaker[AsyncSession], partner: str, message_id: str,
                 reply: StoredReply) -> None:
    """Keep a final answer; forget a temporary one (5xx) so a retry is processed afresh."""
    async with sessionmaker() as session, session.begin():
        if reply.status >= 500:
            await session.execute(delete(InboundMessage).where(InboundMessage.partner_code == partner,
                                                               InboundMessage.message_id == message_id))
            return
        row = await session.get(InboundMessage, (partner, message_id), with_for_update=True)
        if row is not None:
            row.state, row.status, row.answered_at = "answered", reply.status, clock.now()
            row.reply_content_type, row.reply_body = reply.content_type, reply.body


async def answered(session: AsyncSession, partner: str, message_id: str) -> StoredReply | None:
    """What we answered to a message, for a sender that timed out and asks before resending."""
    row = await session.get(InboundMessage, (partner, message_id))
    if row is None or row.state != "answered" or row.status is None:
        return None
    return StoredReply(row.status, row.reply_content_type or "application/json", row.reply_body or b"")
