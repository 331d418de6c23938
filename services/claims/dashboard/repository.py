"""All SQL of the dashboard: few grouped queries, the arithmetic in service.py."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.claims.audit.models import ClaimEvent
from services.claims.intake.models import Claim

DECISIONS = ("first_approval", "approved", "rejected")
RUNNING = ("submitted", "under_review", "awaiting_second_review")


@dataclass(frozen=True)
class Decision:
    submitted_on: date | None
    due_on: date | None
    paused_days: list[list[str]]
    decided_at: datetime


@dataclass(frozen=True)
class Payout:
    approved_at: datetime
    paid_at: datetime | None


def _scoped(stmt: Select[Any], province: str | None) -> Select[Any]:
    return stmt.where(Claim.province == province) if province else stmt


async def decisions(session: AsyncSession, province: str | None, since: datetime) -> list[Decision]:
    first = (select(ClaimEvent.claim_id, func.min(ClaimEvent.at).label("decided_at"))
             .where(ClaimEvent.action.in_(DECISIONS)).group_by(ClaimEvent.claim_id).subquery())
    stmt = _scoped(select(Claim.submitted_on, Claim.due_on, Claim.paused_days, first.c.decided_at)
                   .join(first, first.c.claim_id == Claim.id).where(first.c.decided_at >= since), province)
    return [Decision(*row) for row in await session.execute(stmt)]


async def payouts(session: AsyncSession, province: str | None, since: datetime) -> list[Payout]:
    approved = func.min(ClaimEvent.at).filter(ClaimEvent.action == "approved")
    paid = func.min(ClaimEvent.at).filter(ClaimEvent.action == "paid")
    per_claim = (select(ClaimEvent.claim_id, approved.label("approved_at"), paid.label("paid_at"))
                 .where(ClaimEvent.action.in_(("approved", "paid"))).group_by(ClaimEvent.claim_id).subquery())
    stmt = _scoped(select(per_claim.c.approved_at, per_claim.c.paid_at)
                   .join(Claim, Claim.id == per_claim.c.claim_id).where(per_claim.c.approved_at >= since), province)
    return [Payout(*row) for row in await session.execute(stmt)]


async def by_channel(session: AsyncSession, province: str | None, since: date) -> dict[str, int]:
    stmt = _scoped(select(Claim.channel, func.count()).where(Claim.submitted_on >= since)
                   .group_by(Claim.channel), province)
    return {channel: int(n) for channel, n in await session.execute(stmt)}


async def overdue(session: AsyncSession, province: str | None, today: date,
                  limit: int) -> tuple[int, list[tuple[uuid.UUID, str, str, date]]]:
    condition = and_(Claim.status.in_(RUNNING), Claim.due_on < today)
    count = (await session.execute(_scoped(select(func.count()).select_from(Claim).where(condition),
                                           province))).scalar_one()
    oldest = await session.execute(_scoped(select(Claim.id, Claim.reference, Claim.status, Claim.due_on)
                                           .where(condition), province).order_by(Claim.due_on, Claim.seq).limit(limit))
    return int(count), [tuple(row) for row in oldest]  # type: ignore[misc]
