from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from kit import clock
from kit.db import SessionDep
from kit.identity import Caller, CallerDep
from kit.problems import Forbidden, NotFound, problem_responses
from services.claims import paging
from services.claims.audit import service as audit
from services.claims.calendar import service as calendar
from services.claims.intake import access
from services.claims.intake import repository as claims
from services.claims.intake.deps import ClaimDep
from services.claims.intake.models import Claim
from services.claims.intake.service import to_out
from services.claims.locks import repository as locks
from services.claims.locks import service as lock_service
from services.claims.worklist import repository, service
from services.claims.worklist.schemas import QueueRow, QuoteFigures, ReviewSheet, SortKey

router = APIRouter(prefix="/v1", tags=["review"])
QUEUE_STATUSES = ("submitted", "under_review", "needs_more_info")
StatusQuery = Annotated[list[str] | None, Query(
    alias="status", description="default: submitted, under_review, needs_more_info; the second-review queue is "
                                "awaiting_second_review")]
ChannelQuery = Annotated[list[str] | None, Query(alias="channel", description="online, hospital, counter, mail")]


@router.get("/review/queue", response_model=list[QueueRow], operation_id="review_queue",
            summary="The review queue: by due date with working days left, filters, search by reference",
            description="Pages with `limit` and `cursor` (next page in `Link` and `X-Next-Cursor`). Staff see "
                        "their province; admin sees all or picks one with `province`.",
            responses=problem_responses(401, 403, 422))
async def review_queue(
    request: Request, response: Response, caller: CallerDep, session: SessionDep,
    status_: StatusQuery = None, channel: ChannelQuery = None,
    province: access.ProvinceQuery = None,
    min_fen: Annotated[int | None, Query(ge=0, description="requested amount at least (fen)")] = None,
    max_fen: Annotated[int | None, Query(ge=0, description="requested amount at most (fen)")] = None,
    overdue: bool = False,
    q: Annotated[str | None, Query(min_length=2, max_length=32, description="part of the reference")] = None,
    sort: SortKey = "due_on", limit: paging.LimitQuery = paging.DEFAULT_LIMIT, cursor: paging.CursorQuery = None,
) -> list[QueueRow]:
    if caller.kind != "staff" or not caller.has_any(*access.STAFF_READERS):
        raise Forbidden("this caller has no review queue")
    today = clock.today()
    filters = repository.QueueFilters(
        statuses=tuple(status_ or QUEUE_STATUSES), channels=tuple(channel or ()),
        province=access.province_scope(caller, province), min_fen=min_fen, max_fen=max_fen,
        overdue_on=today if overdue else None, reference=q.strip() if q else None)
    after = paging.decode(cursor, repository.parse_position(sort))
    rows, after_last = await repository.queue_page(session, filters, sort, after, limit)
    working = await calendar.load(session)
    held = await locks.live_for(session, [c.id for c in rows], clock.now())
    paging.set_next(request, response, after_last)
    return [service.queue_row(c, service.review_clock(c, working, today), lock_service.out(held.get(c.id), caller))
            for c in rows]


def _can_decide(claim: Claim, caller: Caller, lock_mine_or_free: bool) -> bool:
    if caller.kind != "staff" or caller.province != claim.province or claim.registered_by == caller.subject:
        return False
    if claim.status == "awaiting_second_review":
        return caller.has_any("senior_reviewer") and caller.subject != claim.first_approved_by and lock_mine_or_free
    return claim.status in ("submitted", "under_review") and caller.has_any(*access.REVIEWERS) and lock_mine_or_free


@router.get("/review/claims/{claim_id}", response_model=ReviewSheet, operation_id="review_sheet",
            summary="A claim as the reviewer works on it: masked data, clock, flags, quote figures, lock, "
                    "documents the caller opened", responses=problem_responses(401, 404))
async def review_sheet(claim: ClaimDep, request: Request, caller: CallerDep, session: SessionDep) -> ReviewSheet:
    if caller.kind != "staff":
        raise NotFound("没有这个申请 (no such claim)")
    today = clock.today()
    review_clock = service.review_clock(claim, await calendar.load(session), today)
    lock = await locks.live(session, claim.id, clock.now())
    quote = {k: v for k, v in (claim.quote or {}).items() if k in QuoteFigures.model_fields}
    return ReviewSheet(
        claim=to_out(claim, await claims.documents(session, claim.id)), clock=review_clock,
        flags=service.flags(claim, review_clock, other_uses=await repository.other_uses_of_invoice(session, claim)),
        quote=QuoteFigures.model_validate(quote), lock=lock_service.out(lock, caller),
        opened_documents=await repository.opened_by(session, claim.id, caller.subject),
        first_approved_by=claim.first_approved_by, first_approved_fen=claim.first_approved_fen,
        second_review_threshold_fen=request.app.state.settings.second_review_threshold_fen,
        can_decide=_can_decide(claim, caller, lock is None or lock.holder == caller.subject),
    )


@router.post("/claims/{claim_id}/documents/{document_id}/opened", status_code=status.HTTP_204_NO_CONTENT,
             response_class=Response, operation_id="document_opened",
             summary="Record that the caller opened a document in the viewer (audited; shown as read)",
             responses=problem_responses(401, 403, 404))
async def document_opened(claim: ClaimDep, document_id: uuid.UUID, caller: CallerDep,
                          session: SessionDep) -> Response:
    if caller.kind != "staff":
        raise Forbidden("staff only")
    document = next((d for d in await claims.documents(session, claim.id) if d.id == document_id), None)
    if document is None:
        raise NotFound("没有这个材料 (no such document)", field="document_id")
    audit.record(session, claim, caller, "document_opened", reason=document.kind,
                 detail={"document_id": str(document.id)})
    return Response(status_code=status.HTTP_204_NO_CONTENT)
