from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from kit.callers import allow, province_scope
from kit.db import SessionDep
from kit.identity import CallerDep
from kit.problems import problem_responses
from services.claims.dashboard import service
from services.claims.dashboard.schemas import DashboardOut
from services.claims.intake import access

router = APIRouter(prefix="/v1", tags=["dashboard"])


@router.get("/dashboard", response_model=DashboardOut, operation_id="dashboard",
            summary="The console's dashboard figures: review on time by week, working days to decision, "
                    "direct-reduction rate and payment within 10 working days by month, claims by channel, "
                    "overdue now",
            description="Staff see their own province's figures, whatever `province` they ask (the response "
                        "names it); admin sees every province or one (`province`).",
            responses=problem_responses(401, 403, 422), dependencies=[allow(staff=access.STAFF_READERS)])
async def dashboard(
    request: Request, caller: CallerDep, session: SessionDep,
    weeks: Annotated[int, Query(ge=1, le=53)] = 12, months: Annotated[int, Query(ge=1, le=24)] = 6,
    province: access.ProvinceQuery = None,
) -> DashboardOut:
    scope = province_scope(caller)  # kit.callers: None for admin
    return await service.dashboard(session, province if scope is None else scope, weeks=weeks, months=months,
                                   review_working_days=request.app.state.settings.review_working_days)
