"""All SQL of the outbox."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.payments.outbox.models import OutboxEvent


def add(session: AsyncSession, event: OutboxEvent) -> None:
    session.add(event)


async def lease_due(session: AsyncSession, now: datetime, lease: timedelta, limit: int,
                    token: uuid.UUID) -> list[OutboxEvent]:
    """Take up to `limit` undelivered events; other deliverers skip them until the lease ends."""
    due = (select(OutboxEvent.id)
           .where(OutboxEvent.delivered_at.is_(None), OutboxEvent.next_attempt_at <= now)
           .order_by(OutboxEvent.next_attempt_at).limit(limit)
           .with_for_update(skip_locked=True).cte("due"))
    stmt = (update(OutboxEvent).where(OutboxEvent.id == due.c.id)
            .values(next_attempt_at=now + lease, lease_token=token).returning(OutboxEvent))
    return list((await session.execute(stmt.execution_options(populate_existing=True))).scalars())


async def locked(session: AsyncSession, event_id: uuid.UUID) -> OutboxEvent | None:
    stmt = select(OutboxEvent).where(OutboxEvent.id == event_id).with_for_update()
    return (await session.execute(stmt.execution_options(populate_existing=True))).scalar_one_or_none()


async def for_disbursement(session: AsyncSession, disbursement_id: uuid.UUID) -> list[OutboxEvent]:
    stmt = select(OutboxEvent).where(OutboxEvent.disbursement_id == disbursement_id).order_by(OutboxEvent.created_at)
    return list((await session.execute(stmt)).scalars())
