from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel


class AuditEventOut(BaseModel):
    id: int
    at: datetime
    claim_id: uuid.UUID
    reference: str
    province: str
    actor: str
    actor_kind: str
    role: str | None
    channel: str
    request_id: str | None
    action: str
    from_status: str | None
    to_status: str | None
    reason: str | None
    detail: dict[str, Any] | None
