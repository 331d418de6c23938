"""Write events with the state change; deliver them after commit, retrying until accepted."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kit import http, outbox, tracing
from kit.identity import ServiceSigner
from kit.outbox import DeliveryFailed, OutboxPolicy
from services.payments.disbursements.models import Disbursement
from services.payments.outbox import repository
from services.payments.outbox.models import OutboxEvent

log = structlog.get_logger(__name__)
# Who is told about a source's payments: claims owns both reimbursement claims and the
# hospitals' monthly direct-reduction statements (结算清单); interop the inter-province ones.
DESTINATIONS = {"claim:": "claims", "statement:": "claims", "interop:": "interop"}
# A source's events go out in order (paid after returned after paid ...), sources independently.
AGGREGATE = ("source_ref",)


@dataclass
class Receivers:
    clients: dict[str, httpx.AsyncClient]
    signer: ServiceSigner | None


@dataclass(frozen=True)
class DeliveryPolicy(OutboxPolicy):
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
        amount_fen=d.amount_fen, reason=reason, occurred_at=at, attempts=0, next_attempt_at=at, status="pending",
        traceparent=tracing.current_traceparent(),
    ))


def payload(event: OutboxEvent) -> dict[str, object]:
    return {
        "event_id": str(event.id), "disbursement_id": str(event.disbursement_id), "source_ref": event.source_ref,
        "event": event.event, "amount_fen": event.amount_fen, "reason": event.reason,
        "occurred_at": event.occurred_at.isoformat(),
    }


async def _deliver(event: OutboxEvent, receivers: Receivers) -> DeliveryFailed | None:
    """None when the receiver has it; otherwise why not. No transaction is open here."""
    client = receivers.clients.get(event.destination)
    if client is None:
        return DeliveryFailed(f"no client for {event.destination}", permanent=True)
    headers = receivers.signer.headers() if receivers.signer else {}
    try:
        outbox.check(await http.send(client, "POST", "/v1/payment-events", json=payload(event), headers=headers,
                                     idempotency_key=str(event.id)), ok=range(200, 300))
    except DeliveryFailed as exc:
        return exc
    except Exception as exc:  # unreachable, timed out, cut off, or a bug: counted on this event
        return DeliveryFailed(f"{type(exc).__name__}: {exc}"[:500])
    return None


async def _traced_delivery(event: OutboxEvent, receivers: Receivers) -> DeliveryFailed | None:
    with tracing.continue_trace(event.traceparent, f"outbox payments {event.event}",
                                **{"messaging.destination.name": event.destination}):
        return await _deliver(event, receivers)


async def deliver_once(sessionmaker: async_sessionmaker[AsyncSession], receivers: Receivers,
                       policy: DeliveryPolicy) -> int:
    """One pass over the due events; returns how many were delivered. Events of different sources go
    out concurrently; one source's events one at a time, in order."""
    token = uuid.uuid4()
    async with sessionmaker() as session, session.begin():
        leased = await outbox.lease_due(session, OutboxEvent, AGGREGATE, limit=policy.batch,
                                        lease=timedelta(seconds=policy.lease_s), token=token)
    if not leased:
        return 0
    failures = await asyncio.gather(*(_traced_delivery(event, receivers) for event in leased))
    delivered = 0
    for event, failure in zip(leased, failures, strict=True):
        try:
            with tracing.continue_trace(event.traceparent, "outbox payments record"):
                delivered += await _record(sessionmaker, event, failure, token, policy)
        except Exception:  # the database went away: the lease runs out and the event is tried again
            log.exception("payment event outcome not recorded", event_id=str(event.id))
    return delivered


async def _record(sessionmaker: async_sessionmaker[AsyncSession], event: OutboxEvent, failure: DeliveryFailed | None,
                  token: uuid.UUID, policy: DeliveryPolicy) -> int:
    async with sessionmaker() as session, session.begin():
        row = await repository.locked(session, event.id)
        if row is None or row.status != "pending" or row.lease_token != token:
            return 0  # our lease ran out and another deliverer owns it now
        row.lease_token = None
        if failure is None:
            outbox.delivered(row)
            return 1
        dead = outbox.failed(row, str(failure), permanent=failure.permanent, policy=policy)
        (log.error if dead else log.warning)(
            "payment event dead letter" if dead else "payment event not delivered", event_id=str(row.id),
            destination=row.destination, source_ref=row.source_ref, attempts=row.attempts, error=row.last_error)
        return 0
