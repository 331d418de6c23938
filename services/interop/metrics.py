"""What interop shows Prometheus (kit.metrics), read from its tables when scraped: its outbox under
the same names as the other outboxes (`outbox="interop"`), its messages by state, partners by status,
and refused partner messages (a partner with a wrong key or clock shows here first).

A message that failed for good (a partner's final 4xx) is a dead letter at once; one still retried
counts as one once it has failed `DEAD_LETTER_ATTEMPTS` times. With two replicas both report the
same figures: alert on max(), never sum().
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from kit import clock
from kit.metrics import Metrics, Samples, from_session
from services.interop.evidence.models import EvidenceEntry
from services.interop.outbox.models import OutboundMessage
from services.interop.partners.models import Partner

OUTBOX = "interop"
WAITING = OutboundMessage.state.in_(("pending", "uncertain"))
STATES = ("pending", "uncertain", "delivered", "failed")
# Interop's outbox retries for ever (its rows have no dead state of their own, unlike kit.outbox's):
# one that has failed this often (hours at a capped backoff) needs a person.
DEAD_LETTER_ATTEMPTS = 10


async def depth(session: AsyncSession) -> Samples:
    return {(OUTBOX,): float(await session.scalar(select(func.count()).where(WAITING)) or 0)}


async def oldest_age(session: AsyncSession) -> Samples:
    oldest = await session.scalar(select(func.min(OutboundMessage.created_at)).where(WAITING))
    return {(OUTBOX,): max(0.0, (clock.now() - oldest).total_seconds()) if oldest else 0.0}


async def dead_letters(session: AsyncSession) -> Samples:
    stuck = await session.scalar(select(func.count()).where(or_(
        OutboundMessage.state == "failed", WAITING & (OutboundMessage.attempts >= DEAD_LETTER_ATTEMPTS))))
    return {(OUTBOX,): float(stuck or 0)}


async def messages_by_state(session: AsyncSession) -> Samples:
    rows = (await session.execute(select(OutboundMessage.state, func.count()).group_by(OutboundMessage.state))).all()
    counts = {state: 0.0 for state in STATES} | {state: float(n) for state, n in rows}
    return {(state,): n for state, n in counts.items()}


async def partners_by_status(session: AsyncSession) -> Samples:
    rows = (await session.execute(select(Partner.status, func.count()).group_by(Partner.status))).all()
    counts = {"active": 0.0, "suspended": 0.0} | {status: float(n) for status, n in rows}
    return {(status,): n for status, n in counts.items()}


async def refused_last_hour(session: AsyncSession) -> Samples:
    since = clock.now() - timedelta(hours=1)
    count = await session.scalar(select(func.count()).where(
        EvidenceEntry.at >= since, EvidenceEntry.direction == "in", EvidenceEntry.kind == "request",
        EvidenceEntry.outcome.like("refused:%")))
    return {(): float(count or 0)}


def register(app: FastAPI) -> None:
    metrics: Metrics = app.state.metrics
    sessions = app.state.sessionmaker
    for name, doc, labels, query in (
        ("xuefei_outbox_depth", "Outbox messages not delivered yet", ("outbox",), depth),
        ("xuefei_outbox_oldest_age_seconds", "Age of the oldest undelivered outbox message", ("outbox",), oldest_age),
        ("xuefei_outbox_dead_letters", "Outbox messages that keep failing and need a person", ("outbox",),
         dead_letters),
        ("xuefei_interop_messages", "Messages to partners by state", ("state",), messages_by_state),
        ("xuefei_interop_partners", "Partner platforms by status", ("status",), partners_by_status),
        ("xuefei_interop_refused_last_hour", "Partner messages refused in the last hour (signature, window, "
         "replay, addressing, size)", (), refused_last_hour),
    ):
        metrics.gauge(name, doc, labels, from_session(sessions, query))
