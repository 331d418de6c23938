from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kit.idnumbers import CertificateIn
from services.entitlement.quotes.schemas import ClaimDeadlineOut, Item


class RuleSetSummary(BaseModel):
    id: str
    province: str
    name: str
    effective_from: date
    effective_to: date | None = Field(description="the next version's first day (exclusive); null: in force")
    in_force: str = Field(description="the period in words, last day included")
    legal_reference: str
    confidence: str
    quotas_configured: bool
    counts_unqualified: bool
    admitted_relationships: list[str]
    claim_deadline: ClaimDeadlineOut = Field(description="报销时限; `placeholder: true` is shown to staff as 待核")
    fee_components: dict[str, list[str]]


class SimDonor(CertificateIn):
    relationship: str


class SimCase(BaseModel):
    """One recorded claim or reduction notice, as the claims service holds it."""

    model_config = ConfigDict(extra="forbid")

    reference: str = Field(max_length=64)
    kind: Literal["claim", "reduction_notice"]
    status: str = Field(max_length=32)
    hold_key: str | None = Field(None, max_length=128)
    at: datetime = Field(description="when it was filed: orders cases without a hold")
    donors: list[SimDonor] = Field(min_length=1, max_length=6)
    used_on: date
    usage_province: str = Field(pattern=r"^[0-9]{2}$")
    items: list[Item] = Field(min_length=1, max_length=50)
    blood_fee_fen: int = Field(gt=0)
    mutual_aid_fen: int = Field(0, ge=0)
    invoice_key: str | None = Field(None, max_length=80)
    covered_before_ml: int = Field(0, ge=0)
    reduced_before_fen: int = Field(0, ge=0)
    mutual_aid_refunded_before_fen: int = Field(0, ge=0)
    recorded_fen: int = Field(ge=0, description="what the case says today (eligible or settled)")


class SimulateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    draft: dict[str, Any] = Field(description="a rule-set version in the shape of the data files (ruleset.schema.json)")
    used_from: date
    used_to: date
    cases: list[SimCase] = Field(max_length=50_000)


class CaseDifferenceOut(BaseModel):
    reference: str
    kind: str
    status: str
    used_on: date
    baseline_rule_set: str
    recorded_fen: int
    baseline_fen: int = Field(description="by the version in force on the use date, replayed")
    draft_fen: int
    difference_fen: int = Field(description="draft_fen - baseline_fen")
    why: list[str] = Field(description="explanation lines that differ: － only under the version in force, "
                                       "＋ only under the draft")
    draft_explanation: list[str]


class SimulationOut(BaseModel):
    draft_id: str
    province: str
    used_from: date
    used_to: date
    cases: int = Field(description="claims and notices of the period examined")
    changed: int
    increased: int
    decreased: int
    difference_fen: int = Field(description="sum of every change: what the draft would cost more (or less)")
    differences: list[CaseDifferenceOut] = Field(description="the changed cases, largest change first")
    note: str
