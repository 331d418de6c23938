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


async def recorded_draws(session: AsyncSession, donor_id: uuid.UUID, province: str,
                         now: datetime) -> list[tuple[datetime, rules.RecordedDraw]]:
    """The draws that count today, with when each hold was placed (for a what-if replay)."""
    rows = await session.execute(
        select(Hold.created_at, Hold.idempotency_key, Hold.part, Hold.pool, Hold.ml, Hold.state).where(
            Hold.donor_id == donor_id, Hold.province == province,
            (Hold.state == "committed")
            | ((Hold.state == "held") & (Hold.expires_at.is_(None) | (Hold.expires_at > now))),
        ).order_by(Hold.created_at)
    )
    return [(at, rules.RecordedDraw(key, part, pool, ml, "consumed" if state == "committed" else "held"))
            for at, key, part, pool, ml, state in rows]


async def placed_at(session: AsyncSession, keys: list[str]) -> dict[str, datetime]:
    if not keys:
        return {}
    rows = await session.execute(select(Hold.idempotency_key, Hold.created_at).where(
        Hold.idempotency_key.in_(keys), Hold.part == 0))
    return {key: at for key, at in rows}


async def expire_due(session: AsyncSession, donor_id: uuid.UUID, now: datetime) -> None:
    await session.execute(
        update(Hold).where(Hold.donor_id == donor_id, Hold.state == "held", Hold.expires_at.is_not(None),
                           Hold.expires_at <= now)
        .values(state="expired", settled_at=now, settle_reason="hold expired before it was settled")
    )


async def by_key(session: AsyncSession, key: str) -> list[Hold]:
    """Every part of the hold, in drawing order (empty: no such hold)."""
    stmt = select(Hold).where(Hold.idempotency_key == key).order_by(Hold.part)
    return list((await session.execute(stmt)).scalars())


def add(session: AsyncSession, parts: list[Hold]) -> None:
    session.add_all(parts)
