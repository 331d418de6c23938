"""All SQL of review locks."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import case, delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.claims.locks.models import ReviewLock


async def take(session: AsyncSession, claim_id: uuid.UUID, holder: str, now: datetime,
               expires_at: datetime) -> ReviewLock | None:
    """Take or renew the lock; None when someone else holds a live one."""
    table = ReviewLock.__table__
    stmt = insert(ReviewLock).values(claim_id=claim_id, holder=holder, acquired_at=now, expires_at=expires_at)
    renewing = (table.c.holder == stmt.excluded.holder) & (table.c.expires_at > now)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.claim_id],
        set_={"holder": stmt.excluded.holder, "expires_at": stmt.excluded.expires_at,
              "acquired_at": case((renewing, table.c.acquired_at), else_=stmt.excluded.acquired_at)},
        where=(table.c.holder == stmt.excluded.holder) | (table.c.expires_at <= now),
    ).returning(ReviewLock)
    return (await session.execute(stmt.execution_options(populate_existing=True))).scalar_one_or_none()


async def live(session: AsyncSession, claim_id: uuid.UUID, now: datetime) -> ReviewLock | None:
    stmt = select(ReviewLock).where(ReviewLock.claim_id == claim_id, ReviewLock.expires_at > now)
    return (await session.execute(stmt)).scalar_one_or_none()


async def live_for(session: AsyncSession, claim_ids: list[uuid.UUID], now: datetime) -> dict[uuid.UUID, ReviewLock]:
    if not claim_ids:
        return {}
    stmt = select(ReviewLock).where(ReviewLock.claim_id.in_(claim_ids), ReviewLock.expires_at > now)
    return {lock.claim_id: lock for lock in (await session.execute(stmt)).scalars()}


async def drop(session: AsyncSession, claim_id: uuid.UUID, holder: str) -> None:
    await session.execute(delete(ReviewLock).where(ReviewLock.claim_id == claim_id, ReviewLock.holder == holder))
