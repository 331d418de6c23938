from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, DateTime, Identity, Index, Integer, String, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from kit import clock
from services.claims.database import Base


class OutboxMessage(Base):
    """`claim_id` is the aggregate the message belongs to: a claim, a notice or a statement.

    Messages of one aggregate and lane go out in `seq` order (kit.outbox): money calls in lane
    `peer`, applicant messages in lane `notify` (a stuck message never holds up a payment), and
    the guards of holds not yet owned in lane `guard` (due only after their grace period), and
    what the interop service is to tell a partner platform in lane `partner` (issue 14).
    """

    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'delivered', 'dead', 'discarded')", name="status"),
        Index("ix_claims_outbox_due", "next_attempt_at", postgresql_where=text("status = 'pending'")),
        Index("ix_claims_outbox_aggregate", "claim_id", "lane", "seq",
              postgresql_where=text("status IN ('pending', 'dead')")),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    seq: Mapped[int] = mapped_column(BigInteger, Identity(), unique=True)
    claim_id: Mapped[uuid.UUID] = mapped_column(index=True)
    lane: Mapped[str] = mapped_column(String(16), default="peer", server_default="peer")
    # hold_commit, hold_release, hold_reverse, hold_guard, payment_request, payee_update, notification
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    idempotency_key: Mapped[str] = mapped_column(String(160), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Due moments come from the kit clock, so a pinned or moved clock sees its own rows as due.
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                      default=clock.now)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    # The W3C trace context of the request that wrote the row: its delivery continues that trace.
    traceparent: Mapped[str | None] = mapped_column(String(64))
    dead_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by: Mapped[str | None] = mapped_column(String(64))  # who retried or discarded a dead letter
    resolved_reason: Mapped[str | None] = mapped_column(Text)
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
