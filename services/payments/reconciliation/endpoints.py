from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from kit.callers import allow, province_scope
from kit.db import SessionDep
from kit.identity import CallerDep
from kit.problems import ServiceUnavailable, problem_responses
from services.payments.channels.base import ChannelError
from services.payments.reconciliation import export, service
from services.payments.reconciliation.schemas import ReconciliationOut

# Finance of any province may run the day's reconciliation (the bank's statement is one for the
# platform) but sees the findings on its own province's disbursements only; admin sees all.
router = APIRouter(prefix="/v1", tags=["reconciliation"], dependencies=[allow(staff=("finance", "admin"))])
DateQuery = Annotated[date, Query(alias="date", description="the statement day, China time (YYYY-MM-DD)")]


@router.post(
    "/reconciliation/run", response_model=ReconciliationOut, status_code=status.HTTP_201_CREATED,
    operation_id="run_reconciliation", summary="Reconcile a day against every enabled channel's statement",
    description="Stores a new run each time; the latest run of a day is the one shown. Earlier runs and "
                "their mismatches are kept. 503 when a channel cannot give its statement.",
    responses=problem_responses(401, 403, 422, 503),
)
async def run_reconciliation(request: Request, day: DateQuery, caller: CallerDep,
                             session: SessionDep) -> ReconciliationOut:
    service.check_day(day)
    try:
        statements = await service.fetch_statements(request.app.state.channels, day)
    except ChannelError as exc:
        raise ServiceUnavailable(f"通道对账单暂不可用 (a channel statement is unavailable: {exc})",
                                 retry_after_s=30) from exc
    run, _ = await service.record(session, day, statements, trigger="manual", actor=caller.subject)
    province = province_scope(caller)
    return service.to_out(*await service.latest(session, day, province), scoped=province is not None)


@router.get(
    "/reconciliation", response_model=ReconciliationOut, operation_id="get_reconciliation",
    summary="A day's latest reconciliation: counts and every mismatch",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_reconciliation(day: DateQuery, caller: CallerDep, session: SessionDep) -> ReconciliationOut:
    province = province_scope(caller)
    return service.to_out(*await service.latest(session, day, province), scoped=province is not None)


@router.get(
    "/reconciliation.csv", operation_id="export_reconciliation", response_class=Response,
    summary="A day's latest reconciliation as CSV (UTF-8 with BOM, mismatches first)",
    responses={200: {"content": {"text/csv": {}}, "description": "every item, matched ones last"},
               **problem_responses(401, 403, 404, 422)},
)
async def export_reconciliation(day: DateQuery, caller: CallerDep, session: SessionDep) -> Response:
    run, items = await service.latest(session, day, province_scope(caller))
    return Response(export.to_csv(run, items), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="reconciliation-{day.isoformat()}.csv"'})
