"""All SQL of the worklist: the queue page and what the review sheet adds to a claim."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from services.claims.audit.models import ClaimEvent
from services.claims.intake.models import Claim
from services.claims.paging import bigint
from services.claims.reductions.models import ReductionNotice

OPEN_FOR_REVIEW = ("submitted", "under_review", "awaiting_second_review")
FAR_FUTURE = date(9999, 12, 31)  # a claim without a due date (calendar alarm) sorts last


@dataclass(frozen=True)
class QueueFilters:
    statuses: tuple[str, ...]
    channels: tuple[str, ...] = ()
    province: str | None = None
    min_fen: int | None = None
    max_fen: int | None = None
    overdue_on: date | None = None
    reference: str | None = None


def _sort_key(sort: str) -> tuple[ColumnElement[Any], bool]:
    """(expression, descending). Every order ends on `seq`, so the keyset is total."""
    if sort == "submitted_on":
        return func.coalesce(Claim.submitted_on, FAR_FUTURE), False
    if sort == "-requested_fen":
        return Claim.requested_fen, True
    return func.coalesce(Claim.due_on, FAR_FUTURE), False


def parse_position(sort: str) -> Callable[[list[Any]], tuple[Any, int]]:
    """A cursor's position for this sort: (sort value, seq); raises on anything else."""
    def parse(position: list[Any]) -> tuple[Any, int]:
        value, seq = position
        return (bigint(value) if sort == "-requested_fen" else date.fromisoformat(value)), bigint(seq)

    return parse


async def queue_page(session: AsyncSession, filters: QueueFilters, sort: str, after: tuple[Any, int] | None,
                     limit: int) -> tuple[list[Claim], list[Any] | None]:
    """One page and the position after its last row (None on the last page)."""
    key, descending = _sort_key(sort)
    stmt = select(Claim).where(Claim.status.in_(filters.statuses))
    if filters.channels:
        stmt = stmt.where(Claim.channel.in_(filters.channels))
    if filters.province:
        stmt = stmt.where(Claim.province == filters.province)
    if filters.min_fen is not None:
        stmt = stmt.where(Claim.requested_fen >= filters.min_fen)
    if filters.max_fen is not None:
        stmt = stmt.where(Claim.requested_fen <= filters.max_fen)
    if filters.overdue_on is not None:
        stmt = stmt.where(Claim.due_on < filters.overdue_on, Claim.status.in_(OPEN_FOR_REVIEW))
    if filters.reference:
        stmt = stmt.where(Claim.reference.ilike(f"%{_escape_like(filters.reference.upper())}%", escape="\\"))
    if after is not None:
        position = tuple_(key, Claim.seq)
        stmt = stmt.where(position < after if descending else position > after)
    order = (key.desc(), Claim.seq.desc()) if descending else (key.asc(), Claim.seq.asc())
    rows = list((await session.execute(stmt.order_by(*order).limit(limit + 1))).scalars())
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    if sort == "-requested_fen":
        mark: Any = last.requested_fen
    elif sort == "submitted_on":
        mark = (last.submitted_on or FAR_FUTURE).isoformat()
    else:
        mark = (last.due_on or FAR_FUTURE).isoformat()
    return rows[:limit], [mark, last.seq]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# The documents route audits every staff download (documents/endpoints.py): that is "opened".
OPENED = "document_viewed"


async def opened_by(session: AsyncSession, claim_id: uuid.UUID, actor: str) -> list[uuid.UUID]:
    stmt = (select(ClaimEvent.detail["document_id"].astext).distinct()
            .where(ClaimEvent.claim_id == claim_id, ClaimEvent.actor == actor, ClaimEvent.action == OPENED))
    return [uuid.UUID(v) for v in (await session.execute(stmt)).scalars() if v]


async def other_uses_of_invoice(session: AsyncSession, claim: Claim) -> list[str]:
    """References of other claims and of settled direct reductions on the same invoice."""
    claims = select(Claim.reference).where(
        Claim.invoice_code == claim.invoice_code, Claim.invoice_number == claim.invoice_number,
        Claim.id != claim.id, Claim.status.notin_(("draft", "withdrawn")))
    notices = select(ReductionNotice.notice_no).where(
        ReductionNotice.invoice_code == claim.invoice_code, ReductionNotice.invoice_number == claim.invoice_number,
        ReductionNotice.status == "settled")
    found = list((await session.execute(claims)).scalars()) + list((await session.execute(notices)).scalars())
    return sorted(found)
