from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from gateway.staff.models import Base


class HospitalCredential(Base):
    """A client id and the hash of its secret (the secret is shown once, never stored)."""

    __tablename__ = "hospital_credentials"

    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    secret_hash: Mapped[str] = mapped_column(Text)
    hospital_code: Mapped[str] = mapped_column(String(32), index=True)
    province: Mapped[str] = mapped_column(String(2))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
