from __future__ import annotations

import asyncio
import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import BaseModel

from kit.callers import allow
from kit.db import SessionDep
from kit.identity import CallerDep
from kit.problems import Conflict, Forbidden, NotFound, Problem, Unprocessable, problem_responses
from services.claims.audit import service as audit
from services.claims.documents.kinds import DocumentKind
from services.claims.documents.processing import DocumentRejected, normalise, sniff
from services.claims.documents.upload import read_upload
from services.claims.intake import access, repository
from services.claims.intake.deps import ClaimDep
from services.claims.intake.models import Claim, ClaimDocument
from services.claims.intake.schemas import DocumentOut
from services.claims.intake.service import missing_for

router = APIRouter(prefix="/v1/claims/{claim_id}/documents", tags=["documents"])
# Documents can be added while the applicant is still preparing or when the reviewer asks.
OPEN_FOR_DOCUMENTS = ("draft", "needs_more_info")
MAX_DOCUMENTS = 30  # per claim: a complete relative's claim needs 7; the rest is room for 补充材料
# Photos of identity documents and bank cards: a staff download names its reason and is audited.
SENSITIVE_KINDS = frozenset({DocumentKind.DONOR_ID_FRONT, DocumentKind.DONOR_ID_BACK, DocumentKind.BENEFICIARY_ID_FRONT,
                             DocumentKind.BENEFICIARY_ID_BACK, DocumentKind.AGENT_ID, DocumentKind.BANK_CARD})


class UploadOut(BaseModel):
    document: DocumentOut
    missing_documents: list[str]


def _rejected(exc: DocumentRejected) -> Problem:
    slug = {413: "too-large", 415: "unsupported-media-type"}.get(exc.status, "document-rejected")
    return Problem(exc.detail, status=exc.status, slug=slug, title="Document refused", field="file")


def _still_open(claim: Claim, count: int) -> None:
    if claim.status not in OPEN_FOR_DOCUMENTS:
        raise Conflict(f"申请状态为 {claim.status}，不能再上传材料 (documents are closed in this state)")
    if count >= MAX_DOCUMENTS:
        raise Unprocessable(f"每个申请最多 {MAX_DOCUMENTS} 份材料 (at most {MAX_DOCUMENTS} documents per claim)",
                            field="file", slug="too-many-documents")


@router.post("", response_model=UploadOut, status_code=status.HTTP_201_CREATED, operation_id="upload_document",
             summary="Upload one document (multipart: kind, file); JPEG, PNG or PDF by content, at most 10 MB",
             description="Images are re-encoded (EXIF and GPS dropped, pixel limit enforced); files are stored "
                         f"encrypted. At most {MAX_DOCUMENTS} documents per claim. The response lists the documents "
                         "still missing.",
             responses=problem_responses(401, 403, 404, 409, 413, 422) | {415: {"description": "Not JPEG/PNG/PDF"}},
             dependencies=[allow(any_staff=True, donor=True)],
             openapi_extra={"requestBody": {"content": {"multipart/form-data": {"schema": {
                 "type": "object", "required": ["kind", "file"],
                 "properties": {"kind": {"type": "string", "enum": [k.value for k in DocumentKind]},
                                "file": {"type": "string", "format": "binary"}}}}}}})
async def upload_document(claim_id: uuid.UUID, request: Request, caller: CallerDep, session: SessionDep) -> UploadOut:
    state = request.app.state
    claim = access.visible_claim(await repository.get(session, claim_id), caller)
    access.require_applicant_side(claim, caller)
    _still_open(claim, await repository.count_documents(session, claim_id))
    # Reading, re-encoding and encrypting take seconds for a big photo: no transaction, no row lock
    # and no pooled connection is held meanwhile; the claim is locked only to add the row.
    await session.rollback()
    try:
        upload = await read_upload(request, state.settings.max_document_bytes)
        try:
            kind = DocumentKind(upload.kind)
        except ValueError:
            raise Unprocessable(f"未知的材料类型 {upload.kind!r} (unknown kind)", field="kind") from None
        processed = await asyncio.to_thread(normalise, upload.content, sniff(upload.content))
    except DocumentRejected as exc:
        raise _rejected(exc) from exc
    address = await state.documents.put(processed.data)
    claim = access.visible_claim(await repository.get(session, claim_id, for_update=True), caller)
    _still_open(claim, await repository.count_documents(session, claim_id))
    document = ClaimDocument(claim_id=claim.id, kind=kind.value, address=address, media_type=processed.media_type,
                             size_bytes=len(processed.data), uploaded_by=f"{caller.kind}:{caller.subject}")
    session.add(document)
    await session.flush()
    await session.refresh(document, ["uploaded_at"])
    audit.record(session, claim, caller, "document_added", reason=kind.value,
                 detail={"document_id": str(document.id), "media_type": processed.media_type,
                         "size_bytes": len(processed.data)})
    documents = await repository.documents(session, claim.id)
    return UploadOut(
        document=DocumentOut(id=document.id, kind=document.kind, media_type=document.media_type,
                             size_bytes=document.size_bytes, uploaded_at=document.uploaded_at),
        missing_documents=missing_for(claim, documents),
    )


@router.get("/{document_id}", operation_id="get_document",
            summary="The stored file: the claim's donor and beneficiary, its province's reviewers, its registering "
                    "operator",
            description="Staff downloading an ID or bank-card photo give a `reason` (2-200 characters); every staff "
                        "download is recorded in the claim's history with who, when and why.",
            response_class=Response, responses=problem_responses(401, 403, 404, 422),
            dependencies=[allow(any_staff=True, donor=True)])
async def get_document(claim: ClaimDep, document_id: uuid.UUID, request: Request, caller: CallerDep,
                       session: SessionDep,
                       reason: Annotated[str | None, Query(min_length=2, max_length=200,
                                                           description="why staff open it (ID/bank-card photos)")]
                       = None) -> Response:
    if not access.can_read_documents(claim, caller):
        raise Forbidden("材料仅限本省审核人员和登记人查看 (documents: the province's reviewers and the registrant)")
    documents = {d.id: d for d in await repository.documents(session, claim.id)}
    document = documents.get(document_id)
    if document is None:
        raise NotFound("没有这个材料 (no such document)")
    if caller.kind == "staff":
        if document.kind in SENSITIVE_KINDS and not (reason and reason.strip()):
            raise Unprocessable("查看证件或银行卡照片须说明原因 (give a reason to open an ID or bank-card photo)",
                                field="reason")
        audit.record(session, claim, caller, "document_viewed", reason=reason,
                     detail={"document_id": str(document.id), "kind": document.kind})
    data = await request.app.state.documents.get(document.address)
    return Response(data, media_type=document.media_type,
                    headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"})
