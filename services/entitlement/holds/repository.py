"""All SQL of holds."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.entitlement import rules
from services.entitlement.holds.models import Hold

# Built once: every quote runs it.
_DRAWS = select(Hold.pool, Hold.ml, Hold.state).where(
    Hold.donor_id == bindparam("donor_id"), Hold.province == bindparam("province"),
    (Hold.state == "committed")
    | ((Hold.state == "held") & (Hold.expires_at.is_(None) | (Hold.expires_at > bindparam("now")))),
)


async def draws(session: AsyncSession, donor_id: uuid.UUID, province: str, now: datetime) -> list[rules.PoolDraw]:
    """Earlier use of this donor's pools in this province: committed, and live holds."""
    rows = await session.execute(_DRAWS, {"donor_id": donor_id, "province": province, "now": now})
    return [rules.PoolDraw(pool=pool, ml=ml, state="consumed" if state == "committed" else "held")
            for pool, ml, state in rows]


async def expire_due(session: AsyncSession, donor_id: uuid.UUID, now: datetime) -> None:
    await session.execute(
        update(Hold).where(Hold.donor_id == donor_id, Hold.state == "held", Hold.expires_at.is_not(None),
                           Hold.expires_at <= now)
        .values(state="expired", settled_at=now, settle_reason="hold expired before it was settled")
    )


async def by_key(session: AsyncSession, key: str, *, for_update: bool = False) -> Hold | None:
    stmt = select(Hold).where(Hold.idempotency_key == key)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


def add(session: AsyncSession, hold: Hold) -> None:
    session.add(hold)
