"""Transfers stuck at the channel: still pending or sent long after their last change."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request

from kit import clock
from kit.callers import allow
from kit.db import SessionDep
from kit.identity import CallerDep
from kit.paging import PagingDep, paged
from kit.problems import problem_responses
from services.payments.disbursements import repository, service
from services.payments.disbursements.models import Disbursement
from services.payments.disbursements.schemas import DisbursementSummary

router = APIRouter(prefix="/v1/alarms", tags=["alarms"])


@router.get("/transfers", response_model=list[DisbursementSummary], operation_id="stuck_transfers",
            summary="Transfers pending or sent (processing at the bank) beyond the configured time",
            description="`PAYMENTS_STUCK_TRANSFER_ALARM_S` (default 24 h) after their last state change; the "
                        "longest stuck first. `last_error` says what the worker last heard. Finance sees its "
                        "province's; admin all.",
            responses={**paged(), **problem_responses(401, 403, 422)}, dependencies=[allow(staff=("admin", "finance"))])
async def stuck_transfers(request: Request, caller: CallerDep, session: SessionDep,
                          page: PagingDep) -> list[DisbursementSummary]:
    since = clock.now() - timedelta(seconds=request.app.state.settings.stuck_transfer_alarm_s)
    stmt = repository.detailed(False).where(Disbursement.state.in_(("pending", "sent")), Disbursement.updated_at < since)
    if (province := service.visible_province(caller)) is not None:
        stmt = stmt.where(Disbursement.province == province)
    return [service.summary(d) for d in await page.fetch(session, stmt, [Disbursement.updated_at, Disbursement.id])]

