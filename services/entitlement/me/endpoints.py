from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from kit import clock
from kit.callers import allow
from kit.db import SessionDep
from kit.identity import Caller, CallerDep
from kit.idnumbers import CertType
from kit.problems import Forbidden, NotFound, Unprocessable, problem_responses
from services.entitlement import rules
from services.entitlement.certificates import service as certificates
from services.entitlement.quotes import service as quotes
from services.entitlement.quotes.schemas import Item, QuoteOut
from services.entitlement.registry import repository as registry
from services.entitlement.registry.models import CERT_CONTEXT, PHONE_CONTEXT, Donor

router = APIRouter(prefix="/v1", tags=["donor self-service"])


async def _me(caller: Caller, session: AsyncSession) -> Donor:
    """The signed-in donor's own record, found by the person index in their caller token only."""
    if caller.kind != "donor" or not caller.cert_type or not caller.cert_index:
        raise Forbidden("only a signed-in donor with a bound identity asks about themselves")
    donor = await registry.donor_by_person(session, caller.cert_type, caller.cert_index)
    if donor is None:
        raise NotFound("没有您的献血记录 (no donation records for you)")
    return donor


@router.get("/me/certificate", operation_id="my_certificate",
            summary="The signed-in donor's e-certificate: donations, honours, remaining quotas",
            responses=problem_responses(401, 403, 404), dependencies=[allow(donor=True)])
async def my_certificate(request: Request, caller: CallerDep, session: SessionDep) -> dict[str, Any]:
    state = request.app.state
    donor = await _me(caller, session)
    return await certificates.certificate(session, donor, rule_sets=state.rule_sets, today=clock.today(),
                                          whole_name=True)


class EstimateIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"relationship": "parent", "items": [{"product": "red_cells", "quantity": 4}], "blood_fee_fen": 120000}]})

    province: str | None = Field(None, pattern=r"^[0-9]{2}$",
                                 description="donation province; defaults to the one where the donor gave blood")
    relationship: Literal["self", "spouse", "parent", "child", "sibling", "grandparent", "spouse_parent",
                          "child_spouse", "adoptive_parent", "adoptive_child", "step_parent", "step_child"] = "self"
    used_on: date | None = Field(None, description="planned use date; default today")
    usage_province: str | None = Field(None, pattern=r"^[0-9]{2}$")
    items: list[Item] = Field(min_length=1, max_length=50)
    blood_fee_fen: int = Field(gt=0)
    mutual_aid_fen: int = Field(0, ge=0, description="用血互助金 on the bill, where the rule set refunds it")


@router.post("/me/estimate", response_model=QuoteOut, operation_id="my_estimate",
             summary="减免测算: what a planned blood use would be reduced by (holds nothing)",
             description="Always about the signed-in donor's own records (their bound identity): the body names "
                         "no person.",
             responses=problem_responses(401, 403, 404, 422), dependencies=[allow(donor=True)])
async def my_estimate(body: EstimateIn, request: Request, caller: CallerDep, session: SessionDep) -> QuoteOut:
    state = request.app.state
    donor = await _me(caller, session)
    province = body.province
    if province is None:
        provinces = sorted({d.province for d in await registry.donations_of(session, donor.id)})
        if len(provinces) != 1:
            raise Unprocessable("您在多个省份献过血，请选择献血省份 (choose the donation province)", field="province")
        province = provinces[0]
    used_on = body.used_on or clock.today()
    request_ = rules.QuoteRequest(
        relationship=body.relationship, used_on=used_on, usage_province=body.usage_province or province,
        items=[rules.QuoteItem(product=i.product, quantity=i.quantity) for i in body.items],
        blood_fee_fen=body.blood_fee_fen, mutual_aid_fen=body.mutual_aid_fen)
    rule_set = quotes.rule_set_for(state.rule_sets, province, used_on)
    context = await quotes.quote_for_donor(session, donor, rule_set, request_)
    return quotes.quote_out(context)


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    cert_type: CertType = "resident_id"
    cert_number: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=64)


@router.post("/donors/contact", operation_id="donor_contact",
             summary="The phone on a donor's records, if name and ID match (the gateway only, to send an SMS code)",
             responses=problem_responses(401, 403, 404), dependencies=[allow(services=("gateway",))])
async def donor_contact(body: ContactIn, request: Request, session: SessionDep) -> dict[str, str]:
    state = request.app.state
    donor = await registry.donor_by_cert(session, body.cert_type,
                                         state.blind_index.digest(body.cert_number.upper(), context=CERT_CONTEXT))
    # One answer for "no such donor", "another name" and "no phone": nothing to learn from it.
    if donor is None or donor.name != body.name or donor.phone_encrypted is None:
        raise NotFound("no match")
    return {"phone": state.cipher.decrypt(donor.phone_encrypted, context=PHONE_CONTEXT)}


