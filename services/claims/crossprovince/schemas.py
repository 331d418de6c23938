from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from services.claims.intake.schemas import ClaimIn


class DocumentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(min_length=1, max_length=32)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="the partner's name for the file (its SHA-256)")


class InboundClaimIn(BaseModel):
    """A partner's forwarded claim, as the interop service received it; its documents by SHA-256,
    each attached afterwards by its own request (PUT .../documents/{sha256})."""

    model_config = ConfigDict(extra="forbid")

    partner: str = Field(pattern=r"^[a-z][a-z0-9-]{1,31}$")
    sender_claim_ref: str = Field(min_length=4, max_length=64)
    claim: ClaimIn
    documents: list[DocumentIn] = Field(min_length=1, max_length=20)


class CaseState(BaseModel):
    """A claim as the partner sees it (no personal data)."""

    sender_claim_ref: str
    claim_ref: str
    status: str
    seq: int
    eligible_fen: int | None
    approved_fen: int | None
    paid_fen: int | None
    reason_code: str | None
    note: str | None
    due_on: date | None
    at: datetime


class CaseOpened(CaseState):
    awaiting_documents: list[str] = Field(description="SHA-256 of the case's documents not attached yet (a draft)")


class DocumentAttached(BaseModel):
    sha256: str
    attached: bool = Field(description="false: it was attached before")


class PartnerStatusIn(BaseModel):
    """The partner's decision on a claim we forwarded."""

    model_config = ConfigDict(extra="ignore")

    partner: str
    claim_ref: str | None = None
    status: str = Field(max_length=32)
    seq: int = Field(ge=0)
    eligible_fen: int | None = None
    approved_fen: int | None = None
    paid_fen: int | None = None
    reason_code: str | None = Field(None, max_length=64)
    note: str | None = Field(None, max_length=2000)


class CancelIn(BaseModel):
    partner: str
    reason: str = Field(min_length=2, max_length=500)
