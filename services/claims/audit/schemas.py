from __future__ import annotations

import uuid
from typing import Any

from services.claims.intake.schemas import EventOut


class AuditEventOut(EventOut):
    """A claim's event as the audit search lists it: which claim, and what the history leaves out."""

    id: int
    claim_id: uuid.UUID
    reference: str
    province: str
    detail: dict[str, Any] | None
