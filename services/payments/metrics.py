"""What payments shows Prometheus (kit.metrics), read from its tables when scraped: disbursements by
state, how far the workers are behind, the outbox of payment events, reconciliation mismatches.

Read by the payments service, not the workers: the figures stay visible when every worker is down.
With two replicas both report the same figures: alert on max(), never sum().
"""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from kit import clock
from kit.metrics import Metrics, Samples, from_session, watch_outbox
from services.payments.disbursements.models import STATES, Disbursement
from services.payments.outbox.models import OutboxEvent
from services.payments.reconciliation.models import ReconciliationItem, ReconciliationRun

OPEN_STATES = ("pending", "sent")


async def disbursements_by_state(session: AsyncSession) -> Samples:
    rows = (await session.execute(select(Disbursement.state, func.count()).group_by(Disbursement.state))).all()
    counts = {state: 0.0 for state in STATES}
    counts.update({state: float(n) for state, n in rows})
    return {(state,): n for state, n in counts.items()}


async def worker_lag(session: AsyncSession) -> Samples:
    """How long the most overdue disbursement has been due: 0 when the workers keep up."""
    now = clock.now()
    due = await session.scalar(select(func.min(Disbursement.next_attempt_at)).where(
        Disbursement.state.in_(OPEN_STATES), Disbursement.next_attempt_at <= now))
    return {("payments",): max(0.0, (now - due).total_seconds()) if due else 0.0}


async def oldest_open_disbursement_age(session: AsyncSession) -> Samples:
    oldest = await session.scalar(select(func.min(Disbursement.created_at)).where(Disbursement.state.in_(OPEN_STATES)))
    return {(): max(0.0, (clock.now() - oldest).total_seconds()) if oldest else 0.0}


async def reconciliation_mismatches_open(session: AsyncSession) -> Samples:
    """Mismatches in the latest reconciliation of each day (a later run of a day supersedes it)."""
    latest = (select(ReconciliationRun.id).ext(distinct_on(ReconciliationRun.run_date))
              .order_by(ReconciliationRun.run_date, ReconciliationRun.ran_at.desc()).subquery())
    rows = (await session.execute(
        select(ReconciliationItem.kind, func.count()).where(ReconciliationItem.run_id.in_(select(latest.c.id)),
                                                            ReconciliationItem.kind != "matched")
        .group_by(ReconciliationItem.kind))).all()
    counts = {kind: 0.0 for kind in ("missing_at_bank", "missing_here", "amount_mismatch", "status_mismatch")}
    counts.update({kind: float(n) for kind, n in rows})
    return {(kind,): n for kind, n in counts.items()}


def register(app: FastAPI) -> None:
    metrics: Metrics = app.state.metrics
    watch_outbox(metrics, app.state.sessionmaker, "payments", OutboxEvent)
    for name, doc, labels, query in (
        ("xuefei_disbursements", "Disbursements by state", ("state",), disbursements_by_state),
        ("xuefei_worker_lag_seconds", "How long the most overdue due work has waited for a worker", ("worker",),
         worker_lag),
        ("xuefei_disbursements_open_oldest_age_seconds", "Age of the oldest disbursement not yet final", (),
         oldest_open_disbursement_age),
        ("xuefei_reconciliation_mismatches_open", "Mismatches in the latest reconciliation of each day", ("kind",),
         reconciliation_mismatches_open),
    ):
        metrics.gauge(name, doc, labels, from_session(app.state.sessionmaker, query))
