from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from services.entitlement.database import Base

# Contexts bind each ciphertext and blind index to its column (kit.crypto associated data).
CERT_CONTEXT = "entitlement.donors.cert_number"
PHONE_CONTEXT = "entitlement.donors.phone"


class Donor(Base):
    """A person with donation records, known by certificate type and number (encrypted)."""

    __tablename__ = "donors"
    __table_args__ = (UniqueConstraint("cert_type", "cert_number_index"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    cert_type: Mapped[str] = mapped_column(String(32))
    cert_number_encrypted: Mapped[str] = mapped_column(Text)
    cert_number_index: Mapped[str] = mapped_column(String(64))  # keyed HMAC blind index
    cert_number_masked: Mapped[str] = mapped_column(String(32))
    # kit.identity.person_index: how a signed-in donor's caller token finds this row. Null only on
    # rows imported before it existed, until the start-up backfill fills them.
    person_index: Mapped[str | None] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(64))
    province: Mapped[str] = mapped_column(String(2))  # where first registered
    phone_encrypted: Mapped[str | None] = mapped_column(Text)
    phone_masked: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Donation(Base):
    """One donation (献血记录); `(station_code, donation_no)` is the import idempotency key."""

    __tablename__ = "donations"
    __table_args__ = (
        UniqueConstraint("station_code", "donation_no"),
        CheckConstraint(
            "(kind = 'whole_blood' AND volume_ml IN (200, 300, 400) AND units IS NULL) OR "
            "(kind = 'platelet_apheresis' AND units BETWEEN 1 AND 2 AND volume_ml IS NULL)",
            name="measure",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    donor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("donors.id"), index=True)
    station_code: Mapped[str] = mapped_column(String(32))
    donation_no: Mapped[str] = mapped_column(String(64))
    province: Mapped[str] = mapped_column(String(2))
    military: Mapped[bool] = mapped_column(Boolean)
    donated_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(24))
    volume_ml: Mapped[int | None] = mapped_column(Integer)
    units: Mapped[int | None] = mapped_column(Integer)
    qualified: Mapped[bool] = mapped_column(Boolean)
    # Digest of the record as imported: the same key with another digest is a conflict.
    record_digest: Mapped[str] = mapped_column(String(64))
    imported_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
