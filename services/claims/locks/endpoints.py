from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from kit.callers import allow
from kit.db import SessionDep
from kit.identity import CallerDep
from kit.problems import problem_responses
from services.claims.intake import access
from services.claims.intake.deps import ClaimDep
from services.claims.locks import service
from services.claims.locks.schemas import LockOut

router = APIRouter(prefix="/v1/claims/{claim_id}/lock", tags=["review"])


@router.post("", response_model=LockOut, operation_id="lock_claim",
             summary="Take or renew the review lock (a reviewer of the claim's province); the console's heartbeat",
             description="While the lock is live, no other reviewer can start, decide or confirm the claim (409 "
                         "naming `holder`). It lapses after `expires_at` unless renewed by posting again; a "
                         "decision gives it back.",
             responses=problem_responses(401, 403, 404, 409), dependencies=[allow(staff=access.REVIEWERS)])
async def lock(claim: ClaimDep, request: Request, caller: CallerDep, session: SessionDep) -> LockOut:
    taken = await service.acquire(session, claim, caller, request.app.state.settings.review_lock_ttl_s)
    result = service.out(taken, caller)
    assert result is not None
    return result


@router.delete("", status_code=status.HTTP_204_NO_CONTENT, response_class=Response, operation_id="unlock_claim",
               summary="Give the review lock back (its holder); nothing to give back is fine",
               responses=problem_responses(401, 403, 404, 409), dependencies=[allow(staff=access.REVIEWERS)])
async def unlock(claim: ClaimDep, caller: CallerDep, session: SessionDep) -> Response:
    await service.release(session, claim, caller)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
