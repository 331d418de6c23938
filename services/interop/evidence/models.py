from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Identity, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from services.interop.database import Base

BODY_CONTEXT = "interop.evidence.body"


class EvidenceEntry(Base):
    """One message in or out (request or reply) as it crossed the wire: append-only (a trigger
    refuses UPDATE and DELETE), so either side can prove what was asked and answered."""

    __tablename__ = "evidence"
    __table_args__ = (Index("ix_interop_evidence_partner_at", "partner_code", "at"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    direction: Mapped[str] = mapped_column(String(8))  # in, out
    kind: Mapped[str] = mapped_column(String(8))  # request, reply
    partner_code: Mapped[str | None] = mapped_column(String(32))  # None: the sender was not recognised
    message_id: Mapped[str | None] = mapped_column(String(64), index=True)
    in_reply_to: Mapped[str | None] = mapped_column(String(64))  # a reply: the request's message id
    method: Mapped[str | None] = mapped_column(String(8))
    target_uri: Mapped[str | None] = mapped_column(Text)
    status: Mapped[int | None] = mapped_column(Integer)  # a reply's HTTP status
    content_digest: Mapped[str | None] = mapped_column(Text)
    request_digest: Mapped[str | None] = mapped_column(Text)  # a reply: the digest of what it answers
    signature_input: Mapped[str | None] = mapped_column(Text)
    signature: Mapped[str | None] = mapped_column(Text)
    key_id: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(32))  # accepted, refused, replayed, answered, sent, failed ...
    detail: Mapped[str | None] = mapped_column(Text)
    body_encrypted: Mapped[str | None] = mapped_column(Text)  # the body, for a dispute (may hold personal data)
