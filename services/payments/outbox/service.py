"""Write events with the state change; deliver them after commit, retrying until accepted."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kit import clock, http, tracing
from kit.identity import ServiceSigner
from services.payments import backoff
from services.payments.disbursements.models import Disbursement
from services.payments.outbox import repository
from services.payments.outbox.models import OutboxEvent

log = structlog.get_logger(__name__)
# Who is told about a source's payments: claims owns both reimbursement claims and the
# hospitals' monthly direct-reduction statements (结算清单).
DESTINATIONS = {"claim:": "claims", "statement:": "claims"}


@dataclass
class Receivers:
    clients: dict[str, httpx.AsyncClient]
    signer: ServiceSigner | None


@dataclass(frozen=True)
class DeliveryPolicy:
    lease_s: float = 60.0
    base_s: float = 2.0
    cap_s: float = 300.0
    batch: int = 20


def destination_for(source_ref: str) -> str | None:
    return next((dest for prefix, dest in DESTINATIONS.items() if source_ref.startswith(prefix)), None)


def enqueue(session: AsyncSession, d: Disbursement, event: str, reason: str | None, at: datetime) -> None:
    """Call inside the transaction that changes the state: both are kept, or neither."""
    destination = destination_for(d.source_ref)
    if destination is None:
        return
    repository.add(session, OutboxEvent(
        id=uuid.uuid4(), destination=destination, disbursement_id=d.id, source_ref=d.source_ref, event=event,
        amount_fen=d.amount_fen, reason=reason, occurred_at=at, attempts=0, next_attempt_at=at,
        traceparent=tracing.current_traceparent(),
    ))


def payload(event: OutboxEvent) -> dict[str, object]:
    return {
        "event_id": str(event.id), "disbursement_id": str(event.disbursement_id), "source_ref": event.source_ref,
        "event": event.event, "amount_fen": event.amount_fen, "reason": event.reason,
        "occurred_at": event.occurred_at.isoformat(),
    }


async def _deliver(event: OutboxEvent, receivers: Receivers) -> str | None:
    """None when the receiver has it; otherwise why not. No transaction is open here."""
    client = receivers.clients.get(event.destination)
    if client is None:
        return f"no client for {event.destination}"
    headers = receivers.signer.headers() if receivers.signer else {}
    try:
        response = await http.send(client, "POST", "/v1/payment-events", json=payload(event), headers=headers,
                                   idempotency_key=str(event.id))
    except Exception as exc:  # unreachable, timed out, cut off: try again later
        return f"{type(exc).__name__}: {exc}"[:500]
    if 200 <= response.status_code < 300:
        return None
    return f"HTTP {response.status_code}: {response.text[:300]}"


async def _traced_delivery(event: OutboxEvent, receivers: Receivers) -> str | None:
    with tracing.continue_trace(event.traceparent, f"outbox payments {event.event}",
                                **{"messaging.destination.name": event.destination}):
        return await _deliver(event, receivers)


async def deliver_once(sessionmaker: async_sessionmaker[AsyncSession], receivers: Receivers,
                       policy: DeliveryPolicy) -> int:
    """One pass over the due events; returns how many were delivered."""
    token = uuid.uuid4()
    async with sessionmaker() as session, session.begin():
        leased = await repository.lease_due(session, clock.now(), timedelta(seconds=policy.lease_s),
                                            policy.batch, token)
    if not leased:
        return 0
    errors = await asyncio.gather(*(_traced_delivery(event, receivers) for event in leased))
    delivered = 0
    for event, error in zip(leased, errors, strict=True):
        with tracing.continue_trace(event.traceparent, "outbox payments record"):
            delivered += await _record(sessionmaker, event, error, token, policy)
    return delivered


async def _record(sessionmaker: async_sessionmaker[AsyncSession], event: OutboxEvent, error: str | None,
                  token: uuid.UUID, policy: DeliveryPolicy) -> int:
    """1 when recorded as delivered."""
    async with sessionmaker() as session, session.begin():
        row = await repository.locked(session, event.id)
        if row is None or row.delivered_at is not None or row.lease_token != token:
            return 0  # our lease ran out and another deliverer owns it now
        now = clock.now()
        row.lease_token = None
        if error is None:
            row.delivered_at, row.last_error = now, None
            return 1
        row.attempts += 1
        row.last_error = error
        row.next_attempt_at = now + backoff.delay(row.attempts, policy.base_s, policy.cap_s)
        log.warning("payment event not delivered", event_id=str(row.id), destination=row.destination,
                    attempts=row.attempts, error=error)
        return 0
