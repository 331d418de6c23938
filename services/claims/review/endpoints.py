from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from kit.callers import allow
from kit.db import SessionDep
from kit.identity import CallerDep
from kit.problems import NotFound, problem_responses
from services.claims.intake import access, repository
from services.claims.intake import service as intake
from services.claims.intake.deps import ClaimDep
from services.claims.intake.models import Claim
from services.claims.intake.schemas import ClaimOut, DecisionIn
from services.claims.locks import service as locks
from services.claims.reductions import statements
from services.claims.review import payments, service

router = APIRouter(prefix="/v1", tags=["review"])


class WithdrawIn(BaseModel):
    reason: str = Field("申请人撤回", max_length=500)


async def _out(session: AsyncSession, claim: Claim, request: Request) -> ClaimOut:
    return intake.to_out(claim, await repository.documents(session, claim.id), request.app.state.cipher)


@router.post("/claims/{claim_id}/start-review", response_model=ClaimOut, operation_id="start_review",
             summary="A reviewer takes the claim (submitted -> under_review)",
             description="409 when another reviewer holds the claim's review lock.",
             responses=problem_responses(401, 403, 404, 409), dependencies=[allow(staff=access.REVIEWERS)])
async def start_review(claim: ClaimDep, request: Request, caller: CallerDep, session: SessionDep) -> ClaimOut:
    await locks.require_free_or_mine(session, claim, caller)
    service.start_review(session, claim, caller)
    return await _out(session, claim, request)


@router.post("/claims/{claim_id}/decision", response_model=ClaimOut, operation_id="decide_claim",
             summary="Approve, reject or ask for more information (reviewers of the claim's province)",
             description="Approvals above the configured amount (default 5,000 yuan) wait for a second approval by "
                         "a different user with role senior_reviewer. Approving commits the quota hold and asks "
                         "payments to pay, through the outbox. 409 when another reviewer holds the claim's review "
                         "lock; a decision gives the caller's lock back.",
             responses=problem_responses(401, 403, 404, 409, 422), dependencies=[allow(staff=access.REVIEWERS)])
async def decide(claim: ClaimDep, body: DecisionIn, request: Request, caller: CallerDep,
                 session: SessionDep) -> ClaimOut:
    state = request.app.state
    await locks.require_free_or_mine(session, claim, caller)
    await service.decide(session, claim, body, caller, threshold_fen=state.settings.second_review_threshold_fen,
                         cipher=state.cipher)
    await locks.done(session, claim, caller)
    return await _out(session, claim, request)


@router.post("/claims/{claim_id}/withdraw", response_model=ClaimOut, operation_id="withdraw_claim",
             summary="The applicant withdraws before review starts", responses=problem_responses(401, 403, 404, 409),
             dependencies=[allow(any_staff=True, donor=True)])
async def withdraw(claim: ClaimDep, body: WithdrawIn, request: Request, caller: CallerDep,
                   session: SessionDep) -> ClaimOut:
    access.require_applicant_side(claim, caller)
    await service.withdraw(session, claim, caller, body.reason)
    return await _out(session, claim, request)


@router.put("/claims/{claim_id}/payee", response_model=ClaimOut, operation_id="correct_payee",
            summary="The applicant (or finance of the claim's province) corrects the account after a returned transfer",
            responses=problem_responses(401, 403, 404, 409, 422), dependencies=[allow(any_staff=True, donor=True)])
async def correct_payee(claim: ClaimDep, body: payments.PayeeCorrection, request: Request, caller: CallerDep,
                        session: SessionDep) -> ClaimOut:
    access.require_payee_editor(claim, caller)
    payments.correct_payee(session, claim, body, caller, request.app.state.cipher)
    return await _out(session, claim, request)


@router.post("/payment-events", operation_id="payment_event", summary="Payments reports a transfer's outcome",
             responses=problem_responses(401, 403, 404), dependencies=[allow(services=("payments",))])
async def payment_event(body: payments.PaymentEvent, caller: CallerDep, session: SessionDep) -> dict[str, str]:
    if body.source_ref.startswith("statement:"):
        if body.event == "succeeded":
            await statements.mark_paid(session, uuid.UUID(body.source_ref.removeprefix("statement:")),
                                       body.disbursement_id)
        return {"status": body.event}
    claim_id = body.source_ref.removeprefix("claim:")
    try:
        claim = await repository.get(session, uuid.UUID(claim_id), for_update=True)
    except ValueError:
        claim = None
    if claim is None:
        raise NotFound(f"no claim for {body.source_ref}", field="source_ref")
    payments.apply_event(session, claim, body, caller)
    return {"status": claim.status}
