from __future__ import annotations

import asyncio
import uuid

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel

from kit.db import SessionDep
from kit.identity import CallerDep
from kit.problems import Conflict, NotFound, Problem, Unprocessable, problem_responses
from services.claims.audit import service as audit
from services.claims.documents.kinds import DocumentKind
from services.claims.documents.processing import DocumentRejected, normalise, sniff
from services.claims.documents.upload import read_upload
from services.claims.intake import access, repository
from services.claims.intake.deps import ClaimDep
from services.claims.intake.models import ClaimDocument
from services.claims.intake.schemas import DocumentOut
from services.claims.intake.service import missing_for

router = APIRouter(prefix="/v1/claims/{claim_id}/documents", tags=["documents"])
# Documents can be added while the applicant is still preparing or when the reviewer asks.
OPEN_FOR_DOCUMENTS = ("draft", "needs_more_info")


class UploadOut(BaseModel):
    document: DocumentOut
    missing_documents: list[str]


def _rejected(exc: DocumentRejected) -> Problem:
    slug = {413: "too-large", 415: "unsupported-media-type"}.get(exc.status, "document-rejected")
    return Problem(exc.detail, status=exc.status, slug=slug, title="Document refused", field="file")


@router.post("", response_model=UploadOut, status_code=status.HTTP_201_CREATED, operation_id="upload_document",
             summary="Upload one document (multipart: kind, file); JPEG, PNG or PDF by content, at most 10 MB",
             description="Images are re-encoded (EXIF and GPS dropped, pixel limit enforced); files are stored by "
                         "content address. The response lists the documents still missing.",
             responses=problem_responses(401, 403, 404, 409, 413, 422) | {415: {"description": "Not JPEG/PNG/PDF"}},
             openapi_extra={"requestBody": {"content": {"multipart/form-data": {"schema": {
                 "type": "object", "required": ["kind", "file"],
                 "properties": {"kind": {"type": "string", "enum": [k.value for k in DocumentKind]},
                                "file": {"type": "string", "format": "binary"}}}}}}})
async def upload_document(claim: ClaimDep, request: Request, caller: CallerDep, session: SessionDep) -> UploadOut:
    state = request.app.state
    access.require_applicant_side(claim, caller, state.blind_index)
    if claim.status not in OPEN_FOR_DOCUMENTS:
        raise Conflict(f"申请状态为 {claim.status}，不能再上传材料 (documents are closed in this state)")
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


@router.get("/{document_id}", operation_id="get_document", summary="The stored file (the claim's parties and reviewers)",
            response_class=Response, responses=problem_responses(401, 404))
async def get_document(claim: ClaimDep, document_id: uuid.UUID, request: Request, session: SessionDep) -> Response:
    documents = {d.id: d for d in await repository.documents(session, claim.id)}
    document = documents.get(document_id)
    if document is None:
        raise NotFound("没有这个材料 (no such document)")
    data = await request.app.state.documents.get(document.address)
    return Response(data, media_type=document.media_type,
                    headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"})
