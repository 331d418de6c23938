"""All SQL of the outbox."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.payments.outbox.models import OutboxEvent


def add(session: AsyncSession, event: OutboxEvent) -> None:
    session.add(event)


async def locked(session: AsyncSession, event_id: uuid.UUID) -> OutboxEvent | None:
    stmt = select(OutboxEvent).where(OutboxEvent.id == event_id).with_for_update()
    return (await session.execute(stmt.execution_options(populate_existing=True))).scalar_one_or_none()


async def for_disbursement(session: AsyncSession, disbursement_id: uuid.UUID) -> list[OutboxEvent]:
    stmt = select(OutboxEvent).where(OutboxEvent.disbursement_id == disbursement_id).order_by(OutboxEvent.created_at)
    return list((await session.execute(stmt)).scalars())
