from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from services.claims.database import Base

ACCOUNT_CONTEXT = "claims.hospitals.account_number"


class Hospital(Base):
    __tablename__ = "hospitals"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    province: Mapped[str] = mapped_column(String(2))
    district_office: Mapped[str] = mapped_column(String(64))  # 区献血办 that settles with it
    military: Mapped[bool] = mapped_column(Boolean)  # settled half-yearly by the military office
    account_name: Mapped[str] = mapped_column(String(128))
    account_encrypted: Mapped[str] = mapped_column(Text)
    account_masked: Mapped[str] = mapped_column(String(32))
    bank_name: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
