from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Identity,
    Index,
    Integer,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from services.payments.database import Base


class OutboxEvent(Base):
    """A payment's outcome for the service that asked for it; events of one source (a claim, a
    statement) are delivered in `seq` order (kit.outbox), a dead letter holding back the later ones."""

    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint("event IN ('succeeded', 'returned', 'failed')", name="event"),
        CheckConstraint("status IN ('pending', 'delivered', 'dead', 'discarded')", name="status"),
        Index("ix_outbox_due", "next_attempt_at", postgresql_where=text("status = 'pending'")),
        Index("ix_outbox_aggregate", "source_ref", "seq", postgresql_where=text("status IN ('pending', 'dead')")),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)  # the event id
    seq: Mapped[int] = mapped_column(BigInteger, Identity(), unique=True)
    destination: Mapped[str] = mapped_column(String(16))
    disbursement_id: Mapped[uuid.UUID] = mapped_column(index=True)
    source_ref: Mapped[str] = mapped_column(String(128))
    event: Mapped[str] = mapped_column(String(16))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str | None] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    lease_token: Mapped[uuid.UUID | None] = mapped_column()
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    # The W3C trace context of the work that wrote the event: its delivery continues that trace.
    traceparent: Mapped[str | None] = mapped_column(String(64))
    dead_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by: Mapped[str | None] = mapped_column(String(64))  # who retried or discarded a dead letter
    resolved_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class OutboxAction(Base):
    """Ops' decisions on dead letters (retry, discard), with who and why; append-only."""

    __tablename__ = "outbox_actions"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    event_id: Mapped[uuid.UUID] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    request_id: Mapped[str | None] = mapped_column(String(128))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
