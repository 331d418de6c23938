from __future__ import annotations

from fastapi import APIRouter, Request

from kit.callers import allow
from kit.db import SessionDep
from kit.identity import CallerDep
from kit.problems import problem_responses
from services.entitlement.registry import service
from services.entitlement.registry.schemas import DonationImport, ImportResult

router = APIRouter(prefix="/v1", tags=["donations"])


@router.post(
    "/donations", response_model=ImportResult, operation_id="import_donations",
    summary="Import donation records from a blood station (idempotent by station_code + donation_no)",
    description="Rows that fail validation are listed in `rejected` with their index and reason; the "
                "others are imported. A row that changes an already imported record is a 409 naming it, "
                "and then nothing is imported. Roles: station_operator, admin.",
    responses=problem_responses(401, 403, 409, 422, 503),
    dependencies=[allow(staff=("station_operator", "admin"))],
)
async def import_donations(request: Request, body: DonationImport, caller: CallerDep,
                           session: SessionDep) -> ImportResult:
    state = request.app.state
    return await service.import_donations(session, body.records, caller=caller,
                                          cipher=state.cipher, index=state.blind_index,
                                          persons=state.person_index)
