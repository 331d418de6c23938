"""Claims a partner forwards to us (we are the donation province and decide): documents first,
each by its SHA-256, then the claim naming them; its state is answered, pollable, cancellable.
Idempotent by message id (the route) and by the sender's claim reference (claims' case key)."""

from __future__ import annotations

import hashlib
from typing import Any

from fastapi import APIRouter, Path, Request, Response, status
from pydantic import BaseModel
from sqlalchemy.dialects.postgresql import insert

from kit.problems import Problem, Unprocessable
from services.interop.access import PARTNER_API
from services.interop.clients import local
from services.interop.exchanges.schemas import CancelIn, ClaimState, ForwardedClaimIn
from services.interop.inbound.endpoints import PARTNER_ERRORS, PARTNER_OBJECT_ERRORS
from services.interop.inbound.models import InboundDocument
from services.interop.inbound.route import AdmittedDep, SignedRoute

router = APIRouter(prefix="/interop/v1", tags=["partner-api"], route_class=SignedRoute, dependencies=[PARTNER_API])
MEDIA_TYPES = ("image/jpeg", "image/png", "application/pdf")
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024


class DocumentReceived(BaseModel):
    sha256: str
    size_bytes: int


def passed_on(response: Any, prefix: str = "claim.", field: str | None = None) -> Problem:
    """A refusal by our claims service, told to the partner in its own words (fields renamed)."""
    data = response.json()
    errors = data.get("errors") or []
    if field is None:
        field = errors[0]["field"].removeprefix(prefix) if errors else None
        field = field.replace("usage.", "use.") if field else None
    extra = {k: v for k, v in data.items() if k in ("earlier_reference", "missing_documents")}
    return Problem(data.get("detail"), status=response.status_code, slug=data.get("type", "").rsplit("/", 1)[-1]
                   or "refused", title=data.get("title", "Refused"), field=field, **extra)


@router.put("/documents/{sha256}", response_model=DocumentReceived, status_code=status.HTTP_201_CREATED,
            operation_id="partner_put_document",
            summary="One document of a claim to come (JPEG, PNG or PDF, at most 10 MB), named by its SHA-256",
            responses=PARTNER_OBJECT_ERRORS)
async def put_document(request: Request, admitted: AdmittedDep,
                       sha256: str = Path(pattern=r"^[0-9a-f]{64}$")) -> DocumentReceived:
    body = await request.body()
    media_type = request.headers.get("content-type", "").split(";")[0].strip()
    if media_type not in MEDIA_TYPES:
        raise Problem("仅接受 JPEG、PNG 或 PDF (only JPEG, PNG or PDF)", status=415, slug="unsupported-media-type",
                      title="Unsupported media type", field="Content-Type")
    if len(body) > MAX_DOCUMENT_BYTES:
        raise Problem("材料超过 10 MB (document larger than 10 MB)", status=413, slug="too-large", title="Too large")
    if hashlib.sha256(body).hexdigest() != sha256:
        raise Unprocessable("材料内容与 SHA-256 不符 (the body does not match the sha256 in the path)", field="sha256")
    async with request.app.state.sessionmaker() as session, session.begin():
        await session.execute(insert(InboundDocument).values(
            partner_code=admitted.partner_code, sha256=sha256, media_type=media_type, content=body,
        ).on_conflict_do_nothing())
    return DocumentReceived(sha256=sha256, size_bytes=len(body))


def claim_in(body: ForwardedClaimIn, province: str) -> dict[str, Any]:
    return {
        "province": province, "channel": None,
        "donor": {**body.donor.model_dump(), "phone": body.donor_phone},
        "beneficiary": body.beneficiary.model_dump(), "relationship": body.relationship,
        "kinship_evidence": body.kinship_evidence, "agent": None, "donor_deceased": body.donor_deceased,
        "usage": {"hospital_name": body.use.hospital_name, "usage_province": body.use.usage_province,
                  "used_on": body.use.used_on.isoformat(), "paid_on": body.paid_on.isoformat(),
                  "items": [i.model_dump() for i in body.use.items]},
        "invoice": body.invoice.model_dump(mode="json"), "payee": body.payee.model_dump(),
    }


@router.post("/claims", response_model=ClaimState, status_code=status.HTTP_201_CREATED,
             operation_id="partner_forward_claim",
             summary="Forward a claim for one of our donors; we decide and pay (跨省转办)",
             description="Every document must have been sent before (PUT /documents/{sha256}). The same "
                         "`sender_claim_ref` again answers the case's current state (200), whatever the message id.",
             responses={200: {"model": ClaimState, "description": "the case was forwarded before"}, **PARTNER_ERRORS})
async def forward_claim(body: ForwardedClaimIn, request: Request, response: Response,
                        admitted: AdmittedDep) -> ClaimState:
    app, partner, ref = request.app, admitted.partner_code, body.sender_claim_ref
    async with app.state.sessionmaker() as session:
        for i, document in enumerate(body.documents):
            if await session.get(InboundDocument, (partner, document.sha256)) is None:
                raise Unprocessable(f"材料 {document.sha256} 尚未收到 (send it first with PUT /documents/{{sha256}})",
                                    field=f"documents[{i}].sha256")
    # Claims opens the case (checked, a draft), takes each document in a request of its own (so
    # each stays within the upload body limit) and submits it; every step is idempotent by case.
    opened = await local.call(app, "claims", "POST", "/v1/cross-province/claims", json={
        "partner": partner, "sender_claim_ref": ref, "claim": claim_in(body, admitted.receiver_province),
        "documents": [{"kind": d.kind, "sha256": d.sha256} for d in body.documents]})
    if opened.status_code not in (200, 201):
        raise passed_on(opened)
    index = {d.sha256: i for i, d in enumerate(body.documents)}
    for sha256 in opened.json()["awaiting_documents"]:
        async with app.state.sessionmaker() as session:
            stored = await session.get(InboundDocument, (partner, sha256))
            assert stored is not None
            content, media_type = stored.content, stored.media_type
        attached = await local.call(app, "claims", "PUT",
                                    f"/v1/cross-province/claims/{partner}/{ref}/documents/{sha256}",
                                    params={"kind": body.documents[index[sha256]].kind}, content=content,
                                    headers={"Content-Type": media_type})
        if attached.status_code != 200:
            raise passed_on(attached, field=f"documents[{index[sha256]}]")
    submitted = await local.call(app, "claims", "POST", f"/v1/cross-province/claims/{partner}/{ref}/submit")
    if submitted.status_code != 200:
        raise passed_on(submitted)
    response.status_code = opened.status_code
    return ClaimState.model_validate(submitted.json())


@router.get("/claims/{sender_claim_ref}", response_model=ClaimState, operation_id="partner_claim_state",
            summary="The current state of a claim you forwarded (poll)", responses=PARTNER_OBJECT_ERRORS)
async def claim_state(sender_claim_ref: str, request: Request, admitted: AdmittedDep) -> ClaimState:
    answer = await local.call(request.app, "claims", "GET",
                              f"/v1/cross-province/claims/{admitted.partner_code}/{sender_claim_ref}")
    if answer.status_code != 200:
        raise passed_on(answer)
    return ClaimState.model_validate(answer.json())


@router.post("/claims/{sender_claim_ref}/cancel", response_model=ClaimState, operation_id="partner_cancel_claim",
             summary="Cancel a forwarded claim (only before review starts; else 409 with the state unchanged)",
             responses=PARTNER_OBJECT_ERRORS)
async def cancel_claim(sender_claim_ref: str, body: CancelIn, request: Request, admitted: AdmittedDep) -> ClaimState:
    answer = await local.call(request.app, "claims", "POST",
                              f"/v1/cross-province/claims/{admitted.partner_code}/{sender_claim_ref}/cancel",
                              json={"partner": admitted.partner_code, "reason": body.reason})
    if answer.status_code != 200:
        raise passed_on(answer)
    return ClaimState.model_validate(answer.json())


@router.post("/claim-status", response_model=ClaimState, operation_id="partner_push_claim_status",
             summary="The donation province's new state of a claim we forwarded to it (older states are ignored)",
             responses=PARTNER_OBJECT_ERRORS)
async def claim_status(body: ClaimState, request: Request, admitted: AdmittedDep) -> ClaimState:
    answer = await local.call(request.app, "claims", "POST",
                              f"/v1/cross-province/forwarded/{body.sender_claim_ref}/partner-status",
                              json={"partner": admitted.partner_code, **body.model_dump(mode="json")})
    if answer.status_code != 200:
        raise passed_on(answer)
    return ClaimState.model_validate({**answer.json(), "status": body.status})
