"""Our side of forwarded claims, both ways, through the outbox:

- usage side: claims hands us a claim for a partner's donor; we queue its documents and then the
  claim itself to the partner (one case, in order) and mirror the answers into claims;
- donation side: claims tells us each new state of a partner's case; we push it to the partner.
"""

from __future__ import annotations

import hashlib
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response, status
from pydantic import BaseModel, Field
from sqlalchemy import any_, select

from kit import clock
from kit.callers import allow
from kit.identity import CallerDep
from kit.problems import NotFound, ServiceUnavailable, Unprocessable, problem_responses
from services.interop.access import FROM_CLAIMS, REFRESH_ROLES, sees_platform
from services.interop.clients import local
from services.interop.clients import partner as partner_client
from services.interop.exchanges.effects import effect
from services.interop.exchanges.schemas import ClaimState
from services.interop.outbox.deliver import EffectRetry, enqueue
from services.interop.outbox.models import OutboundMessage
from services.interop.partners import repository as partners
from services.interop.partners.models import Partner

router = APIRouter(prefix="/v1", tags=["outbound"])


class RouteOut(BaseModel):
    province: str
    partner: str | None = Field(description="the partner platform that decides this donation province; null: we do")


@router.get("/routing/{province}", response_model=RouteOut, operation_id="route_province",
            summary="Which partner decides claims of a donation province", dependencies=[FROM_CLAIMS],
            responses=problem_responses(401, 403))
async def route_province(province: str, request: Request) -> RouteOut:
    if province in request.app.state.settings.provinces:
        return RouteOut(province=province, partner=None)
    async with request.app.state.sessionmaker() as session:
        stmt = select(Partner.code).where(any_(Partner.provinces) == province).limit(1)
        code = (await session.execute(stmt)).scalar_one_or_none()
    return RouteOut(province=province, partner=code)


class ForwardIn(BaseModel):
    claim_id: str
    partner: str


def consent_ref(province: str, reference: str) -> str:
    """The applicant's signed application here is the consent (授权同意) to share it with the donor province."""
    return f"{province}-APPLICATION-{reference}"


async def _existing(session: Any, case_key: str, kind: str) -> OutboundMessage | None:
    stmt = select(OutboundMessage).where(OutboundMessage.case_key == case_key, OutboundMessage.kind == kind).limit(1)
    return (await session.execute(stmt)).scalar_one_or_none()


@router.post("/outbound/claims", status_code=status.HTTP_202_ACCEPTED, operation_id="forward_claim_to_partner",
             summary="Queue a claim (documents first) for the partner that decides it", dependencies=[FROM_CLAIMS],
             responses=problem_responses(401, 403, 404, 422, 503))
async def forward_to_partner(body: ForwardIn, request: Request, response: Response) -> dict[str, str]:
    app = request.app
    case_key = f"claim:{body.claim_id}"
    async with app.state.sessionmaker() as session:
        partner = await partners.get(session, body.partner)
        if partner is None:
            raise NotFound(f"没有合作平台 {body.partner} (no such partner)", field="partner")
        if await _existing(session, case_key, "forward_claim") is not None:
            response.status_code = status.HTTP_200_OK
            return {"status": "queued before"}
    exported = await local.call(app, "claims", "GET", f"/v1/cross-province/forwarded/{body.claim_id}/export")
    if exported.status_code != 200:
        raise Unprocessable(f"claims refused the export: {exported.text[:200]}", field="claim_id")
    claim = exported.json()
    documents = []
    for document in claim["documents"]:
        path = f"/v1/cross-province/forwarded/{body.claim_id}/documents/{document['id']}"
        fetched = await local.call(app, "claims", "GET", path)
        if fetched.status_code != 200:
            raise ServiceUnavailable(f"document {document['id']} not readable now")
        documents.append((document, fetched.content, hashlib.sha256(fetched.content).hexdigest()))
    message = {
        "sender_claim_ref": claim["sender_claim_ref"], "consent_ref": consent_ref(app.state.settings.provinces[0],
                                                                                 claim["sender_claim_ref"]),
        "channel": claim["channel"], "donor": claim["donor"], "donor_phone": claim["donor_phone"],
        "beneficiary": claim["beneficiary"], "relationship": claim["relationship"],
        "kinship_evidence": claim["kinship_evidence"], "donor_deceased": claim["donor_deceased"],
        "use": claim["use"], "paid_on": claim["paid_on"], "invoice": claim["invoice"], "payee": claim["payee"],
        "documents": [{"kind": d["kind"], "sha256": sha} for d, _, sha in documents],
    }
    async with app.state.sessionmaker() as session, session.begin():
        if await _existing(session, case_key, "forward_claim") is None:
            for document, content, sha in documents:
                enqueue(session, app.state.cipher, partner_code=partner.code, case_key=case_key, kind="document",
                        method="PUT", path=f"/documents/{sha}", payload=content, receiver_province=claim["province"],
                        content_type=document["media_type"])
            enqueue(session, app.state.cipher, partner_code=partner.code, case_key=case_key, kind="forward_claim",
                    method="POST", path="/claims", payload=message, receiver_province=claim["province"],
                    context={"claim_ref": claim["sender_claim_ref"]})
    return {"status": "queued"}


class ClaimEventIn(BaseModel):
    case: str = Field(pattern=r"^[a-z][a-z0-9-]{1,31}:.+$", description="<partner>:<its claim reference>")
    claim_ref: str
    status: str
    seq: int
    eligible_fen: int | None = None
    approved_fen: int | None = None
    paid_fen: int | None = None
    reason_code: str | None = None
    note: str | None = None
    due_on: str | None = None


@router.post("/claim-events", status_code=status.HTTP_202_ACCEPTED, operation_id="claim_event_for_partner",
             summary="A new state of a partner's forwarded claim, to push to that partner",
             dependencies=[FROM_CLAIMS], responses=problem_responses(401, 403, 404, 422))
async def claim_event(body: ClaimEventIn, request: Request) -> dict[str, str]:
    app = request.app
    code, sender_ref = body.case.split(":", 1)
    case_key = f"claim:{code}:{sender_ref}"
    async with app.state.sessionmaker() as session, session.begin():
        partner = await partners.get(session, code)
        if partner is None:
            raise NotFound(f"没有合作平台 {code} (no such partner)", field="case")
        stmt = select(OutboundMessage.id).where(OutboundMessage.case_key == case_key,
                                                OutboundMessage.context["seq"].as_integer() == body.seq)
        if (await session.execute(stmt)).first() is not None:
            return {"status": "queued before"}
        state = ClaimState(sender_claim_ref=sender_ref, claim_ref=body.claim_ref, status=body.status,  # type: ignore[arg-type]
                           seq=body.seq, eligible_fen=body.eligible_fen, approved_fen=body.approved_fen,
                           paid_fen=body.paid_fen, reason_code=body.reason_code, note=body.note,
                           due_on=body.due_on, at=clock.now())  # type: ignore[arg-type]
        enqueue(session, app.state.cipher, partner_code=code, case_key=case_key, kind="claim_status", method="POST",
                path="/claim-status", payload=state.model_dump(mode="json"),
                receiver_province=partner.provinces[0], context={"seq": body.seq})
    return {"status": "queued"}


async def _mirror(app: FastAPI, reference: str, partner: str, state: dict[str, Any]) -> None:
    answer = await local.call(app, "claims", "POST", f"/v1/cross-province/forwarded/{reference}/partner-status",
                              json={**state, "partner": partner})
    if answer.status_code != 200:
        raise EffectRetry(f"claims did not record the partner's state: HTTP {answer.status_code}")


@effect("forward_claim")
async def forwarded(app: FastAPI, row: OutboundMessage, status_code: int, body: Any) -> None:
    reference = row.context["claim_ref"]
    try:
        if status_code < 300:
            await _mirror(app, reference, row.partner_code, body)
        else:
            detail = (body or {}).get("detail") if isinstance(body, dict) else None
            await _mirror(app, reference, row.partner_code, {
                "status": "rejected", "seq": 0, "reason_code": "partner_refused",
                "note": f"献血地省份平台未受理：{detail or status_code}"})
    except ServiceUnavailable as exc:
        raise EffectRetry(str(exc)) from exc


@router.post("/outbound/claims/{reference}/refresh", response_model=ClaimState, operation_id="refresh_partner_status",
             summary="Ask the deciding partner for a forwarded claim's state now (poll) and mirror it",
             responses=problem_responses(401, 403, 404, 503), dependencies=[allow(staff=REFRESH_ROLES)])
async def refresh(reference: str, request: Request, caller: CallerDep) -> ClaimState:
    app = request.app
    if not sees_platform(caller, app.state.settings.provinces):
        raise NotFound(f"没有转出的申请 {reference} (no forwarded claim with this reference)")
    async with app.state.sessionmaker() as session:
        stmt = select(OutboundMessage).where(OutboundMessage.kind == "forward_claim",
                                             OutboundMessage.context["claim_ref"].as_string() == reference).limit(1)
        row = (await session.execute(stmt)).scalar_one_or_none()
        partner = await partners.get(session, row.partner_code) if row else None
    if row is None or partner is None:
        raise NotFound(f"没有转出的申请 {reference} (no forwarded claim with this reference)")
    try:
        reply = await partner_client.send(app, partner, method="GET", path=f"/claims/{reference}", body=b"",
                                          receiver_province=row.context["receiver_province"])
    except (partner_client.NotSent, partner_client.NoAnswer) as exc:
        raise ServiceUnavailable(f"合作平台 {partner.code} 暂不可用 ({exc})") from exc
    if reply.status != 200:
        raise NotFound(f"合作平台尚无此申请 (the partner answered {reply.status})")
    state = reply.json()
    await _mirror(app, reference, partner.code, state)
    return ClaimState.model_validate(state)


class CancellationIn(BaseModel):
    claim_id: str
    partner: str
    reference: str
    province: str
    reason: str = Field(min_length=2, max_length=500)


@router.post("/claim-cancellations", status_code=status.HTTP_202_ACCEPTED, operation_id="cancel_at_partner",
             summary="The applicant withdraws a forwarded claim: ask the partner to cancel (after the forward)",
             dependencies=[FROM_CLAIMS], responses=problem_responses(401, 403, 404))
async def cancel_at_partner(body: CancellationIn, request: Request) -> dict[str, str]:
    app = request.app
    case_key = f"claim:{body.claim_id}"  # the forward's case: the cancellation follows it
    async with app.state.sessionmaker() as session, session.begin():
        if await partners.get(session, body.partner) is None:
            raise NotFound(f"没有合作平台 {body.partner} (no such partner)", field="partner")
        if await _existing(session, case_key, "cancel_claim") is not None:
            return {"status": "queued before"}
        enqueue(session, app.state.cipher, partner_code=body.partner, case_key=case_key, kind="cancel_claim",
                method="POST", path=f"/claims/{body.reference}/cancel", payload={"reason": body.reason},
                receiver_province=body.province, context={"claim_ref": body.reference})
    return {"status": "queued"}


@effect("cancel_claim")
async def cancelled(app: FastAPI, row: OutboundMessage, status_code: int, body: Any) -> None:
    """Withdrawn there: mirrored here. A 409 (review started) changes nothing: the partner's own
    pushes say where the claim stands."""
    if status_code < 300:
        try:
            await _mirror(app, row.context["claim_ref"], row.partner_code, body)
        except ServiceUnavailable as exc:
            raise EffectRetry(str(exc)) from exc
