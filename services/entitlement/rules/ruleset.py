"""The rule set: one province's entitlement law for one period, parsed from a data file.

The JSON Schema (``ruleset.schema.json``) checks shape and ranges first so an operator gets a
precise field path; these models then give the engine typed, immutable values and check the
few rules a schema cannot express (window order, date ranges).
"""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, model_validator

from kit.periods import last_day_of_years
from services.entitlement.rules.arith import fraction_text, parse_fraction
from services.entitlement.rules.products import CATALOGUE, PLATELETS_APHERESIS

Basis = Literal["all", "whole_blood", "apheresis"]
Honour = Literal["bronze", "silver", "gold"]
FeeComponent = Literal["supply_cost", "mutual_aid"]
RelativeRelationship = Literal[
    "spouse",
    "parent",
    "child",
    "sibling",
    "grandparent",
    "spouse_parent",
    "child_spouse",
    "adoptive_parent",
    "adoptive_child",
    "step_parent",
    "step_child",
]

# 民法典 1111 (adoption) and 1072 (step relations with a duty of support): wherever a rule set
# admits a parent or a child, the adoptive and step relations count as the natural ones.
EQUIVALENT_RELATIONSHIPS: dict[str, tuple[str, ...]] = {
    "parent": ("adoptive_parent", "step_parent"),
    "child": ("adoptive_child", "step_child"),
}


def with_equivalents(relationships: tuple[str, ...]) -> frozenset[str]:
    return frozenset(relationships).union(*(EQUIVALENT_RELATIONSHIPS.get(r, ()) for r in relationships))


def _to_fraction(value: Any) -> Fraction:
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Fraction(value)
    if isinstance(value, str):
        return parse_fraction(value)
    raise ValueError("a fee fraction is written as a string such as '1', '1/2' or '0.5'")


FeeFraction = Annotated[
    Fraction,
    BeforeValidator(_to_fraction),
    PlainSerializer(fraction_text, return_type=str),
]


class _Frozen(BaseModel):
    model_config = ConfigDict(
        frozen=True, extra="forbid", populate_by_name=True, arbitrary_types_allowed=True
    )


class Threshold(_Frozen):
    """``gt`` (超过, strictly more) or ``gte`` (达到/满, at least), in mL."""

    gt: int | None = Field(default=None, ge=0)
    gte: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _exactly_one(self) -> Threshold:
        if (self.gt is None) == (self.gte is None):
            raise ValueError("give exactly one of gt or gte")
        return self

    def met(self, total_ml: int) -> bool:
        return total_ml > self.gt if self.gt is not None else total_ml >= (self.gte or 0)

    def text(self) -> str:
        return f"超过 {self.gt} mL" if self.gt is not None else f"达到 {self.gte} mL"


class Condition(Threshold):
    """A threshold on the donor's cumulative qualified volume over ``basis``."""

    basis: Basis = "all"


class Window(_Frozen):
    """Per-donation multiplier while ``used_on <= donated_on + within_years`` (民法典 201-202: the
    anniversary is the last day inside "N年内"); open if None."""

    within_years: int | None = Field(default=None, ge=1)
    multiplier: int = Field(ge=0)


def _check_windows(windows: tuple[Window, ...]) -> None:
    years = [w.within_years for w in windows]
    if None in years[:-1]:
        raise ValueError("only the last window may omit within_years")
    bounded = [y for y in years if y is not None]
    if bounded != sorted(set(bounded)):
        raise ValueError("window within_years must strictly increase")


class Unlimited(_Frozen):
    """无限量: for life (``years`` None) or for N years from the donation reaching the tier."""

    years: int | None = Field(default=None, ge=1)


class Grant(_Frozen):
    unlimited: Unlimited | None = None
    # Apply when not unlimited, including after a time-limited unlimited period has ended.
    windows: tuple[Window, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _for_life(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("unlimited") == "for_life":
            return {**data, "unlimited": {}}
        return data

    @model_validator(mode="after")
    def _windows_ordered(self) -> Grant:
        _check_windows(self.windows)
        return self


class Tier(_Frozen):
    """One row of a pool's ordered tiers; the first tier matching a donation decides it.

    ``donated_from`` (inclusive) / ``donated_before`` (exclusive) restrict both the donations
    the tier governs and the cumulative volume its condition is measured on (Guangdong's
    regimes before and from 2018-03-01).
    """

    label: str | None = None
    donated_from: date | None = None
    donated_before: date | None = None
    when: Condition | None = None
    grant: Grant

    @model_validator(mode="after")
    def _range(self) -> Tier:
        if self.donated_from and self.donated_before and self.donated_from >= self.donated_before:
            raise ValueError("donated_from must be before donated_before")
        return self

    def governs(self, donated_on: date) -> bool:
        if self.donated_from is not None and donated_on < self.donated_from:
            return False
        return self.donated_before is None or donated_on < self.donated_before


class FailedTest(_Frozen):
    """Donations that failed testing (检验不合格) and still earn a quota (Guangdong 3x)."""

    windows: tuple[Window, ...]

    @model_validator(mode="after")
    def _windows_ordered(self) -> FailedTest:
        _check_windows(self.windows)
        return self


class PoolRules(_Frozen):
    fee_fraction: FeeFraction = Fraction(1)
    tiers: tuple[Tier, ...] = ()
    # None: failed-test donations earn nothing and do not count toward thresholds.
    failed_test: FailedTest | None = None

    @model_validator(mode="after")
    def _fraction_range(self) -> PoolRules:
        if not 0 < self.fee_fraction <= 1:
            raise ValueError("fee_fraction must be in (0, 1]")
        return self


class RelativesClass(_Frozen):
    relationships: tuple[RelativeRelationship, ...]
    # E.g. Zhejiang's extended relatives only when the donor reached 8000 mL (金奖标准).
    requires: Condition | None = None


class RelativesRules(PoolRules):
    # One shared pool for all relatives (总量原则，不同亲属间不重复享受); the only mode
    # PoolDraw can express, since a draw does not say which relative made it.
    pooled: Literal[True] = True
    classes: tuple[RelativesClass, ...] = ()


class ClaimDeadline(_Frozen):
    """报销时限: a claim is in time up to the anniversary of its anchor (民法典 202), a last day that is
    a holiday moving to the next working day (203, applied by the claims service's calendar).

    ``placeholder``: the law was not found; the value is shown to staff marked as such and intake
    only warns when it is passed, never refuses on a guess."""

    years: int = Field(ge=1)
    anchor: Literal["paid_on", "used_on"] = Field(alias="from")
    source: str = Field(min_length=1)
    confidence: Literal["high", "medium", "low"]
    placeholder: bool

    def last_day(self, paid_on: date, used_on: date, invoice_issued_on: date | None = None) -> date:
        """The last day inside the period, before any holiday shift.

        From payment, the period counts from the earlier of ``paid_on`` and the invoice date: a
        收费票据 is issued on payment, so an invoice dated earlier proves an earlier payment."""
        if self.anchor == "used_on":
            anchor = used_on
        else:
            anchor = min(paid_on, invoice_issued_on) if invoice_issued_on else paid_on
        return last_day_of_years(anchor, self.years)

    def text(self) -> str:
        start = "缴费之日" if self.anchor == "paid_on" else "用血之日"
        mark = "（占位值，待核）" if self.placeholder else ""
        return f"自{start}起{self.years}年内{mark}"


class FeeComponents(_Frozen):
    """Which invoice components the donor's province reimburses (Guizhou seed, DOMAIN 6.3).

    ``visiting_donors``: what this province, as the place of use, refunds to donors of *other*
    provinces (Guizhou refunds the mutual aid it charged, seed 000 二(二)); deciding it needs the
    donor's status from their own province, so it is applied with interop (``visiting_refund``).
    """

    in_province: tuple[FeeComponent, ...]
    out_of_province: tuple[FeeComponent, ...]
    visiting_donors: tuple[FeeComponent, ...] = ()

    def reimbursable(self, in_province: bool) -> tuple[FeeComponent, ...]:
        return self.in_province if in_province else self.out_of_province


class Sanmian(_Frozen):
    """Eligibility for "三免": either condition is enough when both are given."""

    total_ml: Threshold | None = None
    honour: Honour | None = None


class RuleSet(_Frozen):
    id: str
    province: str
    name: str
    effective_from: date
    # Exclusive: the day the next rule set takes effect.
    effective_to: date | None
    legal_reference: str
    confidence: Literal["high", "medium", "low"]
    source_note: str
    quotas_configured: bool
    platelet_unit_ml: int | None
    price_per_200ml_fen: int | None
    pricing_mode: Literal["per_200ml", "per_product"] = "per_200ml"
    product_prices_fen: dict[str, int] = Field(default_factory=dict)
    # 献血量 counts donations that failed testing (Beijing: "捐献血液总量"): they then count exactly
    # like qualified ones, toward thresholds too. False: only a pool's ``failed_test`` windows.
    counts_unqualified: bool
    claim_deadline: ClaimDeadline
    fee_components: FeeComponents
    sanmian: Sanmian | None = None
    self_rules: PoolRules = Field(alias="self")
    relatives: RelativesRules

    @property
    def admitted_relationships(self) -> frozenset[str]:
        admitted = with_equivalents(tuple(r for cls in self.relatives.classes for r in cls.relationships))
        return admitted | {"self"}

    def in_force_text(self) -> str:
        """The version's period in words; ``effective_to`` is the next version's first day."""
        if self.effective_to is None:
            return f"{self.effective_from} 起施行"
        return f"{self.effective_from} 至 {self.effective_to - timedelta(days=1)}（含）"

    def in_force_on(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day < self.effective_to)

    def pool_rules(self, pool: Literal["self", "relatives"]) -> PoolRules:
        return self.self_rules if pool == "self" else self.relatives

    def claim_deadline_for(self, paid_on: date, used_on: date, invoice_issued_on: date | None = None) -> date:
        """The last day (inclusive) a claim is in time, before the art. 203 holiday shift.

        Beijing "自用血缴费之日起一年内": paid 2024-03-10 -> 2025-03-10 is the last day (民法典 202).
        """
        return self.claim_deadline.last_day(paid_on, used_on, invoice_issued_on)

    def unit_price_fen(self, product: str) -> int:
        return self.product_prices_fen.get(product, CATALOGUE[product].guideline_price_fen)

    def ml_eq_per_unit(self, product: str) -> int | None:
        if product == PLATELETS_APHERESIS:
            return self.platelet_unit_ml
        return CATALOGUE[product].ml_eq_per_unit
