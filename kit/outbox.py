"""What every transactional outbox shares (claims' messages, payments' events): a row that fails
cannot jam the others, failures back off exponentially with jitter, and a row that will not go
through becomes a dead letter that ops can see, retry or discard.

Rows are delivered in order per aggregate (a claim, a disbursement), not globally: a row is due
only when no earlier row of its aggregate is still pending or dead, so a claim's commit goes
before its payment while another claim's rows are not held up. A service's outbox table has the
columns named below (`status`, `seq`, `attempts`, `next_attempt_at`, `last_error`, `dead_at`,
`delivered_at`, `created_at`, `resolved_by`, `resolved_reason`); the functions here take the
mapped class and the aggregate columns, so each service keeps its own table in its own schema.

The delivery loops keep one shape on purpose (lease a batch, call each row's peer with no
transaction open, record each row in its own transaction), so metrics and traces can be added
at those three points.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import httpx
from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, Select, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from kit import clock
from kit.logging import scrub
from kit.problems import Conflict, NotFound

STATUSES = ("pending", "delivered", "dead", "discarded")
# Still to happen, or stuck: both hold back the later rows of their aggregate.
BLOCKING = ("pending", "dead")


@dataclass(frozen=True)
class OutboxPolicy:
    max_attempts: int = 20
    base_s: float = 2.0
    cap_s: float = 300.0
    lease_s: float = 60.0

    def delay(self, attempts: int) -> timedelta:
        return backoff(attempts, self.base_s, self.cap_s)


def backoff(tries: int, base_s: float, cap_s: float) -> timedelta:
    """After the n-th failed try: between half and all of min(cap, base * 2^(n-1)). Half the window
    is a floor (a peer that is down is not asked again at once); the random half spreads many rows
    that failed together over the window."""
    ceiling = min(cap_s, base_s * 2 ** max(0, min(tries, 32) - 1))
    return timedelta(seconds=random.uniform(ceiling / 2, ceiling))


class DeliveryFailed(Exception):
    """The peer did not take the row. `permanent`: asking again cannot help (a 4xx refusal)."""

    def __init__(self, message: str, *, permanent: bool = False, status: int | None = None) -> None:
        super().__init__(message)
        self.permanent, self.status = permanent, status


def is_permanent(status: int) -> bool:
    """A 4xx is the peer saying no to this request; timeouts and rate limits are not."""
    return 400 <= status < 500 and status not in (408, 425, 429)


def check(response: httpx.Response, ok: Sequence[int] = (200, 201)) -> httpx.Response:
    if response.status_code in ok:
        return response
    raise DeliveryFailed(f"HTTP {response.status_code}: {response.text[:300]}",
                         permanent=is_permanent(response.status_code), status=response.status_code)


def failed(row: Any, error: str, *, permanent: bool, policy: OutboxPolicy, now: datetime | None = None) -> bool:
    """Count a failed delivery on a locked row; True when it became a dead letter."""
    now = now or clock.now()
    row.attempts += 1
    row.last_error = scrub(error)[:1000]  # a peer's answer may quote an ID or a card: kept masked, like a log line
    if permanent or row.attempts >= policy.max_attempts:
        row.status, row.dead_at = "dead", now
        return True
    row.next_attempt_at = now + policy.delay(row.attempts)
    return False


def delivered(row: Any, now: datetime | None = None, note: str | None = None) -> None:
    row.status, row.delivered_at, row.last_error = "delivered", now or clock.now(), note


async def lease_due(session: AsyncSession, model: Any, aggregate: Sequence[str], *, limit: int,
                    lease: timedelta, now: datetime | None = None, token: uuid.UUID | None = None,
                    where: Sequence[ColumnElement[bool]] = ()) -> list[Any]:
    """Take up to `limit` due rows whose aggregate has no earlier pending or dead row; other
    deliverers skip them (SKIP LOCKED now, `next_attempt_at` pushed past the lease after commit).
    `where` narrows the choice (e.g. the rows a delivered row has just written)."""
    now = now or clock.now()
    earlier = aliased(model)
    blocked = exists().where(
        *(getattr(earlier, column) == getattr(model, column) for column in aggregate),
        earlier.status.in_(BLOCKING), earlier.seq < model.seq)
    stmt = (select(model).where(model.status == "pending", model.next_attempt_at <= now, ~blocked, *where)
            .order_by(model.seq).limit(limit).with_for_update(skip_locked=True))
    rows = list((await session.execute(stmt.execution_options(populate_existing=True))).scalars())
    for row in rows:
        row.next_attempt_at = now + lease
        if token is not None:
            row.lease_token = token
    return rows


class OutboxStats(BaseModel):
    """Depth and age: what a metric or an alarm watches."""

    pending: int = Field(description="rows not yet delivered")
    oldest_pending_age_s: float | None = Field(description="age of the oldest pending row, seconds")
    dead: int = Field(description="dead letters waiting for ops")
    oldest_dead_age_s: float | None


async def stats(session: AsyncSession, model: Any) -> OutboxStats:
    now = clock.now()
    rows = dict(((status, (count, oldest)) for status, count, oldest in (await session.execute(
        select(model.status, func.count(), func.min(model.created_at))
        .where(model.status.in_(BLOCKING)).group_by(model.status))).all()))

    def age(status: str) -> float | None:
        oldest = rows.get(status, (0, None))[1]
        return round((now - oldest).total_seconds(), 3) if oldest is not None else None

    return OutboxStats(pending=int(rows.get("pending", (0, None))[0]), oldest_pending_age_s=age("pending"),
                       dead=int(rows.get("dead", (0, None))[0]), oldest_dead_age_s=age("dead"))


def dead_letters(model: Any) -> Select[Any]:
    """Dead letters; page them by `seq`."""
    return select(model).where(model.status == "dead")


class DeadLetterOut(BaseModel):
    """A dead letter as ops see it, whichever outbox it is in."""

    id: uuid.UUID
    aggregate: str = Field(description="what it belongs to: a claim, notice or statement id; a payment's source")
    kind: str = Field(description="what it was to do: hold_commit, payment_request ...; or a payment event")
    attempts: int
    last_error: str | None
    created_at: datetime
    dead_at: datetime | None
    status: str
    resolved_by: str | None
    resolved_reason: str | None


def dead_letter_out(row: Any, *, aggregate: str, kind: str) -> DeadLetterOut:
    return DeadLetterOut(id=row.id, aggregate=aggregate, kind=kind, attempts=row.attempts, last_error=row.last_error,
                         created_at=row.created_at, dead_at=row.dead_at, status=row.status,
                         resolved_by=row.resolved_by, resolved_reason=row.resolved_reason)


class ResolveIn(BaseModel):
    reason: str = Field(min_length=2, max_length=500, description="why (kept in the audit trail)")


Action = Literal["retry", "discard"]


async def resolve(session: AsyncSession, model: Any, row_id: uuid.UUID, action: Action, *, actor: str,
                  reason: str) -> Any:
    """Ops' decision on a dead letter: deliver it again from scratch, or give it up. Audit it."""
    row = await session.get(model, row_id, with_for_update=True)
    if row is None:
        raise NotFound(f"no outbox row {row_id}")
    if row.status != "dead":
        raise Conflict(f"outbox row is {row.status}; only a dead letter is retried or discarded")
    row.resolved_by, row.resolved_reason = actor, reason
    if action == "retry":
        row.status, row.attempts, row.dead_at, row.next_attempt_at = "pending", 0, None, clock.now()
    else:
        row.status = "discarded"
    return row
