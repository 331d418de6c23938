"""Province rule sets (减免规则): dated versions loaded from data files at startup, and what-if."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from kit.callers import allow
from kit.db import SessionDep
from kit.paging import PagingDep, paged
from kit.problems import NotFound, problem_responses
from services.entitlement import rules
from services.entitlement.quotes.service import deadline_out
from services.entitlement.rulesets import simulate as whatif
from services.entitlement.rulesets.schemas import RuleSetSummary, SimulateIn, SimulationOut

router = APIRouter(prefix="/v1/rule-sets", tags=["rule sets"])


def _summary(rs: rules.RuleSet) -> RuleSetSummary:
    return RuleSetSummary(
        id=rs.id, province=rs.province, name=rs.name, effective_from=rs.effective_from,
        effective_to=rs.effective_to, in_force=rs.in_force_text(), legal_reference=rs.legal_reference,
        confidence=rs.confidence, quotas_configured=rs.quotas_configured, counts_unqualified=rs.counts_unqualified,
        admitted_relationships=sorted(rs.admitted_relationships), claim_deadline=deadline_out(rs),
        fee_components={k: list(v) for k, v in rs.fee_components.model_dump().items()},
    )


@router.get("", response_model=list[RuleSetSummary], operation_id="list_rule_sets",
            summary="Every rule-set version, by province and effective date (or the one in force on a day)",
            description="With `province` and `on`: only the version of that province in force that day, the one a "
                        "quote for a blood use on that day applies.",
            responses={**paged(), **problem_responses(401, 403, 422)}, dependencies=[allow(any_staff=True)])
async def list_rule_sets(request: Request, page: PagingDep,
                         province: Annotated[str | None, Query(pattern=r"^[0-9]{2}$")] = None,
                         on: date | None = None) -> list[RuleSetSummary]:
    rule_sets: dict[str, rules.RuleSet] = request.app.state.rule_sets
    chosen = [rs for rs in rule_sets.values()
              if (province is None or rs.province == province) and (on is None or rs.in_force_on(on))]
    return [_summary(rs) for rs in page.slice(chosen, key=lambda r: (r.province, r.effective_from, r.id))]


@router.post("/simulate", response_model=SimulationOut, operation_id="simulate_rule_set",
             summary="What-if: a draft version over recorded claims and notices (the claims service sends them)",
             description="Stores and changes nothing (a READ ONLY transaction). Reached by admins through the claims "
                         "service, which owns the cases: `POST /ops/v1/rule-sets/simulate`.",
             responses=problem_responses(401, 403, 422), dependencies=[allow(services=("claims",))])
async def simulate(body: SimulateIn, request: Request, session: SessionDep) -> SimulationOut:
    state = request.app.state
    return await whatif.simulate(session, body, rule_sets=state.rule_sets, index=state.blind_index)


@router.get("/{rule_set_id}", operation_id="get_rule_set", summary="One rule-set version, every parameter",
            responses=problem_responses(401, 403, 404), dependencies=[allow(any_staff=True)])
async def get_rule_set(rule_set_id: str, request: Request) -> dict[str, Any]:
    rule_set = request.app.state.rule_sets.get(rule_set_id)
    if rule_set is None:
        raise NotFound(f"no rule set {rule_set_id!r}", field="rule_set_id")
    return rule_set.model_dump(mode="json", by_alias=True)
