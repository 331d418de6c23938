from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from services.entitlement.database import Base

QUOTE_CONTEXT = "entitlement.holds.quote"


class Hold(Base):
    """Quota reserved for a claim or a reduction notice, then committed (consumed) or released.

    Remaining quota = total - committed - live holds (held and not expired; a hold without an
    expiry lives until its owner commits or releases it). A blood use that names several donors
    (DOMAIN 6.1) holds one row per donor, ``part`` 0, 1, ... in drawing order, under one
    idempotency key; the rows change state together.
    """

    __tablename__ = "holds"
    __table_args__ = (
        CheckConstraint("state IN ('held', 'committed', 'released', 'expired', 'reversed')", name="state"),
        CheckConstraint("pool IN ('self', 'relatives')", name="pool"),
        CheckConstraint("ml >= 0", name="ml_not_negative"),
        UniqueConstraint("idempotency_key", "part", name="uq_holds_idempotency_key_part"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    idempotency_key: Mapped[str] = mapped_column(String(128))
    part: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    request_digest: Mapped[str] = mapped_column(String(64))
    donor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("donors.id"), index=True)
    province: Mapped[str] = mapped_column(String(2))  # rule set province: pools are per province
    pool: Mapped[str] = mapped_column(String(16))
    ml: Mapped[int] = mapped_column(Integer)
    reducible_fen: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), default="held")
    purpose: Mapped[str] = mapped_column(String(32))  # claim, reduction_notice
    reference: Mapped[str] = mapped_column(String(128))
    used_on: Mapped[date] = mapped_column(Date)
    # The quote (the whole bill's, on every part) names the products used and the donations counted:
    # health data (PIPL), so it is kept encrypted. `quote` is the legacy plaintext column, emptied by
    # the start-up backfill.
    quote_encrypted: Mapped[str | None] = mapped_column(Text)
    quote: Mapped[dict | None] = mapped_column(JSONB)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # None: until its owner settles it
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    settled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    settle_reason: Mapped[str | None] = mapped_column(Text)
