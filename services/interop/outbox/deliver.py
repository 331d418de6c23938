"""Delivering the interop outbox: at least once, in order per case, asking before resending.

A pass leases due messages whose case has no earlier undelivered message (SKIP LOCKED), sends
each with a fresh signature under its fixed message id, and records the outcome:

- nothing reached the partner (refused connection, partner suspended): try again later;
- sent but no trustworthy answer (timeout, broken reply): `uncertain`; the next attempt first
  asks the partner `GET /messages/{id}` and only resends when the partner never answered it;
- an answer: its effect is applied here (through the local service that owns it) and the
  message is `delivered`; a final refusal (4xx) is `failed`, visible to ops, and later
  messages of the case go on; a temporary one (408, 429, 5xx) is retried with backoff.
"""

from __future__ import annotations

import asyncio
import base64
import json
import random
import uuid
from datetime import timedelta
from typing import Any

import structlog
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from kit import clock, tracing
from kit.crypto import FieldCipher
from services.interop.clients import partner as partner_client
from services.interop.outbox.models import BODY_CONTEXT, OutboundMessage
from services.interop.partners import repository as partners
from services.interop.signatures import keys

log = structlog.get_logger(__name__)
LEASE = timedelta(seconds=60)
TEMPORARY = frozenset({408, 425, 429})


class EffectRetry(Exception):
    """The answer arrived but the local service could not record it yet; try again later."""


def enqueue(session: AsyncSession, cipher: FieldCipher, *, partner_code: str, case_key: str, kind: str,
            method: str, path: str, payload: dict[str, Any] | bytes, receiver_province: str,
            context: dict[str, Any] | None = None, content_type: str = "application/json") -> OutboundMessage:
    body = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode()
    row = OutboundMessage(
        message_id=str(uuid.uuid4()), partner_code=partner_code, case_key=case_key, kind=kind, method=method,
        path=path, content_type=content_type,
        body_encrypted=cipher.encrypt(base64.b64encode(body).decode(), context=BODY_CONTEXT),
        context={"receiver_province": receiver_province, **(context or {})}, state="pending", attempts=0,
        next_attempt_at=clock.now(), traceparent=tracing.current_traceparent())
    session.add(row)
    return row


def body_of(row: OutboundMessage, cipher: FieldCipher) -> bytes:
    return base64.b64decode(cipher.decrypt(row.body_encrypted, context=BODY_CONTEXT))


def backoff(attempts: int, base_s: float, cap_s: float) -> timedelta:
    return timedelta(seconds=min(cap_s, base_s * 2 ** min(attempts, 12)) * random.uniform(0.5, 1.0))


LEASE_SQL = text("""
    SELECT o.id FROM interop.outbox o
    WHERE o.state IN ('pending', 'uncertain') AND o.next_attempt_at <= :now
      AND NOT EXISTS (SELECT 1 FROM interop.outbox e WHERE e.case_key = o.case_key AND e.seq < o.seq
                      AND e.state IN ('pending', 'uncertain'))
    ORDER BY o.seq LIMIT :limit FOR UPDATE SKIP LOCKED
""")


async def _lease(app: FastAPI, limit: int) -> list[OutboundMessage]:
    now = clock.now()
    async with app.state.sessionmaker() as session, session.begin():
        ids = [r[0] for r in await session.execute(LEASE_SQL, {"now": now, "limit": limit})]
        rows = [await session.get(OutboundMessage, i) for i in ids]
        for row in rows:
            assert row is not None
            row.next_attempt_at = now + LEASE
        return [r for r in rows if r is not None]


async def _attempt(app: FastAPI, row: OutboundMessage) -> tuple[str, dict[str, Any] | None, str | None]:
    """(new state, reply, error) for one message; no transaction is open while the partner is called."""
    from services.interop.exchanges import effects

    async with app.state.sessionmaker() as session:
        partner = await partners.get(session, row.partner_code)
    if partner is None or partner.status != "active":
        return row.state, None, f"partner {row.partner_code} is not active: held back"
    receiver = row.context["receiver_province"]
    reply: partner_client.PartnerReply | None = None
    try:
        if row.state == "uncertain":
            asked = await partner_client.send(app, partner, method="GET", path=f"/messages/{row.message_id}",
                                              body=b"", receiver_province=receiver)
            if asked.status == 200:
                earlier = asked.json()
                reply = partner_client.PartnerReply(int(earlier["status"]), {},
                                                    json.dumps(earlier["reply"]).encode())
        if reply is None:
            reply = await partner_client.send(app, partner, method=row.method, path=row.path,
                                              body=body_of(row, app.state.cipher), receiver_province=receiver,
                                              message_id=row.message_id, content_type=row.content_type)
    except partner_client.NotSent as exc:
        return row.state, None, str(exc)
    except partner_client.NoAnswer as exc:
        return "uncertain", None, str(exc)
    answer = {"status": reply.status, "body": reply.json() if reply.body else None}
    if reply.status in TEMPORARY or reply.status >= 500:
        return row.state, answer, f"HTTP {reply.status}"
    try:
        await effects.apply(app, row, reply.status, answer["body"])
    except EffectRetry as exc:
        return row.state, answer, f"answer not recorded yet: {exc}"
    return ("delivered" if reply.status < 400 else "failed"), answer, None


async def deliver_once(app: FastAPI, limit: int = 20) -> int:
    """One pass; returns how many messages reached a final state."""
    settings = app.state.settings
    done = 0
    for leased in await _lease(app, limit):
        try:
            with tracing.continue_trace(leased.traceparent, f"outbox interop {leased.kind}",
                                        **{"messaging.message.id": leased.message_id}):
                new_state, reply, error = await _attempt(app, leased)
        except Exception as exc:  # a bug in one message must not stop the others
            log.exception("interop delivery failed", message_id=leased.message_id)
            new_state, reply, error = leased.state, None, f"{type(exc).__name__}: {exc}"
        async with app.state.sessionmaker() as session, session.begin():
            row = await session.get(OutboundMessage, leased.id, with_for_update=True)
            if row is None or row.state in ("delivered", "failed"):
                continue
            held_back = error is not None and error.endswith("held back")
            if not held_back:
                row.attempts += 1
            row.state, row.last_error = new_state, error
            if reply is not None:
                row.reply, row.last_status = reply, reply["status"]
            if new_state in ("delivered", "failed"):
                row.delivered_at = clock.now()
                done += 1
            else:
                row.next_attempt_at = clock.now() + backoff(row.attempts, settings.outbox_retry_base_s,
                                                            settings.outbox_retry_cap_s)
    return done


async def run_forever(app: FastAPI) -> None:
    settings = app.state.settings
    passes = 0
    while True:
        try:
            if await deliver_once(app) == 0:
                await asyncio.sleep(settings.outbox_poll_s)
            passes += 1
            if passes % 200 == 0:
                async with app.state.sessionmaker() as session, session.begin():
                    await keys.forget_old_nonces(session, settings.signature_window_s)
        except asyncio.CancelledError:
            raise
        except Exception:  # the database restarting must not end the loop
            log.exception("interop delivery pass failed; retrying")
            await asyncio.sleep(settings.outbox_poll_s * 5)
