from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from services.claims.database import Base

# Associated-data contexts of encrypted columns (kit.crypto).
CERT = "claims.claims.cert_number"
PHONE = "claims.claims.phone"
ACCOUNT = "claims.claims.payee_account_number"


class Claim(Base):
    __tablename__ = "claims"
    __table_args__ = (
        Index("ix_claims_claims_queue", "province", "status", "due_on"),  # the review queue
        # One blood use is reduced once (一次用血不得重复报销): the invoice registry (invoices/) keeps
        # every claim and reduction of a bill under its normalised key, so several donors may share it.
        # A partner forwards a case once: its claim reference names one claim here (跨省转办).
        Index("uq_claims_interop_case", "applicant_subject", unique=True, postgresql_where=text("channel = 'interop'")),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    seq: Mapped[int] = mapped_column(BigInteger, Identity(), unique=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)  # BX + province + date + seq
    province: Mapped[str] = mapped_column(String(2))  # donation province: its rules, its station
    channel: Mapped[str] = mapped_column(String(16))  # online, hospital, counter, mail, interop (from a partner)
    status: Mapped[str] = mapped_column(String(32), default="draft")
    # Who filed it: a donor account (online) or the staff member who registered it.
    applicant_kind: Mapped[str] = mapped_column(String(16))
    applicant_subject: Mapped[str] = mapped_column(String(128))
    registered_by: Mapped[str | None] = mapped_column(String(64))

    donor_cert_type: Mapped[str] = mapped_column(String(32))
    donor_cert_encrypted: Mapped[str] = mapped_column(Text)
    # kit.identity.person_index of the donor and the beneficiary: how a signed-in donor's caller
    # token finds their family's claims. Null only on rows from before it, until the start-up backfill.
    donor_person_index: Mapped[str | None] = mapped_column(String(64), index=True)
    donor_cert_masked: Mapped[str] = mapped_column(String(32))
    donor_name: Mapped[str] = mapped_column(String(64))
    donor_phone_encrypted: Mapped[str | None] = mapped_column(Text)
    donor_phone_masked: Mapped[str | None] = mapped_column(String(16))
    beneficiary_cert_type: Mapped[str] = mapped_column(String(32))
    beneficiary_cert_encrypted: Mapped[str] = mapped_column(Text)
    beneficiary_person_index: Mapped[str | None] = mapped_column(String(64), index=True)
    beneficiary_cert_masked: Mapped[str] = mapped_column(String(32))
    beneficiary_name: Mapped[str] = mapped_column(String(64))
    beneficiary_phone_encrypted: Mapped[str | None] = mapped_column(Text)
    beneficiary_phone_masked: Mapped[str | None] = mapped_column(String(16))
    relationship: Mapped[str] = mapped_column(String(32))
    kinship_evidence: Mapped[str | None] = mapped_column(String(16))  # document, pledge
    agent: Mapped[dict[str, Any] | None] = mapped_column(JSONB)  # name, masked fields, encrypted cert/phone
    donor_deceased: Mapped[bool] = mapped_column(Boolean, default=False)
    # A deceased donor's money goes to the relative named here (name, relationship, certificate).
    payee_relative: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    # Further donors whose pools cover what `donor`'s leaves of the bill, in order (DOMAIN 6.1):
    # [{cert_type, cert_encrypted, person_index, cert_masked, name, relationship}]; person_index is
    # kit.identity.person_index, so a further donor signed in on the client sees the claim too.
    additional_donors: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list, server_default="[]")

    # Hospital and products, encrypted (intake/usage.py); the two plain columns are legacy.
    usage_encrypted: Mapped[str | None] = mapped_column(Text)
    hospital_name: Mapped[str | None] = mapped_column(String(128))
    usage_province: Mapped[str] = mapped_column(String(2))
    used_on: Mapped[date] = mapped_column(Date)
    paid_on: Mapped[date] = mapped_column(Date)
    # A mailed claim (邮寄报销) is judged on the postmark date staff record, not the day they register it.
    postmarked_on: Mapped[date | None] = mapped_column(Date)
    items: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONB)

    invoice_code: Mapped[str] = mapped_column(String(32))  # normalised (invoices/key.py)
    invoice_number: Mapped[str] = mapped_column(String(32))
    invoice_check_code: Mapped[str | None] = mapped_column(String(32))
    invoice_issued_on: Mapped[date] = mapped_column(Date)
    invoice_total_fen: Mapped[int] = mapped_column(BigInteger)
    blood_fee_fen: Mapped[int] = mapped_column(BigInteger)
    mutual_aid_fen: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")  # 用血互助金 paid

    payee_account_name: Mapped[str] = mapped_column(String(64))
    payee_account_encrypted: Mapped[str] = mapped_column(Text)
    payee_account_masked: Mapped[str] = mapped_column(String(32))
    payee_bank_name: Mapped[str] = mapped_column(String(64))

    requested_fen: Mapped[int] = mapped_column(BigInteger)
    eligible_fen: Mapped[int | None] = mapped_column(BigInteger)
    approved_fen: Mapped[int | None] = mapped_column(BigInteger)
    paid_fen: Mapped[int | None] = mapped_column(BigInteger)
    quote_encrypted: Mapped[str | None] = mapped_column(Text)  # the entitlement quote, explanation included
    quote: Mapped[dict[str, Any] | None] = mapped_column(JSONB)  # legacy plaintext, emptied at start-up
    hold_key: Mapped[str | None] = mapped_column(String(128))
    submit_attempts: Mapped[int] = mapped_column(Integer, default=0)  # refused submits (fresh hold key each)
    warnings: Mapped[list[str]] = mapped_column(JSONB, default=list)

    submitted_on: Mapped[date | None] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)
    paused_days: Mapped[list[list[str]]] = mapped_column(JSONB, default=list)  # [[from, to], ...] needs_more_info
    info_requested_at: Mapped[date | None] = mapped_column(Date)
    first_approved_by: Mapped[str | None] = mapped_column(String(64))
    first_approved_fen: Mapped[int | None] = mapped_column(BigInteger)
    decision_reason_code: Mapped[str | None] = mapped_column(String(64))
    decision_note: Mapped[str | None] = mapped_column(Text)
    approved_on: Mapped[date | None] = mapped_column(Date)
    # "审核通过后10个工作日内支付": past this day unpaid, the claim is on the ops alarm list.
    pay_due_on: Mapped[date | None] = mapped_column(Date)
    attention_reason: Mapped[str | None] = mapped_column(Text)  # why a person must look (needs_attention)
    payment_error: Mapped[str | None] = mapped_column(Text)  # the bank's reason (payment_failed)
    disbursement_id: Mapped[str | None] = mapped_column(String(64))
    # Filed here for another province's donor: forwarded to the partner that decides (跨省转办),
    # whose reference and latest status (and its sequence, to ignore an older push) are mirrored.
    forwarded_to: Mapped[str | None] = mapped_column(String(32))
    partner_reference: Mapped[str | None] = mapped_column(String(64))
    partner_status: Mapped[str | None] = mapped_column(String(32))
    partner_seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), onupdate=func.now())


class ClaimDocument(Base):
    __tablename__ = "claim_documents"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    claim_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("claims.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    address: Mapped[str] = mapped_column(String(80))  # content address in document storage
    media_type: Mapped[str] = mapped_column(String(32))
    size_bytes: Mapped[int] = mapped_column(Integer)
    uploaded_by: Mapped[str] = mapped_column(String(128))
    # A partner's document (跨省转办): the SHA-256 it named the file by, so a resend attaches it once.
    source_sha256: Mapped[str | None] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
