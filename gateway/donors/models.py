from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from gateway.staff.models import Base

CERT_CONTEXT = "gateway.donor_accounts.cert_number"


class DonorAccount(Base):
    """One WeChat user (openid) of the client, and the identity they proved by SMS."""

    __tablename__ = "donor_accounts"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    openid: Mapped[str] = mapped_column(String(128), unique=True)
    cert_type: Mapped[str | None] = mapped_column(String(32))
    cert_encrypted: Mapped[str | None] = mapped_column(Text)
    cert_index: Mapped[str | None] = mapped_column(String(64), index=True)
    cert_masked: Mapped[str | None] = mapped_column(String(32))
    name: Mapped[str | None] = mapped_column(String(64))
    bound_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class DonorSession(Base):
    __tablename__ = "donor_sessions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256: a leaked table opens nothing
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("donor_accounts.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class BindChallenge(Base):
    """An SMS code sent to the phone on the donor's records, to prove who the user is."""

    __tablename__ = "bind_challenges"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("donor_accounts.id"), index=True)
    cert_type: Mapped[str] = mapped_column(String(32))
    cert_encrypted: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(String(64))
    code_hash: Mapped[str | None] = mapped_column(String(64))  # None: no matching record, nothing sent
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class RateCounter(Base):
    """Fixed-window counters shared by every gateway instance (code and SMS requests)."""

    __tablename__ = "rate_counters"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
