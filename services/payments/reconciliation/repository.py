"""All SQL of reconciliation."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import date, datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.payments.disbursements.models import Disbursement, TransferAttempt
from services.payments.reconciliation.matching import PlatformTransfer
from services.payments.reconciliation.models import ReconciliationItem, ReconciliationRun

_COLUMNS = (TransferAttempt.merchant_transfer_no, TransferAttempt.amount_fen, TransferAttempt.status,
            TransferAttempt.disbursement_id, Disbursement.source_ref, TransferAttempt.attempt)


def _transfers():  # noqa: ANN202 - a select of _COLUMNS
    return select(*_COLUMNS).join(Disbursement, Disbursement.id == TransferAttempt.disbursement_id)


async def sent_on(session: AsyncSession, channel: str, start: datetime, end: datetime) -> list[PlatformTransfer]:
    """Transfers the channel accepted in [start, end), and those tried then whose fate is unknown.
    Refused ones moved no money and are on no statement."""
    a = TransferAttempt
    stmt = _transfers().where(a.channel == channel, a.status != "failed", or_(
        and_(a.accepted_at >= start, a.accepted_at < end),
        and_(a.accepted_at.is_(None), a.status == "new", a.first_tried_at >= start, a.first_tried_at < end),
    ))
    return [PlatformTransfer(*row) for row in await session.execute(stmt)]


async def by_numbers(session: AsyncSession, numbers: Collection[str]) -> dict[str, PlatformTransfer]:
    if not numbers:
        return {}
    stmt = _transfers().where(TransferAttempt.merchant_transfer_no.in_(list(numbers)))
    return {row[0]: PlatformTransfer(*row) for row in await session.execute(stmt)}


async def add(session: AsyncSession, run: ReconciliationRun, items: list[ReconciliationItem]) -> None:
    session.add(run)
    await session.flush()  # the items refer to the run (no ORM relationship orders the inserts)
    session.add_all(items)
    await session.flush()


async def latest(session: AsyncSession, day: date) -> ReconciliationRun | None:
    stmt = (select(ReconciliationRun).where(ReconciliationRun.run_date == day)
            .order_by(ReconciliationRun.ran_at.desc()).limit(1))
    return (await session.execute(stmt)).scalar_one_or_none()


async def items(session: AsyncSession, run_id: uuid.UUID, province: str | None = None) -> list[ReconciliationItem]:
    """A run's items; `province`: only those of that province's disbursements (a transfer the bank
    shows that matches none of ours belongs to no province: admin sees it)."""
    stmt = select(ReconciliationItem).where(ReconciliationItem.run_id == run_id).order_by(ReconciliationItem.id)
    if province is not None:
        stmt = stmt.join(Disbursement, Disbursement.id == ReconciliationItem.disbursement_id).where(
            Disbursement.province == province)
    return list((await session.execute(stmt)).scalars())


async def scheduled_exists(session: AsyncSession, day: date) -> bool:
    stmt = select(ReconciliationRun.id).where(ReconciliationRun.run_date == day,
                                              ReconciliationRun.trigger == "scheduled")
    return (await session.execute(stmt)).first() is not None
