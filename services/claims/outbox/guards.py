"""No orphaned holds: before a hold is placed at entitlement, its owner (a draft claim, a pending
notice) is stored with a guard row in the outbox, "release this hold unless confirmed". The step
that records the placed hold confirms the guard in its own transaction. A guard that comes due
unconfirmed (the process died between the two, or the owner was withdrawn) releases the hold
and marks the owner so that a late recording cannot still claim it."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from kit import clock
from services.claims.outbox.models import OutboxMessage

KIND = "hold_guard"


def key_of(hold_key: str) -> str:
    return f"guard:{hold_key}"


async def guard(session: AsyncSession, owner_id: uuid.UUID, owner: str, hold_key: str, grace_s: float) -> None:
    """Idempotent: a retried submit of the same hold key keeps the first guard."""
    await session.execute(insert(OutboxMessage).values(
        id=uuid.uuid4(), claim_id=owner_id, lane="guard", kind=KIND, idempotency_key=key_of(hold_key),
        payload={"hold_key": hold_key, "owner": owner}, status="pending", attempts=0,
        next_attempt_at=clock.now() + timedelta(seconds=grace_s),
    ).on_conflict_do_nothing(index_elements=["idempotency_key"]))


async def confirm(session: AsyncSession, hold_key: str) -> None:
    """The owner recorded its hold: the guard has nothing left to do."""
    await session.execute(update(OutboxMessage).where(
        OutboxMessage.idempotency_key == key_of(hold_key), OutboxMessage.status == "pending"
    ).values(status="delivered", delivered_at=clock.now(), last_error="confirmed by its owner"))


async def fire_now(session: AsyncSession, owner_id: uuid.UUID) -> None:
    """The owner is gone for good (a withdrawn draft): its unconfirmed guards fire at once."""
    await session.execute(update(OutboxMessage).where(
        OutboxMessage.claim_id == owner_id, OutboxMessage.kind == KIND, OutboxMessage.status == "pending"
    ).values(next_attempt_at=clock.now()))
