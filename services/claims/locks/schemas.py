from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class LockOut(BaseModel):
    holder: str = Field(description="username of the reviewer working on the claim")
    acquired_at: datetime
    expires_at: datetime = Field(description="the lock lapses then unless its holder renews it")
    mine: bool = Field(description="true when the caller holds it")
