"""Ops on the payment-event outbox: depth and age, dead letters, retry or discard (audited)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request

from kit import outbox
from kit.callers import allow
from kit.db import SessionDep
from kit.identity import CallerDep
from kit.paging import PagingDep, paged
from kit.problems import problem_responses
from services.payments.outbox.models import OutboxAction, OutboxEvent

router = APIRouter(prefix="/v1/outbox", tags=["outbox"])
# Dead letters are the platform's plumbing, across provinces (each names a claim or statement):
# the platform's admin watches and resolves them; depth and age are also metrics (kit.metrics).
OPS = allow(staff=("admin",))


def _out(row: OutboxEvent) -> outbox.DeadLetterOut:
    return outbox.dead_letter_out(row, aggregate=row.source_ref, kind=f"{row.event} -> {row.destination}")


@router.get("/stats", response_model=outbox.OutboxStats, operation_id="payments_outbox_stats",
            summary="Outbox depth and oldest age (pending, dead letters): what a metric or alarm watches (admin)",
            responses=problem_responses(401, 403), dependencies=[OPS])
async def stats(session: SessionDep) -> outbox.OutboxStats:
    return await outbox.stats(session, OutboxEvent)


@router.get("/dead-letters", response_model=list[outbox.DeadLetterOut], operation_id="payments_outbox_dead_letters",
            summary="Payment events claims would not take (refused for good, or out of attempts; admin)",
            responses={**paged("Dead letters, oldest first"), **problem_responses(401, 403, 422)},
            dependencies=[OPS])
async def dead_letters(session: SessionDep, page: PagingDep) -> list[outbox.DeadLetterOut]:
    return [_out(row) for row in await page.fetch(session, outbox.dead_letters(OutboxEvent), [OutboxEvent.seq])]


async def _resolve(request: Request, session: SessionDep, event_id: uuid.UUID, action: outbox.Action,
                   body: outbox.ResolveIn, actor: str) -> outbox.DeadLetterOut:
    row = await outbox.resolve(session, OutboxEvent, event_id, action, actor=actor, reason=body.reason)
    session.add(OutboxAction(event_id=row.id, action=action, actor=actor, reason=body.reason,
                             request_id=request.state.request_id))
    return _out(row)


@router.post("/{message_id}/retry", response_model=outbox.DeadLetterOut, operation_id="payments_outbox_retry",
             summary="Deliver a dead letter again from its first attempt, with a reason (audited; admin)",
             responses=problem_responses(401, 403, 404, 409, 422), dependencies=[OPS])
async def retry(request: Request, message_id: uuid.UUID, body: outbox.ResolveIn, caller: CallerDep,
                session: SessionDep) -> outbox.DeadLetterOut:
    return await _resolve(request, session, message_id, "retry", body, caller.subject)


@router.post("/{message_id}/discard", response_model=outbox.DeadLetterOut, operation_id="payments_outbox_discard",
             summary="Give a dead letter up, with a reason (audited; admin); later events of its source go on",
             responses=problem_responses(401, 403, 404, 409, 422), dependencies=[OPS])
async def discard(request: Request, message_id: uuid.UUID, body: outbox.ResolveIn, caller: CallerDep,
                  session: SessionDep) -> outbox.DeadLetterOut:
    return await _resolve(request, session, message_id, "discard", body, caller.subject)
