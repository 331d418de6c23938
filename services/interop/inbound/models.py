from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, LargeBinary, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from services.interop.database import Base


class InboundMessage(Base):
    """The first answer to each partner message id: a retried id gets it again, unchanged."""

    __tablename__ = "inbound_messages"

    partner_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(Text)
    content_digest: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))  # processing, answered
    status: Mapped[int | None] = mapped_column(Integer)
    reply_content_type: Mapped[str | None] = mapped_column(String(64))
    reply_body: Mapped[bytes | None] = mapped_column(LargeBinary)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class InboundDocument(Base):
    """A document a partner sent ahead of the claim that names it (by its SHA-256)."""

    __tablename__ = "inbound_documents"

    partner_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    media_type: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
