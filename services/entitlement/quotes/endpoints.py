from __future__ import annotations

from fastapi import APIRouter, Request

from kit.callers import allow, sees_province
from kit.db import ReadSessionDep
from kit.identity import CallerDep
from kit.problems import problem_responses
from services.entitlement.quotes import service
from services.entitlement.quotes.schemas import QuoteIn, QuoteOut

router = APIRouter(prefix="/v1", tags=["quotes"])
QUOTE_ROLES = ("station_operator", "reviewer", "senior_reviewer", "hospital_operator", "admin")


@router.post(
    "/quotes", response_model=QuoteOut, operation_id="quote",
    summary="What one blood use may be reduced by, and why (holds nothing)",
    description="`province` is the donation province: the rule set in force there on `used_on` decides. "
                "The explanation lists the rule set and legal reference, each donation counted, the pool "
                "arithmetic, the price and any cap applied. Staff quote donations of their own province "
                "only (admin: all); another province's donor is a 404, like an unknown one.",
    responses=problem_responses(401, 403, 404, 422, 503),
    dependencies=[allow(staff=QUOTE_ROLES)],
)
async def quote(request: Request, body: QuoteIn, caller: CallerDep, session: ReadSessionDep) -> QuoteOut:
    if not sees_province(caller, body.province):  # holds nothing: reads only
        raise service.no_donor()
    context = await service.quote(session, body, rule_sets=request.app.state.rule_sets,
                                  index=request.app.state.blind_index)
    return service.quote_out(context, body)
