"""What claims shows Prometheus (kit.metrics), read from its tables when scraped: the outbox, reviews
past their due date, approved claims past their payout deadline, calendar alarms.

Each figure is one small read-only query, so the outbox figures can follow its shape when it
changes. With two replicas both report the same figures: alert on max(), never sum().
"""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kit import clock
from kit.metrics import Metrics, Samples, from_session, watch_outbox
from services.claims.audit.models import ClaimEvent
from services.claims.calendar import service as calendar
from services.claims.calendar.models import CalendarAlarm
from services.claims.calendar.workdays import CalendarNotCovered
from services.claims.intake.models import Claim
from services.claims.outbox.models import OutboxMessage

IN_REVIEW = ("submitted", "under_review", "awaiting_second_review")
# Approved and owed: waiting for the bank, for a corrected account, or for a senior reviewer.
UNPAID = ("approved", "payee_correction", "payment_failed", "needs_attention")
PAYOUT_WORKING_DAYS = 10  # 审核通过后10个工作日内支付 (DOMAIN.md: pay within 10 working days of approval)


async def claims_overdue(session: AsyncSession) -> Samples:
    """In review after their due date (审核期限: 10 working days, paused while more is asked)."""
    count = await session.scalar(select(func.count()).where(Claim.status.in_(IN_REVIEW),
                                                            Claim.due_on < clock.today()))
    return {(): float(count or 0)}


async def payouts_overdue(session: AsyncSession) -> Samples:
    """Approved, not yet paid, and the 10th working day after the (latest) approval has passed."""
    approved_at = (select(ClaimEvent.claim_id, func.max(ClaimEvent.at).label("at"))
                   .where(ClaimEvent.to_status == "approved").group_by(ClaimEvent.claim_id).subquery())
    rows = (await session.execute(select(approved_at.c.at).join(Claim, Claim.id == approved_at.c.claim_id)
                                  .where(Claim.status.in_(UNPAID)))).scalars().all()
    if not rows:
        return {(): 0.0}
    working = await calendar.load(session)
    today = clock.today()
    overdue = 0
    for at in rows:
        try:
            overdue += working.add_working_days(at.astimezone(clock.CST).date(), PAYOUT_WORKING_DAYS) < today
        except CalendarNotCovered:
            continue  # counted by the calendar alarms, never guessed
    return {(): float(overdue)}


async def calendar_alarms_open(session: AsyncSession) -> Samples:
    count = await session.scalar(select(func.count()).where(CalendarAlarm.resolved_at.is_(None)))
    return {(): float(count or 0)}


def register(app: FastAPI) -> None:
    metrics: Metrics = app.state.metrics
    watch_outbox(metrics, app.state.sessionmaker, "claims", OutboxMessage)
    for name, doc, labels, query in (
        ("xuefei_claims_overdue", "Claims in review past their due date", (), claims_overdue),
        ("xuefei_claims_payout_overdue", "Approved claims not paid within 10 working days", (), payouts_overdue),
        ("xuefei_claims_calendar_alarms_open", "Claims without a due date: the calendar misses a year", (),
         calendar_alarms_open),
    ):
        metrics.gauge(name, doc, labels, from_session(app.state.sessionmaker, query))

