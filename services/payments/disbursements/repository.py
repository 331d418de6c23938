"""All SQL of disbursements (the API's side; the worker's claims live in dispatch/repository.py)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, distinct, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from kit.paging import Paging
from services.payments.disbursements.models import Disbursement, FundingLine, TransferAttempt


@dataclass(frozen=True)
class Filters:
    state: str | None = None
    source_ref: str | None = None
    created_from: datetime | None = None
    created_before: datetime | None = None
    province: str | None = None


def detailed(history: bool) -> Select[Disbursement]:
    options = [selectinload(Disbursement.funding)]
    if history:
        options.append(selectinload(Disbursement.history))
    return select(Disbursement).options(*options)


async def lock_source(session: AsyncSession, source_ref: str) -> None:
    """Serialise creations for one source until commit: a replay then finds the first one."""
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
                          {"key": f"payments.disbursements:{source_ref}"})


async def by_key(session: AsyncSession, key: str) -> Disbursement | None:
    stmt = detailed(True).where(Disbursement.idempotency_key == key)
    return (await session.execute(stmt)).scalar_one_or_none()


async def live_for_source(session: AsyncSession, source_ref: str) -> Disbursement | None:
    stmt = select(Disbursement).where(Disbursement.source_ref == source_ref, Disbursement.state != "failed")
    return (await session.execute(stmt)).scalar_one_or_none()


async def get(session: AsyncSession, disbursement_id: uuid.UUID, *, for_update: bool = False,
              history: bool = True) -> Disbursement | None:
    stmt = detailed(history).where(Disbursement.id == disbursement_id)
    if for_update:
        stmt = stmt.with_for_update(of=Disbursement)
    # populate_existing: a row locked after an earlier read must show its current values.
    return (await session.execute(stmt.execution_options(populate_existing=True))).scalar_one_or_none()


async def attempt_by_correction_key(session: AsyncSession, disbursement_id: uuid.UUID,
                                    key: str) -> TransferAttempt | None:
    stmt = select(TransferAttempt).where(TransferAttempt.disbursement_id == disbursement_id,
                                         TransferAttempt.correction_key == key)
    return (await session.execute(stmt)).scalar_one_or_none()


def _filtered(stmt: Select, f: Filters) -> Select:  # type: ignore[type-arg]
    conditions = []
    if f.state:
        conditions.append(Disbursement.state == f.state)
    if f.source_ref:
        conditions.append(Disbursement.source_ref == f.source_ref)
    if f.created_from:
        conditions.append(Disbursement.created_at >= f.created_from)
    if f.created_before:
        conditions.append(Disbursement.created_at < f.created_before)
    if f.province:
        conditions.append(Disbursement.province == f.province)
    return stmt.where(*conditions)


async def page(session: AsyncSession, f: Filters, paging: Paging) -> list[Disbursement]:
    """Newest first; the funding lines come in one more query for the whole page (selectin)."""
    return await paging.fetch(session, _filtered(detailed(False), f), [Disbursement.created_at, Disbursement.id],
                              descending=True)


async def funding_totals(session: AsyncSession, start: datetime, end: datetime,
                         province: str | None) -> tuple[list[tuple[str, int, int]], int, int]:
    """(per source: amount, disbursements), total paid, disbursements paid; succeeded in [start, end).

    The total comes from the disbursements themselves, not from the lines, so that the two
    adding up is a check and not a tautology.
    """
    paid = [Disbursement.state == "succeeded", Disbursement.finished_at >= start, Disbursement.finished_at < end]
    if province:
        paid.append(Disbursement.province == province)
    by_source = await session.execute(
        select(FundingLine.source, func.sum(FundingLine.amount_fen), func.count(distinct(Disbursement.id)))
        .join(Disbursement, Disbursement.id == FundingLine.disbursement_id)
        .where(*paid).group_by(FundingLine.source).order_by(FundingLine.source)
    )
    total, count = (await session.execute(
        select(func.coalesce(func.sum(Disbursement.amount_fen), 0), func.count()).where(*paid)
    )).one()
    return [(s, int(a), int(n)) for s, a, n in by_source], int(total), int(count)
