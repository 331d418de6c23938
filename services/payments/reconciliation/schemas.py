from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Kind = Literal["matched", "missing_at_bank", "missing_here", "amount_mismatch", "status_mismatch"]


class ItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: Kind
    channel: str
    merchant_transfer_no: str
    disbursement_id: uuid.UUID | None
    source_ref: str | None
    attempt: int | None
    platform_amount_fen: int | None
    bank_amount_fen: int | None
    platform_status: str | None
    bank_status: str | None
    detail: str


class ReconciliationOut(BaseModel):
    run_id: uuid.UUID
    date: date
    trigger: Literal["scheduled", "manual"]
    channels: list[str]
    ran_at: datetime
    ran_by: str
    counts: dict[Kind, int] = Field(description="items per kind, `matched` included")
    mismatches: list[ItemOut] = Field(description="every item that is not `matched`; none is resolved automatically")
