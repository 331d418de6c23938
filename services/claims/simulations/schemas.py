from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class SimulationIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "draft": {"id": "BJ-2027", "province": "11", "...": "every field of a rule-set data file"},
        "used_from": "2025-01-01", "used_to": "2025-12-31"}]})

    draft: dict[str, Any] = Field(description="a draft rule-set version, in the shape of the data files "
                                              "(services/entitlement/rules/ruleset.schema.json); its `province` "
                                              "chooses the cases")
    used_from: date = Field(description="first use date of the period (inclusive)")
    used_to: date = Field(description="last use date of the period (inclusive)")


class CaseDifference(BaseModel):
    reference: str
    kind: str = Field(description="claim or reduction_notice")
    status: str
    used_on: date
    baseline_rule_set: str
    recorded_fen: int = Field(description="what the case says today (eligible, approved or settled)")
    baseline_fen: int = Field(description="replayed by the version in force on the use date")
    draft_fen: int
    difference_fen: int
    why: list[str] = Field(description="explanation lines that differ (－ version in force only, ＋ draft only)")
    draft_explanation: list[str]


class SimulationOut(BaseModel):
    draft_id: str
    province: str
    used_from: date
    used_to: date
    cases: int
    changed: int
    increased: int
    decreased: int
    difference_fen: int = Field(description="what the draft would reduce more (negative: less) over the period")
    differences: list[CaseDifference]
    note: str
