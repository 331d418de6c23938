from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from services.claims.intake.schemas import ClaimOut
from services.claims.locks.schemas import LockOut

FlagCode = Literal["luhn", "duplicate_invoice", "unknown_region", "review_due_soon", "overdue",
                   "claim_deadline_close", "calendar_not_covered"]
SortKey = Literal["due_on", "submitted_on", "-requested_fen"]


class Flag(BaseModel):
    code: FlagCode
    message: str = Field(description="what the reviewer should check, in Chinese")


class Clock(BaseModel):
    """The 10-working-day review clock as the reviewer sees it today."""

    due_on: date | None
    working_days_left: int | None = Field(description="working days from today to the due date; negative: overdue "
                                                      "by that many; null while paused or not computable")
    overdue: bool
    paused: bool = Field(description="waiting for the applicant's materials: the clock does not run")


class QueueRow(BaseModel):
    id: uuid.UUID
    reference: str
    status: str
    channel: str
    province: str
    donor_name_masked: str
    relationship: str
    hospital_name: str
    requested_fen: int
    eligible_fen: int | None
    submitted_on: date | None
    clock: Clock
    flags: list[Flag]
    lock: LockOut | None
    first_approved_by: str | None
    first_approved_fen: int | None


class QuoteFigures(BaseModel):
    """The entitlement quote's figures, shown beside its explanation."""

    rule_set: str | None = None
    pool: str | None = None
    unlimited: bool | None = None
    used_ml: int | None = None
    covered_ml: int | None = None
    remaining_ml_before: int | None = None
    remaining_ml_after: int | None = None
    eligible_fee_fen: int | None = None
    reducible_fen: int | None = None
    claim_deadline_on: date | None = None


class ReviewSheet(BaseModel):
    claim: ClaimOut
    clock: Clock
    flags: list[Flag]
    quote: QuoteFigures
    lock: LockOut | None
    opened_documents: list[uuid.UUID] = Field(description="documents the caller has opened in the viewer")
    documents_readable: bool = Field(description="the caller may download this claim's documents: a reviewer of "
                                                 "its province or whoever registered it")
    first_approved_by: str | None
    first_approved_fen: int | None
    second_review_threshold_fen: int
    can_decide: bool = Field(description="the caller is a reviewer of the claim's province and it awaits a decision "
                                         "they may make (a second review needs another senior reviewer)")
