"""One pass of sending and asking: lease, call the channel with no transaction open, record."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kit import clock, tracing
from kit.crypto import FieldCipher
from kit.outbox import backoff
from services.payments.channels.base import Channel, ChannelError, TransferRequest, TransferStatus
from services.payments.disbursements import states
from services.payments.disbursements.models import ACCOUNT_CONTEXT, Disbursement, TransferAttempt
from services.payments.dispatch import repository
from services.payments.dispatch.repository import Leased
from services.payments.outbox import service as outbox

log = structlog.get_logger(__name__)
ACTOR = "payments-worker"


@dataclass(frozen=True)
class DispatchPolicy:
    lease_s: float = 60.0
    retry_base_s: float = 5.0
    retry_cap_s: float = 600.0
    sent_first_poll_s: float = 3.0
    sent_poll_s: float = 30.0
    batch: int = 20

    def sent_poll_delay(self, polls: int) -> timedelta:
        """How long after acceptance (`polls` = 0) or after the `polls`-th query that found the transfer
        still processing to ask again: `sent_first_poll_s`, doubling with each query, at most
        `sent_poll_s`. With the defaults a transfer accepted at t is asked about at t+3, 9, 21, 45 s,
        then every 30 s: a transfer that settles in seconds is seen settled seconds later, and one
        that takes long costs the bank at most three queries more than a flat `sent_poll_s` would."""
        return timedelta(seconds=min(self.sent_poll_s, self.sent_first_poll_s * 2 ** min(polls, 32)))


async def dispatch_once(sessionmaker: async_sessionmaker[AsyncSession], channels: Mapping[str, Channel],
                        cipher: FieldCipher, policy: DispatchPolicy) -> int:
    """Send or query every due disbursement once; returns how many were handled."""
    token = uuid.uuid4()
    async with sessionmaker() as session, session.begin():
        leased = await repository.lease_due(session, clock.now(), timedelta(seconds=policy.lease_s),
                                            policy.batch, token)
    results = await asyncio.gather(*(_handle(sessionmaker, channels, cipher, policy, item, token) for item in leased),
                                   return_exceptions=True)
    for item, result in zip(leased, results, strict=True):
        if isinstance(result, BaseException):
            # Left leased: once the lease runs out it is picked up again, and asked about first.
            log.error("disbursement not handled", disbursement_id=str(item.id), error=repr(result))
    return len(leased)


async def _handle(sessionmaker: async_sessionmaker[AsyncSession], channels: Mapping[str, Channel],
                  cipher: FieldCipher, policy: DispatchPolicy, item: Leased, token: uuid.UUID) -> None:
    # One trace per send or query: its id is in the logs and in the event the outbox delivers.
    with tracing.span("payments dispatch", **{"xuefei.disbursement_id": str(item.id), "xuefei.state": item.state}):
        outcome = await _ask_channel(channels, cipher, item)
        async with sessionmaker() as session, session.begin():
            await _record(session, item, outcome, token, policy)


async def _ask_channel(channels: Mapping[str, Channel], cipher: FieldCipher,
                       item: Leased) -> TransferStatus | ChannelError:
    channel = channels.get(item.channel)
    if channel is None:
        return ChannelError(f"unknown channel {item.channel}")
    try:
        if item.state == "sent":
            return await channel.query(item.merchant_transfer_no)
        if item.send_tries > 1:
            # An earlier send got no definite answer and may have reached the channel: ask first,
            # and send (the same number) only if it never arrived.
            found = await channel.query(item.merchant_transfer_no)
            if found.state != "not_found":
                return found
        account = cipher.decrypt(item.payee_account_encrypted, context=ACCOUNT_CONTEXT)
        return await channel.send(TransferRequest(
            merchant_transfer_no=item.merchant_transfer_no, amount_fen=item.amount_fen, account_number=account,
            account_name=item.payee_name, bank_name=item.payee_bank_name, remark=f"血费减免 {item.source_ref}"[:60],
        ))
    except ChannelError as exc:
        return exc


async def _record(session: AsyncSession, item: Leased, outcome: TransferStatus | ChannelError,
                  token: uuid.UUID, policy: DispatchPolicy) -> None:
    d = await repository.locked(session, item.id)
    if d is None or d.lease_token != token or d.attempt != item.attempt:
        # Our lease ran out and another worker took over; it will ask the channel itself.
        log.warning("lease lost before recording", disbursement_id=str(item.id))
        return
    d.lease_token = None
    now = clock.now()
    if isinstance(outcome, ChannelError):
        d.last_error = str(outcome)[:1000]
        tries = d.send_tries if d.state == "pending" else d.polls
        d.next_attempt_at = now + backoff(tries, policy.retry_base_s, policy.retry_cap_s)
        log.warning("no answer from channel", disbursement_id=str(d.id), state=d.state, tries=tries,
                    merchant_transfer_no=d.merchant_transfer_no, error=d.last_error)
        return
    attempt = await repository.attempt(session, d.id, d.attempt)
    apply(session, d, attempt, outcome, policy)


def apply(session: AsyncSession, d: Disbursement, attempt: TransferAttempt, outcome: TransferStatus,
          policy: DispatchPolicy) -> None:
    """Move the disbursement to what the channel says; every final state writes an event."""
    now = clock.now()
    d.last_error = None
    if outcome.amount_fen is not None and outcome.amount_fen != d.amount_fen:
        # Never expected; kept visible here and in reconciliation rather than "fixed".
        d.last_error = f"channel reports {outcome.amount_fen} fen for {d.merchant_transfer_no}, not {d.amount_fen}"
        log.error("amount differs at channel", disbursement_id=str(d.id), error=d.last_error)
    if outcome.state == "not_found":
        d.last_error = (f"通道查无此笔 {d.merchant_transfer_no}，但此前已受理 "
                        "(the channel no longer knows an accepted transfer; reconciliation will list it)")
        d.next_attempt_at = now + backoff(d.polls, policy.retry_base_s, policy.retry_cap_s)
        log.error("accepted transfer not found at channel", disbursement_id=str(d.id))
        return
    if outcome.state == "failed":
        attempt.status, attempt.finished_at, attempt.reason = "failed", now, outcome.reason
        reason = outcome.reason or "通道拒绝 (refused by the channel)"
        states.move(session, d, "failed", reason=f"转账失败: {reason}", actor=ACTOR, at=now)
        outbox.enqueue(session, d, "failed", reason, now)
        return
    if d.state == "pending":
        attempt.status, attempt.channel_reference = "processing", outcome.channel_reference
        attempt.accepted_at = outcome.accepted_at or now
        states.move(session, d, "sent", actor=ACTOR, at=now,
                    reason=f"通道已受理 (accepted by {d.channel}, ref {outcome.channel_reference or '-'})")
    if outcome.state == "processing":
        # `polls` counts the queries of this attempt so far (0 right after the bank accepted it).
        d.next_attempt_at = now + policy.sent_poll_delay(d.polls)
    elif outcome.state == "succeeded":
        attempt.status, attempt.finished_at = "succeeded", outcome.finished_at or now
        states.move(session, d, "succeeded", reason="转账成功 (paid)", actor=ACTOR, at=now)
        outbox.enqueue(session, d, "succeeded", None, now)
    elif outcome.state == "returned":
        reason = outcome.reason or "银行退票 (returned by the bank)"
        attempt.status, attempt.finished_at, attempt.reason = "returned", outcome.finished_at or now, reason
        states.move(session, d, "returned", reason=f"转账被退回: {reason}", actor=ACTOR, at=now)
        outbox.enqueue(session, d, "returned", reason, now)
