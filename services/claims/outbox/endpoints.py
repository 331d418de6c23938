from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy import select

from kit import outbox
from kit.callers import allow
from kit.db import SessionDep
from kit.identity import Caller, CallerDep
from kit.paging import PagingDep, paged
from kit.problems import problem_responses
from services.claims.audit import service as audit
from services.claims.outbox.models import OutboxMessage, SentNotification

router = APIRouter(prefix="/v1/sandbox", tags=["sandbox"])
ops_router = APIRouter(prefix="/v1/outbox", tags=["outbox"])
# Dead letters are the platform's plumbing, across provinces (their errors may name any claim):
# the platform's admin watches and resolves them; the depth and age are also metrics (kit.metrics).
OPS = allow(staff=("admin",))


class NotificationOut(BaseModel):
    claim_id: uuid.UUID
    recipient: str
    template: str
    text: str


@router.get("/notifications", response_model=list[NotificationOut], operation_id="sandbox_notifications",
            summary="SANDBOX: messages the sandbox sender recorded instead of sending (admin)",
            responses={**paged(), **problem_responses(401, 403, 422)}, dependencies=[allow(staff=("admin",))])
async def notifications(session: SessionDep, page: PagingDep,
                        claim_id: Annotated[uuid.UUID | None, Query()] = None) -> list[NotificationOut]:
    stmt = select(SentNotification)
    if claim_id is not None:
        stmt = stmt.where(SentNotification.claim_id == claim_id)
    found = await page.fetch(session, stmt, [SentNotification.sent_at, SentNotification.id])
    return [NotificationOut.model_validate(n, from_attributes=True) for n in found]


def _out(row: OutboxMessage) -> outbox.DeadLetterOut:
    return outbox.dead_letter_out(row, aggregate=str(row.claim_id), kind=row.kind)


@ops_router.get("/stats", response_model=outbox.OutboxStats, operation_id="claims_outbox_stats",
                summary="Outbox depth and oldest age (pending, dead letters): what a metric or alarm watches (admin)",
                responses=problem_responses(401, 403), dependencies=[OPS])
async def stats(session: SessionDep) -> outbox.OutboxStats:
    return await outbox.stats(session, OutboxMessage)


@ops_router.get("/dead-letters", response_model=list[outbox.DeadLetterOut], operation_id="claims_outbox_dead_letters",
                summary="Messages to entitlement or payments that gave up: refused for good or out of attempts (admin)",
                responses={**paged("Dead letters, oldest first"), **problem_responses(401, 403, 422)},
                dependencies=[OPS])
async def dead_letters(session: SessionDep, page: PagingDep) -> list[outbox.DeadLetterOut]:
    return [_out(row) for row in await page.fetch(session, outbox.dead_letters(OutboxMessage), [OutboxMessage.seq])]


@dataclass(frozen=True)
class _Aggregate:
    """The claim (or notice, or statement) whose audit trail records ops' decision."""

    id: uuid.UUID


async def _resolve(session: Any, message_id: uuid.UUID, action: outbox.Action, body: outbox.ResolveIn,
                   caller: Caller) -> outbox.DeadLetterOut:
    row = await outbox.resolve(session, OutboxMessage, message_id, action, actor=caller.subject, reason=body.reason)
    audit.record(session, _Aggregate(row.claim_id), caller, f"outbox_{action}", reason=body.reason,
                 detail={"outbox_id": str(row.id), "kind": row.kind, "last_error": row.last_error})
    return _out(row)


@ops_router.post("/{message_id}/retry", response_model=outbox.DeadLetterOut, operation_id="claims_outbox_retry",
                 summary="Send a dead letter again from its first attempt, with a reason (audited; admin)",
                 responses=problem_responses(401, 403, 404, 409, 422), dependencies=[OPS])
async def retry(message_id: uuid.UUID, body: outbox.ResolveIn, caller: CallerDep,
                session: SessionDep) -> outbox.DeadLetterOut:
    return await _resolve(session, message_id, "retry", body, caller)


@ops_router.post("/{message_id}/discard", response_model=outbox.DeadLetterOut, operation_id="claims_outbox_discard",
                 summary="Give a dead letter up, with a reason (audited; admin); the rows behind it go on",
                 responses=problem_responses(401, 403, 404, 409, 422), dependencies=[OPS])
async def discard(message_id: uuid.UUID, body: outbox.ResolveIn, caller: CallerDep,
                  session: SessionDep) -> outbox.DeadLetterOut:
    return await _resolve(session, message_id, "discard", body, caller)
