from __future__ import annotations

from fastapi import APIRouter, Request

from kit.db import SessionDep
from kit.identity import require_roles
from kit.problems import problem_responses
from services.entitlement.quotes import service
from services.entitlement.quotes.schemas import QuoteIn, QuoteOut

router = APIRouter(prefix="/v1", tags=["quotes"])
QUOTE_ROLES = ("station_operator", "reviewer", "senior_reviewer", "hospital_operator", "admin", "system")


@router.post(
    "/quotes", response_model=QuoteOut, operation_id="quote",
    summary="What one blood use may be reduced by, and why (holds nothing)",
    description="`province` is the donation province: the rule set in force there on `used_on` decides. "
                "The explanation lists the rule set and legal reference, each donation counted, the pool "
                "arithmetic, the price and any cap applied.",
    responses=problem_responses(401, 403, 404, 422, 503),
    dependencies=[require_roles(*QUOTE_ROLES)],
)
async def quote(request: Request, body: QuoteIn, session: SessionDep) -> QuoteOut:
    context = await service.quote(session, body, rule_sets=request.app.state.rule_sets,
                                  index=request.app.state.blind_index)
    return service.quote_out(context, body)
