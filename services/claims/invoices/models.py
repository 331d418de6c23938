from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, Integer, String, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from services.claims.database import Base


class InvoiceUse(Base):
    """One claim or direct reduction drawing on one bill, with what it covered.

    Several uses of one invoice are allowed while the bill is not fully covered (several donors,
    a later claim for the rest, DOMAIN 6.1); ``seq`` numbers them per invoice, so two submits
    racing on the same invoice cannot both register the next use (the unique index on the
    normalised key is the last line of defence behind the advisory lock).
    """

    __tablename__ = "invoice_uses"
    __table_args__ = (
        UniqueConstraint("invoice_code", "invoice_number", "seq"),
        UniqueConstraint("case_kind", "case_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    invoice_code: Mapped[str] = mapped_column(String(32))  # normalised (invoices/key.py)
    invoice_number: Mapped[str] = mapped_column(String(32))
    seq: Mapped[int] = mapped_column(Integer)
    case_kind: Mapped[str] = mapped_column(String(16))  # claim, notice
    case_id: Mapped[uuid.UUID] = mapped_column()
    reference: Mapped[str] = mapped_column(String(32))  # BX... or JM..., shown to whoever is refused
    covered_ml: Mapped[int] = mapped_column(Integer)
    reduced_fen: Mapped[int] = mapped_column(BigInteger)  # supply cost
    mutual_aid_fen: Mapped[int] = mapped_column(BigInteger)  # 用血互助金 refunded
    # The donors named, by person index (kit.identity): a donor is not drawn on twice for one bill.
    donors: Mapped[list[str]] = mapped_column(JSONB, default=list)
    live: Mapped[bool] = mapped_column(Boolean, default=True)  # false: rejected, withdrawn, corrected
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                 onupdate=func.now())
