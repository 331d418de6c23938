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
from services.claims.review import attention, payments, service

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
                         "a different user with role senior_reviewer. Approving commits the quota hold through the "
                         "outbox; payments is asked to pay only once entitlement has confirmed the consumption. "
                         "If it refuses (the hold lapsed or changed), the claim goes to `needs_attention` and "
                         "nothing is paid. 409 when another reviewer holds the claim's review lock; a decision "
                         "gives the caller's lock back.",
             responses=problem_responses(401, 403, 404, 409, 422), dependencies=[allow(staff=access.REVIEWERS)])
async def decide(claim: ClaimDep, body: DecisionIn, request: Request, caller: CallerDep,
                 session: SessionDep) -> ClaimOut:
    state = request.app.state
    policy = service.ReviewPolicy(second_review_threshold_fen=state.settings.second_review_threshold_fen,
                                  payment_working_days=state.settings.payment_working_days)
    await locks.require_free_or_mine(session, claim, caller)
    await service.decide(session, claim, body, caller, policy, state.cipher)
    await locks.done(session, claim, caller)
    return await _out(session, claim, request)


@router.post("/claims/{claim_id}/attention", response_model=ClaimOut, operation_id="resolve_attention",
             summary="A senior reviewer resolves a claim in needs_attention: re-quote (back to review) or reject",
             description="`needs_attention`: the claim was approved but entitlement would not consume its quota "
                         "(`attention_reason` says why), so nothing was paid. `requote` holds the quota again "
                         "under a new key and returns the claim to `under_review` with the new eligible amount, "
                         "for a new decision; `reject` ends it with `reason_code`.",
             responses=problem_responses(401, 403, 404, 409, 422, 503),
             dependencies=[allow(staff=("senior_reviewer",))])
async def resolve_attention(claim: ClaimDep, body: attention.AttentionIn, request: Request, caller: CallerDep,
                            session: SessionDep) -> ClaimOut:
    state, claim_id = request.app.state, claim.id
    await session.rollback()  # re-quoting calls entitlement: hold no lock meanwhile
    await attention.resolve(claim_id, body, caller, attention.AttentionDeps(
        sessionmaker=state.sessionmaker, entitlement=state.entitlement, cipher=state.cipher,
        guard_grace_s=state.settings.hold_guard_grace_s))
    async with state.sessionmaker() as fresh:
        current = await repository.get(fresh, claim_id)
        assert current is not None
        return await _out(fresh, current, request)


@router.post("/claims/{claim_id}/withdraw", response_model=ClaimOut, operation_id="withdraw_claim",
             summary="The applicant withdraws before review starts", responses=problem_responses(401, 403, 404, 409),
             dependencies=[allow(any_staff=True, donor=True)])
async def withdraw(claim: ClaimDep, body: WithdrawIn, request: Request, caller: CallerDep,
                   session: SessionDep) -> ClaimOut:
    access.require_applicant_side(claim, caller)
    await service.withdraw(session, claim, caller, body.reason)
    return await _out(session, claim, request)


@router.put("/claims/{claim_id}/payee", response_model=ClaimOut, operation_id="correct_payee",
            summary="The applicant (or finance of the claim's province) corrects the account after a returned or "
                    "failed transfer",
            description="Allowed in `payee_correction` (returned) and `payment_failed`: the transfer goes out "
                        "again, to the corrected account, as a new attempt of the same disbursement. A deceased "
                        "donor's claim is paid to the relative it names (`payee_relative`).",
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
        try:
            statement_id = uuid.UUID(body.source_ref.removeprefix("statement:"))
        except ValueError:
            raise NotFound(f"no statement for {body.source_ref}", field="source_ref") from None
        status = await statements.apply_event(session, statement_id, body.event, body.disbursement_id, body.reason)
        if status is None:
            raise NotFound(f"no statement for {body.source_ref}", field="source_ref")
        return {"status": status}
    claim_id = body.source_ref.removeprefix("claim:")
    try:
        claim = await repository.get(session, uuid.UUID(claim_id), for_update=True)
    except ValueError:
        claim = None
    if claim is None:
        raise NotFound(f"no claim for {body.source_ref}", field="source_ref")
    payments.apply_event(session, claim, body, caller)
    return {"status": claim.status}
