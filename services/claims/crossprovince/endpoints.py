"""Entry points for the interop service (its own service identity only)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends, Request, Response, status

from kit.db import SessionDep
from kit.identity import Caller, CallerDep
from kit.problems import Forbidden, NotFound, problem_responses
from services.claims.crossprovince import service
from services.claims.crossprovince.schemas import CancelIn, CaseState, InboundClaimIn, PartnerStatusIn
from services.claims.intake import repository
from services.claims.intake.submit import SubmitDeps


def _interop(caller: CallerDep) -> Caller:
    if caller.kind != "system" or caller.subject != "interop":
        raise Forbidden("only the interop service speaks for partner platforms")
    return caller


router = APIRouter(prefix="/v1/cross-province", tags=["cross-province"], dependencies=[Depends(_interop)])


@router.post("/claims", response_model=CaseState, status_code=status.HTTP_201_CREATED,
             operation_id="receive_forwarded_claim",
             summary="A partner's forwarded claim for one of our donors: created once per case, then submitted",
             responses={200: {"model": CaseState, "description": "the case was forwarded before"},
                        **problem_responses(401, 403, 409, 413, 422, 503)})
async def receive_forwarded_claim(body: InboundClaimIn, request: Request, response: Response) -> CaseState:
    state = request.app.state
    deps = SubmitDeps(sessionmaker=state.sessionmaker, entitlement=state.entitlement, cipher=state.cipher,
                      index=state.blind_index, working_days=state.settings.review_working_days)
    case, created = await service.receive(body, deps, state.documents)
    if not created:
        response.status_code = status.HTTP_200_OK
    return case


@router.get("/claims/{partner}/{sender_ref}", response_model=CaseState, operation_id="forwarded_claim_state",
            summary="The state of a partner's case", responses=problem_responses(401, 403, 404))
async def forwarded_claim_state(partner: str, sender_ref: str, session: SessionDep) -> CaseState:
    claim = await service.case_claim(session, partner, sender_ref)
    if claim is None:
        raise NotFound(f"没有合作平台 {partner} 的申请 {sender_ref} (no such case)")
    return service.state(claim)


@router.post("/claims/{partner}/{sender_ref}/cancel", response_model=CaseState, operation_id="cancel_forwarded_claim",
             summary="The partner withdraws its case (only before review starts)",
             responses=problem_responses(401, 403, 404, 409))
async def cancel_forwarded_claim(partner: str, sender_ref: str, body: CancelIn, session: SessionDep) -> CaseState:
    claim = await service.case_claim(session, partner, sender_ref, for_update=True)
    if claim is None:
        raise NotFound(f"没有合作平台 {partner} 的申请 {sender_ref} (no such case)")
    await service.cancel(session, claim, body.reason)
    return service.state(claim)


@router.post("/forwarded/{reference}/partner-status", response_model=CaseState,
             operation_id="mirror_partner_status",
             summary="The deciding partner's state of a claim we forwarded (older states are ignored)",
             responses=problem_responses(401, 403, 404, 422))
async def mirror_partner_status(reference: str, body: PartnerStatusIn, session: SessionDep) -> CaseState:
    claim = await service.mirror(session, reference, body)
    return CaseState(sender_claim_ref=claim.reference, claim_ref=claim.partner_reference or "", status=claim.status,
                     seq=claim.partner_seq, eligible_fen=claim.eligible_fen, approved_fen=claim.approved_fen,
                     paid_fen=claim.paid_fen, reason_code=claim.decision_reason_code, note=claim.decision_note,
                     due_on=claim.due_on, at=claim.updated_at)


@router.get("/forwarded/{claim_id}/export", operation_id="export_forwarded_claim",
            summary="The whole claim and its document list, to forward (unmasked; audited)",
            responses=problem_responses(401, 403, 404, 409))
async def export_forwarded_claim(claim_id: uuid.UUID, request: Request, caller: CallerDep,
                                 session: SessionDep) -> dict[str, Any]:
    claim = await repository.get(session, claim_id)
    if claim is None:
        raise NotFound("没有这个申请 (no such claim)")
    return service.export(session, claim, await repository.documents(session, claim.id), request.app.state.cipher,
                          caller)
