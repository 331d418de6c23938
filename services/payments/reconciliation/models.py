from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from services.payments.database import Base

KINDS = ("matched", "missing_at_bank", "missing_here", "amount_mismatch", "status_mismatch")


class ReconciliationRun(Base):
    """One reconciliation of one day; runs are kept (append-only), the latest is the one shown."""

    __tablename__ = "reconciliation_runs"
    __table_args__ = (
        CheckConstraint("trigger IN ('scheduled', 'manual')", name="trigger"),
        # The daily job runs once per day even with several workers.
        Index("uq_reconciliation_runs_scheduled_day", "run_date", unique=True,
              postgresql_where=text("trigger = 'scheduled'")),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    run_date: Mapped[date] = mapped_column(Date, index=True)
    trigger: Mapped[str] = mapped_column(String(16))
    channels: Mapped[list[str]] = mapped_column(JSONB)
    counts: Mapped[dict[str, int]] = mapped_column(JSONB)
    ran_by: Mapped[str] = mapped_column(String(64))
    ran_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReconciliationItem(Base):
    __tablename__ = "reconciliation_items"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('matched', 'missing_at_bank', 'missing_here', 'amount_mismatch', 'status_mismatch')",
            name="kind"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("reconciliation_runs.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    channel: Mapped[str] = mapped_column(String(16))
    merchant_transfer_no: Mapped[str] = mapped_column(String(64))
    disbursement_id: Mapped[uuid.UUID | None] = mapped_column()
    source_ref: Mapped[str | None] = mapped_column(String(128))
    attempt: Mapped[int | None] = mapped_column(Integer)
    platform_amount_fen: Mapped[int | None] = mapped_column(BigInteger)
    bank_amount_fen: Mapped[int | None] = mapped_column(BigInteger)
    platform_status: Mapped[str | None] = mapped_column(String(16))
    bank_status: Mapped[str | None] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(Text)
