from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.entitlement.holds.models import Hold
from services.entitlement.quotes.schemas import QuoteIn, QuoteOut

HoldState = Literal["held", "committed", "released", "expired", "reversed"]


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
                           "(an approval lowered by the reviewer); the rest returns to the pools, "
                           "the last-named donor's first")


class HoldPartOut(BaseModel):
    part: int = Field(description="0 for `donor`, then the additional donors in order")
    pool: str
    ml: int
    reducible_fen: int


class HoldOut(BaseModel):
    id: uuid.UUID
    idempotency_key: str
    state: HoldState
    purpose: str
    reference: str
    pool: str = Field(description="the first donor's pool")
    ml: int = Field(description="held (or consumed) mL, every donor together")
    reducible_fen: int
    expires_at: datetime | None
    settled_at: datetime | None
    quote: QuoteOut
    parts: list[HoldPartOut]

    @classmethod
    def of(cls, parts: list[Hold], state: HoldState, quote: dict[str, Any]) -> HoldOut:
        first = parts[0]
        return cls(
            id=first.id, idempotency_key=first.idempotency_key, state=state, purpose=first.purpose,
            reference=first.reference, pool=first.pool, ml=sum(p.ml for p in parts),
            reducible_fen=sum(p.reducible_fen for p in parts), expires_at=first.expires_at,
            settled_at=first.settled_at, quote=QuoteOut.model_validate(quote),
            parts=[HoldPartOut(part=p.part, pool=p.pool, ml=p.ml, reducible_fen=p.reducible_fen) for p in parts])
