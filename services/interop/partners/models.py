from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ARRAY, BigInteger, DateTime, ForeignKey, Identity, String, Text, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from services.interop.database import Base

OWN_KEY_CONTEXT = "interop.own_keys.private_key"


class Partner(Base):
    """Another province's platform (合作省份平台): whom we accept messages from, where we send."""

    __tablename__ = "partners"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)  # e.g. "zj"
    name: Mapped[str] = mapped_column(String(128))
    provinces: Mapped[list[str]] = mapped_column(ARRAY(String(2)))
    base_url: Mapped[str] = mapped_column(String(256))  # its gateway; /interop/v1 is appended
    status: Mapped[str] = mapped_column(String(16), default="active")  # active, suspended
    # Where the donor province pays this partner's inter-province statements (encrypted, masked).
    settlement_account: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                 onupdate=func.now())


class PartnerKey(Base):
    """A partner's Ed25519 public key; a key id is unique across all partners (it names the sender)."""

    __tablename__ = "partner_keys"

    key_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    partner_code: Mapped[str] = mapped_column(ForeignKey("partners.code"), index=True)
    public_key_pem: Mapped[str] = mapped_column(Text)
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    valid_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class OwnKey(Base):
    """Our own signing keys: the private half encrypted at rest; one is active at a time."""

    __tablename__ = "own_keys"

    key_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    private_key_encrypted: Mapped[str] = mapped_column(Text)
    public_key_pem: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # pending, active, retired
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    activated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuditEvent(Base):
    """Every admin act on the directory and keys (append-only)."""

    __tablename__ = "audit_events"
    __table_args__ = (UniqueConstraint("seq"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    seq: Mapped[int] = mapped_column(BigInteger, Identity())
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(64))
    partner_code: Mapped[str | None] = mapped_column(String(32), index=True)
    key_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    request_id: Mapped[str | None] = mapped_column(String(128))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
