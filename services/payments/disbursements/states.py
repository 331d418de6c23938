"""The one way a disbursement's state changes, so every change leaves a history row.

    pending -> sent -> succeeded | failed | returned
    pending -> failed            (the channel refused the transfer outright: nothing was paid)
    returned -> pending          (the payee was corrected: a new attempt, a new merchant number)
    failed -> pending            (likewise after a refusal for good: the applicant corrected the account)
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from kit import clock
from services.payments.disbursements.models import FINAL_STATES, Disbursement, HistoryEntry

TRANSITIONS: dict[str, frozenset[str]] = {
    "pending": frozenset({"sent", "failed"}),
    "sent": frozenset({"succeeded", "failed", "returned"}),
    "returned": frozenset({"pending"}),
    "failed": frozenset({"pending"}),
}


class IllegalTransition(RuntimeError):
    pass


def merchant_transfer_no(disbursement_id: uuid.UUID, attempt: int, on: datetime) -> str:
    """Unique per (disbursement, attempt): 24 letters and digits, which Alipay's out_biz_no (64)
    and WeChat Pay's out_bill_no (32, alphanumeric) accept as well as a bank."""
    return f"XF{clock.china_date(on):%Y%m%d}{disbursement_id.hex[:12].upper()}{attempt:02d}"


def record_created(session: AsyncSession, d: Disbursement, *, reason: str, actor: str, at: datetime) -> None:
    session.add(HistoryEntry(disbursement_id=d.id, at=at, from_state=None, to_state=d.state,
                             attempt=d.attempt, reason=reason, actor=actor))


def move(session: AsyncSession, d: Disbursement, to: str, *, reason: str, actor: str,
         at: datetime | None = None) -> None:
    if to not in TRANSITIONS.get(d.state, frozenset()):
        raise IllegalTransition(f"disbursement {d.id}: {d.state} -> {to} is not allowed")
    at = at or clock.now()
    session.add(HistoryEntry(disbursement_id=d.id, at=at, from_state=d.state, to_state=to,
                             attempt=d.attempt, reason=reason, actor=actor))
    d.state, d.updated_at = to, at
    d.finished_at = at if to in FINAL_STATES else None
