from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Date, DateTime, Identity, String, Text, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from services.claims.database import Base


class ReductionNotice(Base):
    """减免通知单: the amount a hospital may take off a patient's bill, holding the quota."""

    __tablename__ = "reduction_notices"
    # A settled reduction registers its invoice in the invoice registry (invoices/), like a claim.

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    seq: Mapped[int] = mapped_column(BigInteger, Identity(), unique=True)
    notice_no: Mapped[str] = mapped_column(String(32), unique=True)
    hospital_code: Mapped[str] = mapped_column(String(32), index=True)
    province: Mapped[str] = mapped_column(String(2))  # donation province (its rules, its fund)
    # pending (stored, hold not yet placed), issued, settled, cancelled, corrected, void (never issued)
    status: Mapped[str] = mapped_column(String(16))
    patient_cert_type: Mapped[str] = mapped_column(String(32))
    patient_cert_encrypted: Mapped[str] = mapped_column(Text)
    patient_cert_masked: Mapped[str] = mapped_column(String(32))
    patient_name: Mapped[str] = mapped_column(String(64))
    donor_cert_type: Mapped[str] = mapped_column(String(32))
    donor_cert_encrypted: Mapped[str] = mapped_column(Text)
    donor_cert_masked: Mapped[str] = mapped_column(String(32))
    donor_name: Mapped[str] = mapped_column(String(64))
    relationship: Mapped[str] = mapped_column(String(32))
    # Further donors drawn in turn for the same bill (DOMAIN 6.1), as on a claim.
    additional_donors: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list, server_default="[]")
    kinship_evidence: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    used_on: Mapped[date] = mapped_column(Date)
    items_encrypted: Mapped[str | None] = mapped_column(Text)  # reductions/usage.py
    items: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONB)  # legacy plaintext
    blood_fee_fen: Mapped[int] = mapped_column(BigInteger)
    mutual_aid_fen: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")  # 用血互助金 paid
    max_reducible_fen: Mapped[int] = mapped_column(BigInteger)
    quote_encrypted: Mapped[str | None] = mapped_column(Text)
    quote: Mapped[dict[str, Any] | None] = mapped_column(JSONB)  # legacy plaintext
    hold_key: Mapped[str] = mapped_column(String(64))
    valid_until: Mapped[date] = mapped_column(Date)
    issued_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    receipt_no: Mapped[str | None] = mapped_column(String(64), unique=True)
    settled_on: Mapped[date | None] = mapped_column(Date)
    final_items_encrypted: Mapped[str | None] = mapped_column(Text)
    final_items: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONB)  # legacy plaintext
    final_blood_fee_fen: Mapped[int | None] = mapped_column(BigInteger)
    reduced_fen: Mapped[int | None] = mapped_column(BigInteger)
    invoice_code: Mapped[str | None] = mapped_column(String(32))  # normalised (invoices/key.py)
    invoice_number: Mapped[str | None] = mapped_column(String(32))
    settled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    corrected_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    correction_reason: Mapped[str | None] = mapped_column(Text)
    statement_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    # The donor's province is a partner's (跨省直免): it authorised this notice under its own number
    # and holds the quota there; settlement and cancellation are reported to it.
    forwarded_to: Mapped[str | None] = mapped_column(String(32))
    partner_notice_no: Mapped[str | None] = mapped_column(String(32))


class HospitalStatement(Base):
    """医院直免结算清单: a hospital's settled reductions for a period, paid once when approved."""

    __tablename__ = "hospital_statements"
    __table_args__ = (UniqueConstraint("hospital_code", "period"),)  # filed once per period

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    hospital_code: Mapped[str] = mapped_column(String(32))
    period: Mapped[str] = mapped_column(String(8))  # 2026-10 (monthly) or 2026-H1 (military, half-yearly)
    status: Mapped[str] = mapped_column(String(16))  # filed, approved, paid, payment_failed
    late: Mapped[bool] = mapped_column(default=False)
    total_fen: Mapped[int] = mapped_column(BigInteger)
    funding: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    reduction_count: Mapped[int] = mapped_column(BigInteger)
    filed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    approved_by: Mapped[str | None] = mapped_column(String(64))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    disbursement_id: Mapped[str | None] = mapped_column(String(64))
    payment_error: Mapped[str | None] = mapped_column(Text)  # the bank's reason (payment_failed)
