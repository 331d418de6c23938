"""Cross-province direct reduction (跨省直免): the usage province's hospital asks its own
platform, which gets an authorisation (a hold with a notice number) from the donor's province;
the settlement or a cancellation is reported to the donor's province against that number."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from kit.problems import NotFound, Problem, ServiceUnavailable, problem_responses
from services.interop.access import FROM_CLAIMS, PARTNER_API
from services.interop.clients import local
from services.interop.clients import partner as partner_client
from services.interop.exchanges.claims_in import passed_on
from services.interop.exchanges.schemas import Item, Person
from services.interop.inbound.endpoints import PARTNER_ERRORS, PARTNER_OBJECT_ERRORS
from services.interop.inbound.route import AdmittedDep, SignedRoute
from services.interop.outbox.deliver import enqueue
from services.interop.outbox.models import OutboundMessage
from services.interop.partners import repository as partners

inbound = APIRouter(prefix="/interop/v1", tags=["partner-api"], route_class=SignedRoute, dependencies=[PARTNER_API])
local_router = APIRouter(prefix="/v1", tags=["outbound"])


class KinshipEvidence(BaseModel):
    kind: str = Field(pattern="^(pledge|document)$")
    reference: str | None = Field(None, max_length=128)


class AuthorisationRequest(BaseModel):
    """A hospital's request at the usage province, for one of the donor province's donors."""

    model_config = ConfigDict(extra="forbid")

    authorisation_ref: str = Field(min_length=4, max_length=64, description="the sender's own reference")
    consent_ref: str = Field(min_length=4, max_length=128, description="the patient's signed consent at the hospital")
    hospital_name: str = Field(min_length=1, max_length=128)
    patient: Person
    donor: Person
    relationship: str = Field(max_length=32)
    kinship_evidence: KinshipEvidence | None = None
    used_on: date
    items: list[Item] = Field(min_length=1, max_length=50)
    blood_fee_fen: int = Field(gt=0)


class Authorisation(BaseModel):
    eligible: bool
    notice_no: str | None = Field(None, description="the donor province's notice number: quote it in every report")
    max_reducible_fen: int = 0
    valid_until: date | None = None
    reason: str | None = None
    explanation: list[str] = []


class SettlementReport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    receipt_no: str = Field(min_length=1, max_length=64)
    settled_on: date
    items: list[Item] = Field(min_length=1, max_length=50)
    blood_fee_fen: int = Field(gt=0)
    reduced_fen: int = Field(ge=0)
    invoice: dict[str, str]


class CancelReport(BaseModel):
    reason: str = Field(min_length=2, max_length=500)


def _authorisation(data: dict[str, Any]) -> Authorisation:
    return Authorisation(eligible=data["eligible"], notice_no=data.get("notice_no"),
                         max_reducible_fen=data.get("max_reducible_fen", 0), valid_until=data.get("valid_until"),
                         reason=data.get("reason"), explanation=data.get("explanation", []))


@inbound.post("/authorisations", response_model=Authorisation, operation_id="partner_authorise",
              summary="Authorise a direct reduction for one of our donors: a hold under our notice number",
              description="`eligible: false` with the reason when nothing is reducible (a donor we do not know "
                          "included, in the same words).", responses=PARTNER_ERRORS)
async def authorise(body: AuthorisationRequest, request: Request, admitted: AdmittedDep) -> Authorisation:
    notice = {"province": admitted.receiver_province, "patient": body.patient.model_dump(),
              "donor": body.donor.model_dump(), "relationship": body.relationship,
              "kinship_evidence": body.kinship_evidence.model_dump() if body.kinship_evidence else None,
              "used_on": body.used_on.isoformat(), "items": [i.model_dump() for i in body.items],
              "blood_fee_fen": body.blood_fee_fen}
    answer = await local.call(request.app, "claims", "POST", "/v1/cross-province/authorisations", json={
        "partner": admitted.partner_code, "usage_province": admitted.sender_province, "notice": notice})
    if answer.status_code != 200:
        raise passed_on(answer, prefix="notice.")
    return _authorisation(answer.json())


@inbound.post("/authorisations/{notice_no}/settlement", response_model=Authorisation,
              operation_id="partner_report_settlement",
              summary="The hospital settled: the reduced amount is consumed from the donor's quota",
              responses=PARTNER_OBJECT_ERRORS)
async def report_settlement(notice_no: str, body: SettlementReport, request: Request,
                            admitted: AdmittedDep) -> Authorisation:
    answer = await local.call(request.app, "claims", "POST",
                              f"/v1/cross-province/authorisations/{notice_no}/settlement",
                              json={"partner": admitted.partner_code, "settlement": body.model_dump(mode="json")})
    if answer.status_code != 200:
        raise passed_on(answer, prefix="settlement.")
    return _authorisation(answer.json())


@inbound.post("/authorisations/{notice_no}/cancel", response_model=Authorisation,
              operation_id="partner_cancel_authorisation", summary="The notice was not used: the hold is released",
              responses=PARTNER_OBJECT_ERRORS)
async def cancel_authorisation(notice_no: str, body: CancelReport, request: Request,
                               admitted: AdmittedDep) -> Authorisation:
    answer = await local.call(request.app, "claims", "POST", f"/v1/cross-province/authorisations/{notice_no}/cancel",
                              json={"partner": admitted.partner_code, "reason": body.reason})
    if answer.status_code != 200:
        raise passed_on(answer)
    return _authorisation(answer.json())


class AskAuthorisation(BaseModel):
    authorisation_ref: str
    hospital_code: str
    usage_province: str
    donor_province: str
    notice: dict[str, Any]


@local_router.post("/outbound/authorisations", response_model=Authorisation, operation_id="ask_partner_authorisation",
                   summary="Ask the donor's province to authorise a hospital's notice (synchronous)",
                   dependencies=[FROM_CLAIMS], responses=problem_responses(401, 403, 404, 422, 503))
async def ask_authorisation(body: AskAuthorisation, request: Request) -> Authorisation:
    app = request.app
    async with app.state.sessionmaker() as session:
        partner = await partners.serving(session, body.donor_province)
    if partner is None:
        raise NotFound(f"没有服务省份 {body.donor_province} 的合作平台 (no active partner serves it)", field="province")
    n = body.notice
    message = {"authorisation_ref": body.authorisation_ref,
               "consent_ref": f"{body.hospital_code}-{body.authorisation_ref}",
               "hospital_name": body.hospital_code, "patient": n["patient"], "donor": n["donor"],
               "relationship": n["relationship"], "kinship_evidence": n.get("kinship_evidence"),
               "used_on": n["used_on"], "items": n["items"], "blood_fee_fen": n["blood_fee_fen"]}
    try:
        reply = await partner_client.send(app, partner, method="POST", path="/authorisations",
                                          body=json.dumps(message, ensure_ascii=False).encode(),
                                          receiver_province=body.donor_province)
    except (partner_client.NotSent, partner_client.NoAnswer) as exc:
        raise ServiceUnavailable(f"献血地平台 {partner.code} 暂不可用 ({exc})") from exc
    data = reply.json() or {}
    if reply.status != 200:
        raise Problem(data.get("detail"), status=503 if reply.status >= 500 else 422, slug="partner-refused",
                      title="The donor's province refused", partner_status=reply.status)
    return _authorisation(data)


class ReductionEvent(BaseModel):
    model_config = ConfigDict(extra="ignore")

    partner: str
    partner_notice_no: str
    notice_no: str
    province: str
    event: str = Field(pattern="^(settled|cancelled)$")
    settlement: dict[str, Any] | None = None
    reason: str | None = None


@local_router.post("/reduction-events", status_code=202, operation_id="reduction_event_for_partner",
                   summary="A partner-authorised notice was settled or cancelled here: report it",
                   dependencies=[FROM_CLAIMS], responses=problem_responses(401, 403, 404))
async def reduction_event(body: ReductionEvent, request: Request) -> dict[str, str]:
    app = request.app
    case_key = f"authorisation:{body.partner}:{body.partner_notice_no}"
    async with app.state.sessionmaker() as session, session.begin():
        stmt = select(OutboundMessage.id).where(OutboundMessage.case_key == case_key,
                                                OutboundMessage.kind == f"reduction_{body.event}")
        if (await session.execute(stmt)).first() is not None:
            return {"status": "queued before"}
        if body.event == "settled":
            s = body.settlement or {}
            payload: dict[str, Any] = {k: s[k] for k in ("receipt_no", "settled_on", "items", "blood_fee_fen",
                                                         "reduced_fen", "invoice")}
            path = f"/authorisations/{body.partner_notice_no}/settlement"
        else:
            payload, path = {"reason": body.reason or "未使用"}, f"/authorisations/{body.partner_notice_no}/cancel"
        enqueue(session, app.state.cipher, partner_code=body.partner, case_key=case_key,
                kind=f"reduction_{body.event}", method="POST", path=path, payload=payload,
                receiver_province=body.province, context={"notice_no": body.notice_no})
    return {"status": "queued"}
