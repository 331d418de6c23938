"""Plain data in and out of the rules engine.

Engine inputs and outputs are frozen dataclasses (cheap, no validation on construction: the
engine raises domain errors naming the request field instead). The rule set, parsed from a
data file, is a frozen pydantic model; see ``ruleset.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal, get_args

from services.entitlement.rules.ruleset import (
    ClaimDeadline,
    Condition,
    FailedTest,
    FeeComponents,
    Grant,
    PoolRules,
    RelativeRelationship,
    RelativesClass,
    RelativesRules,
    RuleSet,
    Sanmian,
    Threshold,
    Tier,
    Unlimited,
    Window,
)

PoolName = Literal["self", "relatives"]
DonationKind = Literal["whole_blood", "platelet_apheresis"]

# Every relationship the platform knows: the donor themself and the relatives a rule set may admit.
RELATIONSHIPS: tuple[str, ...] = ("self", *get_args(RelativeRelationship))


@dataclass(frozen=True)
class Donation:
    """One donation record (献血记录) as imported from a blood station."""

    donation_no: str
    station_code: str
    donated_on: date
    kind: DonationKind
    volume_ml: int | None
    units: int | None
    qualified: bool
    military: bool

    def __post_init__(self) -> None:
        # A record without its measure cannot be counted at all: fail at construction, where
        # the importer can still say which row is wrong.
        if self.kind == "whole_blood" and (self.volume_ml is None or self.volume_ml <= 0):
            raise ValueError(f"donation {self.donation_no}: whole blood needs volume_ml > 0")
        if self.kind == "platelet_apheresis" and (self.units is None or self.units <= 0):
            raise ValueError(f"donation {self.donation_no}: apheresis needs units > 0")


@dataclass(frozen=True)
class PoolDraw:
    """Earlier use of a pool: ``consumed`` (approved/settled) or ``held`` (open claim/notice)."""

    pool: PoolName
    ml: int
    state: Literal["consumed", "held"]


@dataclass(frozen=True)
class QuoteItem:
    product: str
    quantity: int


@dataclass(frozen=True)
class QuoteRequest:
    relationship: str
    used_on: date
    usage_province: str
    items: list[QuoteItem]
    # Eligible transfusion/blood fee on the invoice (发票输血费用), the cap of any reduction.
    blood_fee_fen: int
    # 用血互助金 paid on the invoice: refunded as paid where the rule set lists it (DOMAIN 6.3).
    mutual_aid_fen: int = 0
    # Earlier reductions of the same blood use (same normalised invoice), by other donors or an
    # earlier claim: only the rest is quoted, never the same fen twice (DOMAIN 6.1).
    covered_before_ml: int = 0
    reduced_before_fen: int = 0
    mutual_aid_refunded_before_fen: int = 0


@dataclass(frozen=True)
class Quote:
    rule_set_id: str
    pool: PoolName
    unlimited: bool
    used_ml: int
    covered_ml: int
    remaining_ml_before: int | None
    remaining_ml_after: int | None
    eligible_fee_fen: int
    reducible_fen: int
    explanation: list[str]
    # Donated volumes counted for this pool at military vs local stations, so that settlement
    # can split the cost between funds (军地献血者, Beijing plan section 4).
    military_ml: int
    local_ml: int
    relationship: str = "self"
    # reducible_fen = supply_cost_fen (quota, fee fraction, caps) + mutual_aid_fen (as paid).
    supply_cost_fen: int = 0
    mutual_aid_fen: int = 0
    covered_before_ml: int = 0
    # mL of the bill still not covered by anyone after this quote.
    rest_ml_after: int = 0


@dataclass(frozen=True)
class DonorPart:
    """One of several donors named for one blood use, drawn in the order given."""

    label: str
    relationship: str
    donations: Sequence[Donation]
    prior: Sequence[PoolDraw]
    # Prefix of this donor's fields in the API request, so an error names the right donor.
    field_prefix: str = ""


@dataclass(frozen=True)
class BillQuote:
    """One blood use reduced from several donors' pools in turn, up to the bill (Beijing annex 1
    rule 5: 只在用血费用额度内报销，一次用血不得重复报销)."""

    rule_set_id: str
    parts: tuple[Quote, ...]
    used_ml: int
    covered_ml: int
    supply_cost_fen: int
    mutual_aid_fen: int
    reducible_fen: int
    eligible_fee_fen: int
    rest_ml_after: int
    explanation: list[str]


@dataclass(frozen=True)
class CertificateSummary:
    donation_count: int
    total_volume_ml: int
    local_volume_ml: int
    military_volume_ml: int
    honours: list[str]
    next_honour: str | None
    donations_to_next_honour: int | None
    self_unlimited: bool
    self_remaining_ml: int | None
    self_window_ends_on: date | None
    relatives_remaining_ml: int | None
    relatives_window_ends_on: date | None
    sanmian_eligible: bool | None
    # Added beside the agreed fields: without it an unlimited relatives pool and an
    # unconfigured one would both read as ``relatives_remaining_ml is None``.
    relatives_unlimited: bool = field(default=False)


__all__ = [
    "RELATIONSHIPS",
    "BillQuote",
    "CertificateSummary",
    "ClaimDeadline",
    "Condition",
    "Donation",
    "DonationKind",
    "DonorPart",
    "FailedTest",
    "FeeComponents",
    "Grant",
    "PoolDraw",
    "PoolName",
    "PoolRules",
    "Quote",
    "QuoteItem",
    "QuoteRequest",
    "RelativesClass",
    "RelativesRules",
    "RuleSet",
    "Sanmian",
    "Threshold",
    "Tier",
    "Unlimited",
    "Window",
]
