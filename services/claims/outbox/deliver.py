"""Delivers outbox rows after commit (kit.outbox): lease a batch with SKIP LOCKED, call each row's
peer with its idempotency key and no transaction open, record each row in its own transaction.
The rows of a batch go out concurrently. One row's failure, whatever it is, is counted on that row
alone; it backs off, and becomes a dead letter after `max_attempts` or at once when the peer
refuses it for good (a 4xx)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kit import http, outbox, tracing
from kit.crypto import FieldCipher
from kit.identity import ServiceSigner
from kit.outbox import DeliveryFailed, OutboxPolicy
from services.claims.intake.models import ACCOUNT
from services.claims.outbox import effects
from services.claims.outbox.models import OutboxMessage

log = structlog.get_logger(__name__)
# Rows are ordered within (aggregate, lane): a claim's money calls, its messages, its guards, and
# what the interop service is to tell a partner (lane `partner`).
AGGREGATE = ("claim_id", "lane")
# Cross-province: a claim to forward to a partner, a state to tell the partner that forwarded one.
INTEROP_PATHS = {"interop_forward": "/v1/outbound/claims", "interop_status": "/v1/claim-events",
                 "interop_reduction": "/v1/reduction-events", "interop_cancel": "/v1/claim-cancellations"}


@dataclass
class Peers:
    entitlement: httpx.AsyncClient
    payments: httpx.AsyncClient
    signer: ServiceSigner
    cipher: FieldCipher
    interop: httpx.AsyncClient | None = None


def _payee(payload: dict[str, Any], cipher: FieldCipher) -> dict[str, Any]:
    payee = dict(payload["payee"])
    context = payee.pop("context", ACCOUNT)  # a claim's card, or a hospital's account
    payee["account_number"] = cipher.decrypt(payee.pop("account_number_encrypted"), context=context)
    return payee


async def _call(row: OutboxMessage, peers: Peers) -> dict[str, Any]:
    """The peer call, with no transaction open; returns what to record locally, or raises
    DeliveryFailed. A refusal the claim itself must answer comes back as {"refused": why}."""
    p, headers = row.payload, peers.signer.headers()
    if row.kind in ("hold_commit", "hold_release", "hold_reverse"):
        action = row.kind.removeprefix("hold_")
        body = {"reason": p["reason"], **({"ml": p["ml"]} if p.get("ml") is not None else {})}
        response = await http.send(peers.entitlement, "POST", f"/v1/holds/{p['hold_key']}/{action}", json=body,
                                   headers=headers)
        if action == "release" and response.status_code == 404:
            return {}  # nothing was ever placed under this key: nothing to give back
        if action == "commit" and p.get("owner") == "claim" and response.status_code in (404, 409):
            return {"refused": _detail(response)}  # the hold is gone or changed: a person decides
        outbox.check(response)
        return {}
    if row.kind == "payment_request":
        body = {k: v for k, v in p.items() if k != "payee"} | {"payee": _payee(p, peers.cipher)}
        response = outbox.check(await http.send(peers.payments, "POST", "/v1/disbursements", json=body,
                                                headers=headers, idempotency_key=row.idempotency_key))
        return {"disbursement_id": str(response.json()["id"])}
    if row.kind == "payee_update":
        body = {"payee": _payee(p, peers.cipher), "reason": p["reason"]}
        outbox.check(await http.send(peers.payments, "POST", f"/v1/disbursements/{p['disbursement_id']}/payee",
                                     json=body, headers=headers, idempotency_key=row.idempotency_key))
        return {}
    if row.kind in INTEROP_PATHS:
        if peers.interop is None:
            raise DeliveryFailed("no interop service configured")  # backs off; a dead letter in the end
        # 202: the interop service took it into its own outbox (signed and sent to the partner there).
        outbox.check(await http.send(peers.interop, "POST", INTEROP_PATHS[row.kind], json=p, headers=headers,
                                     idempotency_key=row.idempotency_key), ok=range(200, 300))
        return {}
    if row.kind in ("notification", "hold_guard"):
        return {}  # local: recorded below, in the row's own transaction
    raise DeliveryFailed(f"unknown outbox kind {row.kind}", permanent=True)


def _detail(response: httpx.Response) -> str:
    try:
        return str(response.json().get("detail") or response.text)[:500]
    except ValueError:
        return response.text[:500]


async def _lease(sessionmaker: async_sessionmaker[AsyncSession], policy: OutboxPolicy,
                 limit: int, keys: list[str] | None = None) -> list[OutboxMessage]:
    async with sessionmaker() as session, session.begin():
        return await outbox.lease_due(session, OutboxMessage, AGGREGATE, limit=limit,
                                      lease=timedelta(seconds=policy.lease_s),
                                      where=() if keys is None else (OutboxMessage.idempotency_key.in_(keys),))


def _follow_up_keys(row: OutboxMessage) -> list[str]:
    """The rows a delivered row writes in its own transaction (a committed hold: its payment)."""
    return [str(follow["key"]) for follow in row.payload.get("then", [])] if row.kind == "hold_commit" else []


async def _deliver(sessionmaker: async_sessionmaker[AsyncSession], peers: Peers, policy: OutboxPolicy,
                   leased: OutboxMessage) -> bool:
    """One row, start to end; True when delivered. Never raises for the row's own failure."""
    failure: DeliveryFailed | None = None
    effect: dict[str, Any] = {}
    try:
        effect = await _call(leased, peers)
    except DeliveryFailed as exc:
        failure = exc
    except httpx.TransportError as exc:
        failure = DeliveryFailed(f"{type(exc).__name__}: {exc}")
    except Exception as exc:  # a decrypt error, a bug: this row's problem, counted on this row
        log.exception("outbox row failed unexpectedly", kind=leased.kind, row_id=str(leased.id))
        failure = DeliveryFailed(f"{type(exc).__name__}: {exc}")
    try:
        async with sessionmaker() as session, session.begin():
            row = await session.get(OutboxMessage, leased.id, with_for_update=True, populate_existing=True)
            if row is None or row.status != "pending":
                return False
            if failure is not None:
                dead = outbox.failed(row, str(failure), permanent=failure.permanent, policy=policy)
                (log.error if dead else log.warning)(
                    "outbox dead letter" if dead else "outbox delivery failed", kind=row.kind, row_id=str(row.id),
                    aggregate=str(row.claim_id), attempts=row.attempts, error=row.last_error)
                return False
            note = await effects.record(session, row, effect)
            outbox.delivered(row, note=note)
            return True
    except Exception:
        # Recording failed (the database went away, or a bug in recording): the lease runs out and the
        # row is tried again; the peer calls are idempotent, so a repeat does no harm.
        log.exception("outbox row not recorded; retried after its lease", kind=leased.kind, row_id=str(leased.id))
        await _count_unrecorded(sessionmaker, leased, policy)
        return False


async def _count_unrecorded(sessionmaker: async_sessionmaker[AsyncSession], leased: OutboxMessage,
                            policy: OutboxPolicy) -> None:
    """A row whose recording keeps failing must end as a dead letter, not loop for ever."""
    try:
        async with sessionmaker() as session, session.begin():
            row = await session.get(OutboxMessage, leased.id, with_for_update=True, populate_existing=True)
            if row is not None and row.status == "pending":
                outbox.failed(row, "recording the outcome failed (see the log)", permanent=False, policy=policy)
    except Exception:
        log.warning("outbox failure not counted (database unavailable?)", row_id=str(leased.id))


async def _traced(sessionmaker: async_sessionmaker[AsyncSession], peers: Peers, policy: OutboxPolicy,
                  leased: OutboxMessage) -> int:
    """Deliver a row, then at once what its delivery wrote (a committed hold's payment request),
    leased like any row, rather than after every row queued before it; returns how many went."""
    delivered, queue = 0, [leased]
    while queue:
        row = queue.pop(0)
        # In the trace of the request that wrote the row: its logs and the peer's spans join it.
        with tracing.continue_trace(row.traceparent, f"outbox claims {row.kind}",
                                    **{"messaging.destination.name": row.kind}):
            done = await _deliver(sessionmaker, peers, policy, row)
        delivered += done
        if done and (keys := _follow_up_keys(row)):
            try:
                queue += await _lease(sessionmaker, policy, len(keys), keys)
            except Exception:  # not leased: a later pass takes them, in their turn
                log.warning("outbox follow-up not leased", kind=row.kind, row_id=str(row.id), exc_info=True)
    return delivered


async def deliver_once(sessionmaker: async_sessionmaker[AsyncSession], peers: Peers,
                       policy: OutboxPolicy | None = None, limit: int = 20) -> int:
    """One pass; returns how many rows were delivered.

    The leased rows go out concurrently (each takes a connection only to lease or record, so
    `limit` should stay within the pool). Order still holds within an aggregate: a row is not due
    while an earlier row of its (claim, lane) is pending, so a batch holds at most one row of each.
    One by one, a pass cost the sum of its peers' round trips; and a payment request, written when
    its hold is committed, waited for every row queued before it (bench/README.md, goal 8)."""
    policy = policy or OutboxPolicy()
    leased = await _lease(sessionmaker, policy, limit)
    return sum(await asyncio.gather(*(_traced(sessionmaker, peers, policy, row) for row in leased)))


async def run_forever(sessionmaker: async_sessionmaker[AsyncSession], peers: Peers, poll_s: float,
                      policy: OutboxPolicy | None = None, limit: int = 20) -> None:
    """Deliver without waiting for whole passes: up to `limit` rows in flight, and slots freed by
    rows that are done are filled by the next lease (taken once half the slots are free). A quick
    row (a notification) no longer waits for the slowest of its batch (a hold commit and the payment
    request after it). When the queue runs dry the next lease is `poll_s` / 10 later, when nothing
    was due `poll_s` later (longer after failures)."""
    policy = policy or OutboxPolicy()
    loop = asyncio.get_running_loop()
    running: set[asyncio.Task[int]] = set()
    failures, next_lease = 0, loop.time()
    try:
        while True:
            free = limit - len(running)
            if free and (2 * free >= limit or not running) and loop.time() >= next_lease:
                try:
                    leased = await _lease(sessionmaker, policy, free)
                    failures = 0
                except asyncio.CancelledError:
                    raise
                except Exception:  # the database restarting must not end the loop
                    failures += 1
                    leased = []
                    log.warning("outbox lease failed; retrying", failures=failures, exc_info=True)
                running |= {asyncio.create_task(_traced(sessionmaker, peers, policy, row)) for row in leased}
                if len(leased) < free:
                    pause = poll_s / 10 if leased else poll_s * min(2 ** failures, 10)
                    next_lease = loop.time() + pause
            if not running:
                await asyncio.sleep(max(0.0, next_lease - loop.time()))
                continue
            done, running = await asyncio.wait(running, timeout=max(0.0, next_lease - loop.time()) or poll_s,
                                               return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                if (error := task.exception()) is not None:  # _traced counts a row's failure on the row
                    log.error("outbox delivery task failed", exc_info=error)
    finally:
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
