"""All SQL of the worker's sending side."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.payments.disbursements.models import Disbursement, TransferAttempt


@dataclass(frozen=True)
class Leased:
    id: uuid.UUID
    state: str
    attempt: int
    merchant_transfer_no: str
    send_tries: int
    channel: str
    amount_fen: int
    payee_name: str
    payee_bank_name: str
    payee_account_encrypted: str
    source_ref: str


async def lease_due(session: AsyncSession, now: datetime, lease: timedelta, limit: int,
                    token: uuid.UUID) -> list[Leased]:
    """Take up to `limit` due disbursements (pending: to send; sent: to ask about) in one statement.

    SKIP LOCKED lets workers take disjoint batches; pushing `next_attempt_at` past the lease
    keeps the rows away from other workers after this transaction commits, while we call out.
    """
    d = Disbursement
    due = (select(d.id).where(d.state.in_(("pending", "sent")), d.next_attempt_at <= now)
           .order_by(d.next_attempt_at).limit(limit).with_for_update(skip_locked=True).cte("due"))
    stmt = (update(d).where(d.id == due.c.id)
            .values(next_attempt_at=now + lease, lease_token=token,
                    send_tries=case((d.state == "pending", d.send_tries + 1), else_=d.send_tries),
                    polls=case((d.state == "sent", d.polls + 1), else_=d.polls))
            .returning(d.id, d.state, d.attempt, d.merchant_transfer_no, d.send_tries, d.channel, d.amount_fen,
                       d.payee_name, d.payee_bank_name, d.payee_account_encrypted, d.source_ref)
            .execution_options(synchronize_session=False))
    rows = [Leased(**row._asdict()) for row in await session.execute(stmt)]
    sending = [r.merchant_transfer_no for r in rows if r.state == "pending"]
    if sending:
        await session.execute(
            update(TransferAttempt)
            .where(TransferAttempt.merchant_transfer_no.in_(sending), TransferAttempt.first_tried_at.is_(None))
            .values(first_tried_at=now).execution_options(synchronize_session=False))
    return rows


async def locked(session: AsyncSession, disbursement_id: uuid.UUID) -> Disbursement | None:
    stmt = select(Disbursement).where(Disbursement.id == disbursement_id).with_for_update()
    return (await session.execute(stmt.execution_options(populate_existing=True))).scalar_one_or_none()


async def attempt(session: AsyncSession, disbursement_id: uuid.UUID, number: int) -> TransferAttempt:
    stmt = select(TransferAttempt).where(TransferAttempt.disbursement_id == disbursement_id,
                                         TransferAttempt.attempt == number).with_for_update()
    return (await session.execute(stmt.execution_options(populate_existing=True))).scalar_one()
