from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel

from kit.callers import allow
from kit.paging import PagingDep, paged
from kit.problems import NotFound, problem_responses
from services.entitlement import rules

router = APIRouter(prefix="/v1/rule-sets", tags=["rule sets"])


class RuleSetSummary(BaseModel):
    id: str
    province: str
    name: str
    effective_from: date
    effective_to: date | None
    legal_reference: str
    confidence: str
    quotas_configured: bool
    admitted_relationships: list[str]


def _summary(rs: rules.RuleSet) -> RuleSetSummary:
    return RuleSetSummary(
        id=rs.id, province=rs.province, name=rs.name, effective_from=rs.effective_from,
        effective_to=rs.effective_to, legal_reference=rs.legal_reference, confidence=rs.confidence,
        quotas_configured=rs.quotas_configured, admitted_relationships=sorted(rs.admitted_relationships),
    )


@router.get("", response_model=list[RuleSetSummary], operation_id="list_rule_sets",
            summary="Every rule set shipped, by province and effective date",
            responses={**paged(), **problem_responses(401, 403, 422)}, dependencies=[allow(any_staff=True)])
async def list_rule_sets(request: Request, page: PagingDep) -> list[RuleSetSummary]:
    rule_sets: dict[str, rules.RuleSet] = request.app.state.rule_sets
    return [_summary(rs) for rs in page.slice(list(rule_sets.values()),
                                              key=lambda r: (r.province, r.effective_from, r.id))]


@router.get("/{rule_set_id}", operation_id="get_rule_set", summary="One rule set, every parameter",
            responses=problem_responses(401, 403, 404), dependencies=[allow(any_staff=True)])
async def get_rule_set(rule_set_id: str, request: Request) -> dict[str, Any]:
    rule_set = request.app.state.rule_sets.get(rule_set_id)
    if rule_set is None:
        raise NotFound(f"no rule set {rule_set_id!r}", field="rule_set_id")
    return rule_set.model_dump(mode="json", by_alias=True)
