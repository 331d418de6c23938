from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from services.entitlement.quotes.schemas import QuoteIn, QuoteOut


class HoldIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    purpose: Literal["claim", "reduction_notice"]
    reference: str = Field(min_length=1, max_length=128, description="e.g. claim:<id> or notice:<no>")
    ttl_hours: int | None = Field(24 * 30, ge=1, le=24 * 366,
                                  description="the hold lapses if not settled by then; null: it lasts until its "
                                              "owner commits or releases it (a claim, for as long as it is open)")
    quote: QuoteIn


class SettleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=500)
    ml: int | None = Field(None, ge=0, description="commit only: consume less than was held "
                           "(an approval lowered by the reviewer); the rest returns to the pool")


class HoldOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    idempotency_key: str
    state: Literal["held", "committed", "released", "expired", "reversed"]
    purpose: str
    reference: str
    pool: str
    ml: int
    reducible_fen: int
    expires_at: datetime | None
    settled_at: datetime | None
    quote: QuoteOut
