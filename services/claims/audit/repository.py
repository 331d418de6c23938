"""All SQL of the audit search (the claim history itself lives in service.py)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.claims.audit.models import ClaimEvent
from services.claims.intake.models import Claim


@dataclass(frozen=True)
class AuditFilters:
    province: str | None = None
    actor: str | None = None
    claim_id: uuid.UUID | None = None
    reference: str | None = None
    action: str | None = None
    since: datetime | None = None
    before: datetime | None = None


async def search(session: AsyncSession, filters: AuditFilters, before_id: int | None,
                 limit: int) -> tuple[list[Row[tuple[ClaimEvent, str, str]]], int | None]:
    """Newest first; (rows of (event, reference, province), the id to continue below)."""
    stmt = select(ClaimEvent, Claim.reference, Claim.province).join(Claim, Claim.id == ClaimEvent.claim_id)
    if filters.province:
        stmt = stmt.where(Claim.province == filters.province)
    if filters.actor:
        stmt = stmt.where(ClaimEvent.actor == filters.actor)
    if filters.claim_id:
        stmt = stmt.where(ClaimEvent.claim_id == filters.claim_id)
    if filters.reference:
        stmt = stmt.where(Claim.reference == filters.reference.upper())
    if filters.action:
        stmt = stmt.where(ClaimEvent.action == filters.action)
    if filters.since:
        stmt = stmt.where(ClaimEvent.at >= filters.since)
    if filters.before:
        stmt = stmt.where(ClaimEvent.at < filters.before)
    if before_id is not None:
        stmt = stmt.where(ClaimEvent.id < before_id)
    rows = list(await session.execute(stmt.order_by(ClaimEvent.id.desc()).limit(limit + 1)))
    if len(rows) <= limit:
        return rows, None
    return rows[:limit], rows[limit - 1][0].id
