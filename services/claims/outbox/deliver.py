"""Delivers outbox rows after commit: claims a batch with SKIP LOCKED and a lease, calls the
peer with the row's idempotency key, records the outcome, retries with capped backoff."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kit import clock, http, tracing
from kit.crypto import FieldCipher
from kit.identity import ServiceSigner
from services.claims.intake.models import ACCOUNT, Claim
from services.claims.outbox.models import OutboxMessage, SentNotification

log = structlog.get_logger(__name__)
LEASE = timedelta(seconds=60)


class Retry(Exception):
    """The peer could not take it now; try again later."""


@dataclass
class Peers:
    entitlement: httpx.AsyncClient
    payments: httpx.AsyncClient
    signer: ServiceSigner
    cipher: FieldCipher


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(300.0, 2.0 ** min(attempts, 10)) * random.uniform(0.5, 1.0))


async def _claim_batch(sessionmaker: async_sessionmaker[AsyncSession], limit: int) -> list[OutboxMessage]:
    now = clock.now()
    async with sessionmaker() as session, session.begin():
        stmt = (select(OutboxMessage).where(OutboxMessage.delivered_at.is_(None), OutboxMessage.next_attempt_at <= now)
                .order_by(OutboxMessage.created_at).limit(limit).with_for_update(skip_locked=True))
        rows = list((await session.execute(stmt)).scalars())
        for row in rows:
            row.next_attempt_at = now + LEASE  # leased: another deliverer skips it until then
        return rows


def _payee(payload: dict[str, Any], cipher: FieldCipher) -> dict[str, Any]:
    payee = dict(payload["payee"])
    context = payee.pop("context", ACCOUNT)  # a claim's card, or a hospital's account
    payee["account_number"] = cipher.decrypt(payee.pop("account_number_encrypted"), context=context)
    return payee


def _check(response: httpx.Response, ok: tuple[int, ...] = (200, 201)) -> httpx.Response:
    if response.status_code in ok:
        return response
    if response.status_code in (408, 429) or response.status_code >= 500:
        raise Retry(f"HTTP {response.status_code}")
    raise RuntimeError(f"refused: HTTP {response.status_code} {response.text[:300]}")


async def _call(row: OutboxMessage, peers: Peers) -> dict[str, Any]:
    """The peer call, with no transaction open; returns what to record locally."""
    p, headers = row.payload, peers.signer.headers()
    if row.kind in ("hold_commit", "hold_release", "hold_reverse"):
        action = row.kind.removeprefix("hold_")
        body = {"reason": p["reason"], **({"ml": p["ml"]} if p.get("ml") is not None else {})}
        _check(await http.send(peers.entitlement, "POST", f"/v1/holds/{p['hold_key']}/{action}", json=body,
                               headers=headers))
        return {}
    if row.kind == "payment_request":
        body = {k: v for k, v in p.items() if k != "payee"} | {"payee": _payee(p, peers.cipher)}
        response = _check(await http.send(peers.payments, "POST", "/v1/disbursements", json=body, headers=headers,
                                          idempotency_key=row.idempotency_key))
        return {"disbursement_id": str(response.json()["id"])}
    if row.kind == "payee_update":
        body = {"payee": _payee(p, peers.cipher), "reason": p["reason"]}
        _check(await http.send(peers.payments, "POST", f"/v1/disbursements/{p['disbursement_id']}/payee",
                               json=body, headers=headers, idempotency_key=row.idempotency_key))
        return {}
    if row.kind == "notification":
        return {}  # recorded locally by the sandbox sender (below)
    raise RuntimeError(f"unknown outbox kind {row.kind}")


async def _record(session: AsyncSession, row: OutboxMessage, effect: dict[str, Any]) -> None:
    if row.kind == "notification":
        # The SANDBOX sender records what would be sent. A real adapter (WeChat subscription
        # message, SMS gateway) takes the same payload in _call.
        p = row.payload
        session.add(SentNotification(claim_id=row.claim_id, recipient=p["recipient"], template=p["template"],
                                     text=p["text"]))
    if "disbursement_id" in effect:
        claim = await session.get(Claim, row.claim_id, with_for_update=True)
        if claim is not None and claim.disbursement_id is None:
            claim.disbursement_id = effect["disbursement_id"]


async def deliver_once(sessionmaker: async_sessionmaker[AsyncSession], peers: Peers, limit: int = 20) -> int:
    """One pass; returns how many rows were delivered."""
    delivered = 0
    for leased in await _claim_batch(sessionmaker, limit):
        # In the trace of the request that wrote the row: its logs and the peer's spans join it.
        with tracing.continue_trace(leased.traceparent, f"outbox claims {leased.kind}",
                                    **{"messaging.destination.name": leased.kind}):
            delivered += await _deliver_one(sessionmaker, peers, leased)
    return delivered


async def _deliver_one(sessionmaker: async_sessionmaker[AsyncSession], peers: Peers, leased: OutboxMessage) -> int:
    """1 when delivered and recorded."""
    try:
        effect = await _call(leased, peers)
        error = None
    except (Retry, httpx.TransportError, RuntimeError, KeyError, ValueError) as exc:
        effect, error = {}, f"{type(exc).__name__}: {exc}"[:1000]
    async with sessionmaker() as session, session.begin():
        row = await session.get(OutboxMessage, leased.id, with_for_update=True)
        if row is None or row.delivered_at is not None:
            return 0
        if error is not None:
            row.attempts += 1
            row.last_error = error
            row.next_attempt_at = clock.now() + backoff(row.attempts)
            log.warning("outbox delivery failed", kind=row.kind, attempts=row.attempts, error=error)
            return 0
        await _record(session, row, effect)
        row.delivered_at, row.last_error = clock.now(), None
        return 1


async def run_forever(sessionmaker: async_sessionmaker[AsyncSession], peers: Peers, poll_s: float) -> None:
    while True:
        try:
            if await deliver_once(sessionmaker, peers) == 0:
                await asyncio.sleep(poll_s)
        except asyncio.CancelledError:
            raise
        except Exception:  # the database restarting must not end the loop
            log.exception("outbox pass failed; retrying")
            await asyncio.sleep(poll_s * 5)
