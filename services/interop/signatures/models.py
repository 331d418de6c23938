from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from services.interop.database import Base


class SeenNonce(Base):
    """A signature nonce already used by a key: the same one again is a replay. Kept for twice the
    `created` window, after which the stale `created` alone refuses the message."""

    __tablename__ = "nonces"

    key_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(128), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
