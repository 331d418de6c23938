from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Index, Integer, String, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from kit import clock
from services.claims.database import Base


class OutboxMessage(Base):
    """`claim_id` is the aggregate the message belongs to: a claim, a notice or a statement."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_claims_outbox_due", "next_attempt_at", postgresql_where=text("delivered_at IS NULL")),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    claim_id: Mapped[uuid.UUID] = mapped_column(index=True)
    # hold_commit, hold_release, payment_request, payee_update, notification
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    idempotency_key: Mapped[str] = mapped_column(String(160), unique=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Due moments come from the kit clock, so a pinned or moved clock sees its own rows as due.
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                      default=clock.now)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    # The W3C trace context of the request that wrote the row: its delivery continues that trace.
    traceparent: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class SentNotification(Base):
    """What the SANDBOX sender 'sent' (no SMS or WeChat message leaves this machine)."""

    __tablename__ = "sandbox_notifications"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    claim_id: Mapped[uuid.UUID] = mapped_column(index=True)
    recipient: Mapped[str] = mapped_column(String(64))  # masked phone or applicant id
    template: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
