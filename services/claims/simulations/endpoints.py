from __future__ import annotations

from fastapi import APIRouter, Request

from kit.callers import allow
from kit.db import SessionDep
from kit.problems import problem_responses
from services.claims.simulations import service
from services.claims.simulations.schemas import SimulationIn, SimulationOut

router = APIRouter(prefix="/v1", tags=["rule-set simulation"])


@router.post(
    "/simulations", response_model=SimulationOut, operation_id="simulate_rule_set",
    summary="What-if (admin): a draft rule-set version over a period's real claims and notices",
    description="Every live claim and every issued or settled reduction notice of the draft's province whose use "
                "date falls in the period is judged by the version in force then and by the draft, in the order "
                "they happened. Returns how many would change, which, by how many fen and why. Stores and changes "
                "nothing. Admin only: it reads every case of a province, so it is platform-wide by nature.",
    responses=problem_responses(401, 403, 422, 503), dependencies=[allow(staff=("admin",))])
async def simulate(body: SimulationIn, request: Request, session: SessionDep) -> SimulationOut:
    state = request.app.state
    return await service.simulate(session, body, entitlement=state.entitlement, cipher=state.cipher,
                                  timeout_s=state.settings.simulation_timeout_s)
