from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from kit import clock
from kit.callers import allow
from kit.db import SessionDep
from kit.identity import Caller, CallerDep
from kit.problems import problem_responses
from services.claims import paging
from services.claims.calendar import service as calendar
from services.claims.intake import access, usage
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
MAX_FEN = 10**12  # ten billion yuan: above any claim, and inside the bigint the amounts are kept in
StatusQuery = Annotated[list[str] | None, Query(
    alias="status", description="default: submitted, under_review, needs_more_info; the second-review queue is "
                                "awaiting_second_review")]
# The queue: the station's desk (to follow what it registered) and the reviewers; finance works
# from the payments lists instead.
QUEUE_READERS = ("admin", "station_operator", *access.REVIEWERS)
ChannelQuery = Annotated[list[str] | None, Query(alias="channel", description="online, hospital, counter, mail")]


@router.get("/review/queue", response_model=list[QueueRow], operation_id="review_queue",
            summary="The review queue: by due date with working days left, filters, search by reference",
            description="Pages with `limit` and `cursor` (next page in `Link` and `X-Next-Cursor`). Staff see "
                        "their province (another province's filter lists nothing); admin sees all or picks one "
                        "with `province`.",
            responses=problem_responses(401, 403, 422), dependencies=[allow(staff=QUEUE_READERS)])
async def review_queue(
    request: Request, response: Response, caller: CallerDep, session: SessionDep,
    status_: StatusQuery = None, channel: ChannelQuery = None,
    province: access.ProvinceQuery = None,
    min_fen: Annotated[int | None, Query(ge=0, le=MAX_FEN, description="requested amount at least (fen)")] = None,
    max_fen: Annotated[int | None, Query(ge=0, le=MAX_FEN, description="requested amount at most (fen)")] = None,
    overdue: bool = False,
    q: Annotated[str | None, Query(min_length=2, max_length=32, description="part of the reference")] = None,
    sort: SortKey = "due_on", limit: paging.LimitQuery = paging.DEFAULT_LIMIT, cursor: paging.CursorQuery = None,
) -> list[QueueRow]:
    today = clock.today()
    filters = repository.QueueFilters(
        statuses=tuple(status_ or QUEUE_STATUSES), channels=tuple(channel or ()),
        province=access.listed_province(caller, province), min_fen=min_fen, max_fen=max_fen,
        overdue_on=today if overdue else None, reference=q.strip() if q else None)
    after = paging.decode(cursor, repository.parse_position(sort))
    rows, after_last = await repository.queue_page(session, filters, sort, after, limit)
    working = await calendar.load(session)
    held = await locks.live_for(session, [c.id for c in rows], clock.now())
    paging.set_next(request, response, after_last)
    cipher = request.app.state.cipher
    return [service.queue_row(c, service.review_clock(c, working, today), lock_service.out(held.get(c.id), caller),
                              cipher) for c in rows]


def _can_decide(claim: Claim, caller: Caller, lock_mine_or_free: bool) -> bool:
    if caller.kind != "staff" or caller.province != claim.province or claim.registered_by == caller.subject:
        return False
    if claim.status == "awaiting_second_review":
        return caller.has_any("senior_reviewer") and caller.subject != claim.first_approved_by and lock_mine_or_free
    return claim.status in ("submitted", "under_review") and caller.has_any(*access.REVIEWERS) and lock_mine_or_free


@router.get("/review/claims/{claim_id}", response_model=ReviewSheet, operation_id="review_sheet",
            summary="A claim as the reviewer works on it: masked data, clock, flags, quote figures, lock, "
                    "documents the caller opened (downloaded: the documents route audits each staff download)",
            description="Staff of the claim's province or who registered it (admin: any); anyone else: 404.",
            responses=problem_responses(401, 403, 404), dependencies=[allow(staff=access.STAFF_READERS)])
async def review_sheet(claim: ClaimDep, request: Request, caller: CallerDep, session: SessionDep) -> ReviewSheet:
    cipher = request.app.state.cipher
    today = clock.today()
    review_clock = service.review_clock(claim, await calendar.load(session), today)
    lock = await locks.live(session, claim.id, clock.now())
    quote = usage.quote_of(claim, cipher)
    figures = {k: v for k, v in quote.items() if k in QuoteFigures.model_fields}
    return ReviewSheet(
        claim=to_out(claim, await claims.documents(session, claim.id), cipher), clock=review_clock,
        flags=service.flags(claim, review_clock, quote,
                            other_uses=await repository.other_uses_of_invoice(session, claim)),
        quote=QuoteFigures.model_validate(figures), lock=lock_service.out(lock, caller),
        opened_documents=await repository.opened_by(session, claim.id, caller.subject),
        documents_readable=access.can_read_documents(claim, caller),
        first_approved_by=claim.first_approved_by, first_approved_fen=claim.first_approved_fen,
        second_review_threshold_fen=request.app.state.settings.second_review_threshold_fen,
        can_decide=_can_decide(claim, caller, lock is None or lock.holder == caller.subject),
    )

