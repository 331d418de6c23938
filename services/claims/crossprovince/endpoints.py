"""Entry points for the interop service (its own service identity only)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from kit.callers import allow
from kit.db import SessionDep
from kit.identity import CallerDep
from kit.problems import Conflict, NotFound, Problem, problem_responses
from services.claims.audit import service as audit
from services.claims.crossprovince import reductions, service
from services.claims.crossprovince.schemas import (
    CancelIn,
    CaseOpened,
    CaseState,
    DocumentAttached,
    InboundClaimIn,
    PartnerStatusIn,
)
from services.claims.intake import repository
from services.claims.intake.submit import SubmitDeps
from services.claims.reductions import service as notices
from services.claims.reductions.models import ReductionNotice
from services.claims.reductions.schemas import NoticeIn, NoticeOut, SettlementIn
from services.claims.reductions.service import NoticeDeps

# Only the interop service speaks for partner platforms (after checking their message signatures).
router = APIRouter(prefix="/v1/cross-province", tags=["cross-province"], dependencies=[allow(services=("interop",))])
MEDIA_TYPES = ("image/jpeg", "image/png", "application/pdf")


def _submit_deps(request: Request) -> SubmitDeps:
    state = request.app.state
    return SubmitDeps(sessionmaker=state.sessionmaker, entitlement=state.entitlement, cipher=state.cipher,
                      persons=state.person_index, working_days=state.settings.review_working_days)


@router.post("/claims", response_model=CaseOpened, status_code=status.HTTP_201_CREATED,
             operation_id="receive_forwarded_claim",
             summary="A partner's forwarded claim for one of our donors: checked and opened (a draft) once per case",
             description="Answers the SHA-256 of the documents still to attach; then submit the case.",
             responses={200: {"model": CaseOpened, "description": "the case was forwarded before"},
                        **problem_responses(401, 403, 409, 413, 422, 503)})
async def receive_forwarded_claim(body: InboundClaimIn, request: Request, response: Response) -> CaseOpened:
    case, created = await service.open_case(body, _submit_deps(request), request.app.state.person_index)
    if not created:
        response.status_code = status.HTTP_200_OK
    return case


@router.put("/claims/{partner}/{sender_ref}/documents/{sha256}", response_model=DocumentAttached,
            operation_id="attach_forwarded_document",
            summary="One document of a partner's draft case (the raw file, JPEG, PNG or PDF), named by its SHA-256",
            responses=problem_responses(401, 403, 404, 409, 413, 422) | {415: {"description": "Not JPEG/PNG/PDF"}},
            openapi_extra={"requestBody": {"required": True, "content": {
                m: {"schema": {"type": "string", "format": "binary"}} for m in MEDIA_TYPES}}})
async def attach_forwarded_document(partner: str, sender_ref: str, request: Request,
                                    sha256: Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")],
                                    kind: Annotated[str, Query(min_length=1, max_length=32)]) -> DocumentAttached:
    media_type = request.headers.get("content-type", "").split(";")[0].strip()
    if media_type not in MEDIA_TYPES:
        raise Problem("仅接受 JPEG、PNG 或 PDF (only JPEG, PNG or PDF)", status=415, slug="unsupported-media-type",
                      title="Unsupported media type", field="Content-Type")
    content = await request.body()  # within the upload body limit (kit.body_limit)
    state = request.app.state
    attached = await service.attach(partner, sender_ref, sha256, kind, content, _submit_deps(request),
                                    state.documents)
    return DocumentAttached(sha256=sha256, attached=attached)


@router.post("/claims/{partner}/{sender_ref}/submit", response_model=CaseState, operation_id="submit_forwarded_claim",
             summary="Submit a partner's draft case like any claim (its state as it is once submitted)",
             responses=problem_responses(401, 403, 404, 409, 422, 503))
async def submit_forwarded_claim(partner: str, sender_ref: str, request: Request) -> CaseState:
    return await service.submit_case(partner, sender_ref, _submit_deps(request))


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


@router.get("/forwarded/{claim_id}/documents/{document_id}", operation_id="export_forwarded_document",
            response_class=Response, summary="One document of a forwarded claim, to send to the partner (audited)",
            responses=problem_responses(401, 403, 404, 409))
async def export_forwarded_document(claim_id: uuid.UUID, document_id: uuid.UUID, request: Request,
                                    caller: CallerDep, session: SessionDep) -> Response:
    claim = await repository.get(session, claim_id)
    document = next((d for d in await repository.documents(session, claim_id) if d.id == document_id), None)
    if claim is None or document is None:
        raise NotFound("没有这份材料 (no such document)")
    if claim.forwarded_to is None:
        raise Conflict("这个申请不转至合作平台 (this claim is not forwarded)")
    audit.record(session, claim, caller, "document_viewed", reason=f"转至合作平台 {claim.forwarded_to}",
                 detail={"document_id": str(document.id), "kind": document.kind})
    return Response(await request.app.state.documents.get(document.address), media_type=document.media_type)


class AuthorisationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    partner: str = Field(pattern=r"^[a-z][a-z0-9-]{1,31}$")
    usage_province: str = Field(pattern=r"^[0-9]{2}$")
    notice: NoticeIn


class PartnerSettlementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    partner: str
    settlement: SettlementIn


class PartnerCancelIn(BaseModel):
    partner: str
    reason: str = Field(min_length=2, max_length=500)


class ReductionLine(BaseModel):
    notice_no: str
    partner_notice_no: str | None
    status: str
    receipt_no: str | None
    settled_on: date | None
    reduced_fen: int | None
    max_reducible_fen: int


def _line(n: ReductionNotice) -> ReductionLine:
    return ReductionLine(notice_no=n.notice_no, partner_notice_no=n.partner_notice_no, status=n.status,
                         receipt_no=n.receipt_no, settled_on=n.settled_on, reduced_fen=n.reduced_fen,
                         max_reducible_fen=n.max_reducible_fen)


def _notice_deps(request: Request) -> NoticeDeps:
    state = request.app.state
    return NoticeDeps(sessionmaker=state.sessionmaker, entitlement=state.entitlement, cipher=state.cipher,
                      persons=state.person_index, valid_days=state.settings.notice_valid_days)


@router.post("/authorisations", response_model=NoticeOut, operation_id="authorise_for_partner",
             summary="A partner's hospital asks for a reduction notice for one of our donors (跨省直免)",
             responses=problem_responses(401, 403, 409, 422, 503))
async def authorise_for_partner(body: AuthorisationIn, request: Request) -> NoticeOut:
    caller = reductions.partner_hospital(body.partner, body.usage_province)
    return await notices.issue(body.notice, caller, _notice_deps(request))


@router.post("/authorisations/{notice_no}/settlement", response_model=NoticeOut,
             operation_id="partner_reports_settlement", summary="The partner's hospital settled the notice",
             responses=problem_responses(401, 403, 404, 409, 422))
async def partner_settlement(notice_no: str, body: PartnerSettlementIn, request: Request,
                             session: SessionDep) -> NoticeOut:
    caller = reductions.partner_hospital(body.partner, "")
    cipher = request.app.state.cipher
    settled = await notices.settle(session, notice_no, body.settlement, caller, cipher=cipher,
                                   persons=request.app.state.person_index)
    return notices.out(settled, cipher)


@router.post("/authorisations/{notice_no}/cancel", response_model=NoticeOut, operation_id="partner_cancels_notice",
             summary="The partner's hospital did not use the notice", responses=problem_responses(401, 403, 404, 409))
async def partner_cancel(notice_no: str, body: PartnerCancelIn, request: Request, session: SessionDep) -> NoticeOut:
    caller = reductions.partner_hospital(body.partner, "")
    return notices.out(await notices.cancel(session, notice_no, caller, body.reason), request.app.state.cipher)


@router.get("/authorisations", response_model=list[ReductionLine], operation_id="partner_authorisations",
            summary="Notices we authorised for a partner (settled in a period, to check its statement)",
            responses=problem_responses(401, 403))
async def partner_authorisations(partner: str, session: SessionDep, date_from: date | None = None,
                                 date_to: date | None = None) -> list[ReductionLine]:
    return [_line(n) for n in await reductions.settled_for(session, partner, date_from, date_to)]


@router.get("/forwarded-reductions", response_model=list[ReductionLine], operation_id="forwarded_reductions",
            summary="What our hospitals reduced for a partner's donors in a period (its statement's lines)",
            responses=problem_responses(401, 403))
async def forwarded_reductions(partner: str, date_from: date, date_to: date,
                               session: SessionDep) -> list[ReductionLine]:
    return [_line(n) for n in await reductions.forwarded_settled(session, partner, date_from, date_to)]
