from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, Integer, String, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from services.interop.database import Base


class Statement(Base):
    """An inter-province statement (省际结算清单): what the usage province advanced for the donor
    province's donors in a period, totals then lines. `out`: ours to a partner; `in`: a partner's
    to us, each line checked against what we authorised, confirmed or disputed, the confirmed
    total paid once through payments."""

    __tablename__ = "statements"
    __table_args__ = (UniqueConstraint("partner_code", "direction", "statement_ref"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    direction: Mapped[str] = mapped_column(String(4))  # in, out
    partner_code: Mapped[str] = mapped_column(String(32))
    statement_ref: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(7))
    date_from: Mapped[date] = mapped_column(Date)
    date_to: Mapped[date] = mapped_column(Date)
    total_count: Mapped[int] = mapped_column(Integer)
    total_fen: Mapped[int] = mapped_column(BigInteger)
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)  # with each line's decision once known
    confirmed_fen: Mapped[int | None] = mapped_column(BigInteger)
    disputed_fen: Mapped[int | None] = mapped_column(BigInteger)
    # out: sent -> answered -> paid; in: checked -> payment_requested -> paid
    status: Mapped[str] = mapped_column(String(24))
    disbursement_id: Mapped[str | None] = mapped_column(String(64))
    paid_fen: Mapped[int | None] = mapped_column(BigInteger)
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                 onupdate=func.now())


class ConfirmedLine(Base):
    """An authorisation confirmed in a partner's statement: confirmed (and so paid) once only."""

    __tablename__ = "confirmed_lines"

    partner_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    authorisation_no: Mapped[str] = mapped_column(String(32), primary_key=True)
    statement_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("statements.id"))
    reduced_fen: Mapped[int] = mapped_column(BigInteger)
