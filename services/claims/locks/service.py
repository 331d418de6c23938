"""Taking, renewing and giving back a claim's review lock, and the check every decision makes.

The lock is advisory for reading (anyone allowed may open the claim) and binding for acting: a
reviewer cannot start, decide or confirm a claim while another reviewer's lock is live.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from kit import clock
from kit.identity import Caller
from kit.problems import Conflict
from services.claims.intake import access
from services.claims.intake.models import Claim
from services.claims.locks import repository
from services.claims.locks.models import ReviewLock
from services.claims.locks.schemas import LockOut

# States in which a reviewer has something to do.
LOCKABLE = ("submitted", "under_review", "awaiting_second_review")


def out(lock: ReviewLock | None, caller: Caller) -> LockOut | None:
    if lock is None:
        return None
    return LockOut(holder=lock.holder, acquired_at=lock.acquired_at, expires_at=lock.expires_at,
                   mine=lock.holder == caller.subject)


def held_by_other(lock: ReviewLock) -> Conflict:
    local = lock.acquired_at.astimezone(clock.CST)
    return Conflict(f"{lock.holder} 正在处理此申请（{local:%H:%M} 起）(another reviewer holds this claim)",
                    slug="claim-locked", title="Claim is being reviewed by someone else",
                    holder=lock.holder, expires_at=lock.expires_at.isoformat())


async def acquire(session: AsyncSession, claim: Claim, caller: Caller, ttl_s: int) -> ReviewLock:
    """Take the lock, or renew it when the caller holds it already (the console's heartbeat)."""
    access.require_reviewer_of(claim, caller)
    if claim.status not in LOCKABLE:
        raise Conflict(f"申请状态为 {claim.status}，无需审核 (nothing to review in this state)")
    now = clock.now()
    lock = await repository.take(session, claim.id, caller.subject, now, now + timedelta(seconds=ttl_s))
    if lock is None:
        current = await repository.live(session, claim.id, now)
        assert current is not None  # the upsert refused only because a live lock exists
        raise held_by_other(current)
    return lock


async def release(session: AsyncSession, claim: Claim, caller: Caller) -> None:
    current = await repository.live(session, claim.id, clock.now())
    if current is not None and current.holder != caller.subject:
        raise held_by_other(current)
    await repository.drop(session, claim.id, caller.subject)


async def require_free_or_mine(session: AsyncSession, claim: Claim, caller: Caller) -> None:
    current = await repository.live(session, claim.id, clock.now())
    if current is not None and current.holder != caller.subject:
        raise held_by_other(current)


async def done(session: AsyncSession, claim: Claim, caller: Caller) -> None:
    """A decision ends the caller's turn on the claim: the next one (a second reviewer) may take it."""
    await repository.drop(session, claim.id, caller.subject)
