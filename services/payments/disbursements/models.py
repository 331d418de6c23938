from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.payments.database import Base

STATES = ("pending", "sent", "succeeded", "failed", "returned")
FINAL_STATES = ("succeeded", "failed", "returned")
ATTEMPT_STATUSES = ("new", "processing", "succeeded", "failed", "returned")
# Account numbers are encrypted per column: a token copied into another column will not open.
ACCOUNT_CONTEXT = "payments.disbursements.account_number"
ATTEMPT_ACCOUNT_CONTEXT = "payments.transfer_attempts.account_number"


class Disbursement(Base):
    """Money owed to one payee for one source, with the current transfer attempt's working state.

    `send_tries` counts sends of the current attempt: above zero the bank may already hold the
    transfer, so the worker asks the bank before sending again (same merchant number).
    """

    __tablename__ = "disbursements"
    __table_args__ = (
        CheckConstraint("state IN ('pending', 'sent', 'succeeded', 'failed', 'returned')", name="state"),
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        CheckConstraint("attempt >= 1", name="attempt_positive"),
        # One live disbursement per source: a second key for the same claim cannot pay it twice.
        Index("uq_disbursements_live_source_ref", "source_ref", unique=True,
              postgresql_where=text("state <> 'failed'")),
        Index("ix_disbursements_due", "next_attempt_at", postgresql_where=text("state IN ('pending', 'sent')")),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    request_digest: Mapped[str] = mapped_column(String(64))
    source_ref: Mapped[str] = mapped_column(String(128))
    province: Mapped[str] = mapped_column(String(2))
    channel: Mapped[str] = mapped_column(String(16))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    payee_name: Mapped[str] = mapped_column(String(64))
    payee_bank_name: Mapped[str] = mapped_column(String(128))
    payee_account_encrypted: Mapped[str] = mapped_column(Text)
    payee_account_masked: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    merchant_transfer_no: Mapped[str] = mapped_column(String(32))
    send_tries: Mapped[int] = mapped_column(Integer, default=0)
    polls: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    lease_token: Mapped[uuid.UUID | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)

    funding: Mapped[list[FundingLine]] = relationship(lazy="raise", order_by="FundingLine.position")
    history: Mapped[list[HistoryEntry]] = relationship(lazy="raise", order_by="HistoryEntry.id")


class FundingLine(Base):
    """Who bears the cost (经费来源): local fund (还血基金), military fund, or another province."""

    __tablename__ = "funding_lines"
    __table_args__ = (CheckConstraint("amount_fen > 0", name="amount_positive"),)

    disbursement_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("disbursements.id"), primary_key=True)
    source: Mapped[str] = mapped_column(String(32), primary_key=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    position: Mapped[int] = mapped_column(Integer)


class TransferAttempt(Base):
    """One transfer sent (or to be sent) for a disbursement: a new one only after a corrected payee."""

    __tablename__ = "transfer_attempts"
    __table_args__ = (
        CheckConstraint("status IN ('new', 'processing', 'succeeded', 'failed', 'returned')", name="status"),
        UniqueConstraint("disbursement_id", "attempt"),
        UniqueConstraint("disbursement_id", "correction_key"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    disbursement_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("disbursements.id"), index=True)
    attempt: Mapped[int] = mapped_column(Integer)
    merchant_transfer_no: Mapped[str] = mapped_column(String(32), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    payee_name: Mapped[str] = mapped_column(String(64))
    payee_bank_name: Mapped[str] = mapped_column(String(128))
    payee_account_encrypted: Mapped[str] = mapped_column(Text)
    payee_account_masked: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="new")
    channel_reference: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)
    correction_key: Mapped[str | None] = mapped_column(String(128))
    first_tried_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class HistoryEntry(Base):
    """Every state change, with time and reason; append-only (a trigger refuses UPDATE/DELETE)."""

    __tablename__ = "disbursement_history"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    disbursement_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("disbursements.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    attempt: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(64))
