from __future__ import annotations

import uuid
from typing import Any, Protocol

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from kit.identity import Caller
from kit.request_id import current_request_id
from services.claims.audit.models import ClaimEvent
from services.claims.intake.models import Claim


class Aggregate(Protocol):
    """A claim, or anything else the trail is kept for (a notice, a statement): it has an id."""

    @property
    def id(self) -> uuid.UUID: ...


def record(
    session: AsyncSession, claim: Aggregate, caller: Caller, action: str, *, from_status: str | None = None,
    to_status: str | None = None, reason: str | None = None, detail: dict[str, Any] | None = None,
) -> None:
    session.add(ClaimEvent(
        claim_id=claim.id, actor=caller.subject, actor_kind=caller.kind,
        role=",".join(caller.roles) or None, channel=caller.channel, request_id=current_request_id(),
        action=action, from_status=from_status, to_status=to_status, reason=reason, detail=detail,
    ))


def history_of(claim: Claim) -> Select[tuple[ClaimEvent]]:
    """A claim's events; paged oldest first by id."""
    return select(ClaimEvent).where(ClaimEvent.claim_id == claim.id)
