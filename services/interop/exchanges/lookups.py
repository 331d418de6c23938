"""Entitlement lookup for a named blood use (跨省额度查询): the donor province answers with a
summary and a quote with its explanation, never the donation records themselves. A donor we do
not know gets the same answer as one who is not eligible, so a lookup reveals nothing more."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from pydantic import Field

from kit.callers import allow, sees_province
from kit.identity import CallerDep
from kit.problems import Forbidden, NotFound, Problem, ServiceUnavailable, problem_responses
from services.interop.access import LOOKUP_ROLES, PARTNER_API, sees_platform
from services.interop.clients import local
from services.interop.clients import partner as partner_client
from services.interop.exchanges.schemas import LookupIn, LookupOut, LookupQuote, LookupSummary
from services.interop.inbound.endpoints import PARTNER_ERRORS
from services.interop.inbound.route import AdmittedDep, SignedRoute
from services.interop.partners import repository as partners

inbound = APIRouter(prefix="/interop/v1", tags=["partner-api"], route_class=SignedRoute, dependencies=[PARTNER_API])
outbound = APIRouter(prefix="/v1/outbound", tags=["outbound"])
NOT_ELIGIBLE = "未查询到符合减免条件的献血记录 (no entitlement for this blood use)"


def quote_request(body: LookupIn, province: str) -> dict[str, object]:
    return {
        "province": province,
        "donor": {"cert_type": body.donor.cert_type, "cert_number": body.donor.cert_number},
        "beneficiary": {"cert_type": body.beneficiary.cert_type, "cert_number": body.beneficiary.cert_number},
        "relationship": body.relationship, "used_on": body.use.used_on.isoformat(),
        "usage_province": body.use.usage_province, "items": [i.model_dump() for i in body.use.items],
        "blood_fee_fen": body.use.blood_fee_fen, "mutual_aid_fen": body.use.mutual_aid_fen,
    }


@inbound.post("/lookups", response_model=LookupOut, response_model_exclude_none=True, operation_id="partner_lookup",
              summary="Entitlement of one of our donors for a named blood use (summary and quote, no records)",
              responses=PARTNER_ERRORS)
async def lookup(body: LookupIn, request: Request, admitted: AdmittedDep) -> LookupOut:
    response = await local.call(request.app, "entitlement", "POST", "/v1/quotes",
                                json=quote_request(body, admitted.receiver_province))
    if response.status_code in (404, 422):
        return LookupOut(eligible=False, reason=NOT_ELIGIBLE)
    if response.status_code != 200:
        raise Problem(response.json().get("detail"), status=response.status_code, slug="lookup",
                      title="Lookup refused")
    q = response.json()
    # Mutual aid (用血互助金, DOMAIN 6.3) is refunded by the usage province to anyone our rules cover,
    # whatever is left of the mL quota: for it, being covered is the answer.
    eligible = q["reducible_fen"] > 0 or body.purpose == "mutual_aid"
    return LookupOut(
        eligible=eligible, reason=None if eligible else NOT_ELIGIBLE,
        summary=LookupSummary(donor_province=admitted.receiver_province, rule_set=q["rule_set"], pool=q["pool"],
                              unlimited=q["unlimited"], remaining_ml_before=q["remaining_ml_before"],
                              remaining_ml_after=q["remaining_ml_after"]),
        quote=LookupQuote(reducible_fen=q["reducible_fen"], covered_ml=q["covered_ml"], used_ml=q["used_ml"],
                          eligible_fee_fen=q["eligible_fee_fen"], explanation=q["explanation"]))


class OutboundLookupIn(LookupIn):
    donor_province: str = Field(pattern=r"^[0-9]{2}$", description="the donation province: whose partner we ask")


@outbound.post("/lookups", response_model=LookupOut, response_model_exclude_none=True,
               operation_id="ask_partner_lookup",
               summary="Ask the donor's province (a partner) for a donor's entitlement for a blood use",
               description="Staff ask for a blood use in their own province, on the platform that serves it "
                           "(admin: any); the donor's ID number travels in the signed message body, never in a "
                           "caller token.",
               responses=problem_responses(401, 403, 404, 422, 503), dependencies=[allow(staff=LOOKUP_ROLES)])
async def ask_lookup(body: OutboundLookupIn, request: Request, caller: CallerDep) -> LookupOut:
    if not (sees_platform(caller, request.app.state.settings.provinces)
            and sees_province(caller, body.use.usage_province)):
        raise Forbidden("只能为本省的用血查询 (staff ask for blood used in their own province)",
                        field="use.usage_province")
    async with request.app.state.sessionmaker() as session:
        partner = await partners.serving(session, body.donor_province)
    if partner is None:
        raise NotFound(f"没有服务省份 {body.donor_province} 的合作平台 (no partner serves it)", field="donor_province")
    payload = body.model_dump(mode="json", exclude={"donor_province"})
    try:
        reply = await partner_client.send(request.app, partner, method="POST", path="/lookups",
                                          body=json.dumps(payload, ensure_ascii=False).encode(),
                                          receiver_province=body.donor_province)
    except (partner_client.NotSent, partner_client.NoAnswer) as exc:
        raise ServiceUnavailable(f"合作平台 {partner.code} 暂不可用 ({exc})") from exc
    if reply.status != 200:
        data = reply.json() or {}
        raise Problem(data.get("detail"), status=422 if reply.status < 500 else 503, slug="partner-refused",
                      title="The partner refused the lookup", partner_status=reply.status)
    return LookupOut.model_validate(reply.json())
