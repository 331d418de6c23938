from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Identity, Index, Integer, String, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from kit import clock
from services.interop.database import Base

BODY_CONTEXT = "interop.outbox.body"


class OutboundMessage(Base):
    """A message to a partner, written in the transaction that decides it, sent after commit.

    The message id is fixed here: every resend carries it (with a fresh signature and nonce),
    so the partner answers a repeat with its first answer. Messages of one case (`case_key`)
    go strictly in `seq` order; a later one waits while an earlier one is undelivered."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_interop_outbox_due", "next_attempt_at", postgresql_where=text("state IN ('pending', 'uncertain')")),
        Index("ix_interop_outbox_case", "case_key", "seq"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    seq: Mapped[int] = mapped_column(BigInteger, Identity(), unique=True)
    message_id: Mapped[str] = mapped_column(String(64), unique=True)
    partner_code: Mapped[str] = mapped_column(String(32))
    case_key: Mapped[str] = mapped_column(String(160))
    kind: Mapped[str] = mapped_column(String(32))
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(Text)  # below /interop/v1
    content_type: Mapped[str] = mapped_column(String(64))
    body_encrypted: Mapped[str] = mapped_column(Text)  # base64 of the bytes, encrypted (personal data)
    context: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)  # what to do with the answer
    # pending -> (uncertain ->)* delivered | failed. `uncertain`: sent, no answer; ask before resending.
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    reply: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The trace of the request that wrote the message (kit.tracing): its delivery continues it.
    traceparent: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
