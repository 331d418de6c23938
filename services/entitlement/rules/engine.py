"""The pure entitlement engine: quotes and certificate summaries. No I/O, no clock.

All money is integer fen; the one rounding (round half up) happens on the exact Fraction
``covered_ml / 200 x price x fee_fraction`` at the very end.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from fractions import Fraction

from services.entitlement.rules import explain
from services.entitlement.rules.arith import round_half_up
from services.entitlement.rules.errors import (
    InvalidQuantity,
    NoDonationBeforeUse,
    QuotasNotConfigured,
    RelationshipNotAdmitted,
    UnknownProduct,
)
from services.entitlement.rules.model import (
    RELATIONSHIPS,
    Donation,
    PoolDraw,
    PoolName,
    Quote,
    QuoteRequest,
)
from services.entitlement.rules.pools import PoolState, donation_order, evaluate_pool, reached
from services.entitlement.rules.products import is_known_product
from services.entitlement.rules.ruleset import RuleSet
from services.entitlement.rules.summary import certificate_summary

__all__ = ["certificate_summary", "quote"]


def _check_request(request: QuoteRequest) -> None:
    if not request.items:
        raise InvalidQuantity(
            "items", "至少需要一项用血品种 / at least one blood product is required"
        )
    for i, item in enumerate(request.items):
        if not is_known_product(item.product):
            raise UnknownProduct(
                f"items[{i}].product",
                f"未知的血液品种 {item.product!r} / unknown blood product {item.product!r}",
            )
        if item.quantity <= 0:
            raise InvalidQuantity(
                f"items[{i}].quantity",
                f"数量必须大于 0，收到 {item.quantity} / quantity must be > 0, got {item.quantity}",
            )
    for name, value in (
        ("blood_fee_fen", request.blood_fee_fen),
        ("mutual_aid_fen", request.mutual_aid_fen),
    ):
        if value < 0:
            raise InvalidQuantity(name, f"金额不能为负数 / amount must not be negative: {value}")


def _check_relationship(
    rule_set: RuleSet, relationship: str, donations: Sequence[Donation], used_on: date
) -> None:
    not_admitted = RelationshipNotAdmitted(
        "relationship",
        f"规则集 {rule_set.id} 不减免亲属关系 {relationship!r} / rule set {rule_set.id} does not "
        f"admit relationship {relationship!r}",
    )
    if relationship not in RELATIONSHIPS or relationship not in rule_set.admitted_relationships:
        raise not_admitted
    if relationship == "self":
        return
    qualified = sorted(
        (d for d in donations if d.qualified and d.donated_on <= used_on), key=donation_order
    )
    unit_ml = rule_set.platelet_unit_ml or 0
    unmet: list[str] = []
    for cls in rule_set.relatives.classes:
        if relationship not in cls.relationships:
            continue
        if cls.requires is None:
            return
        total, reached_on = reached(cls.requires, qualified, unit_ml)
        if reached_on is not None:
            return
        unmet.append(f"累计献血 {total} mL，未{cls.requires.text()}")
    raise RelationshipNotAdmitted(
        "relationship",
        f"{not_admitted.detail}：{'；'.join(unmet)} / the donor does not meet the condition "
        f"for this relationship",
    )


def quote(
    rule_set: RuleSet,
    donations: Sequence[Donation],
    prior: Sequence[PoolDraw],
    request: QuoteRequest,
) -> Quote:
    """What one blood use (one invoice) may be reduced by under ``rule_set``.

    ``prior`` are all earlier draws on the donor's pools (consumed and held); the pool drawn
    is the donor's own for ``relationship == "self"`` and the relatives' shared pool otherwise.
    """
    _check_request(request)
    _check_relationship(rule_set, request.relationship, donations, request.used_on)
    if not rule_set.quotas_configured:
        raise QuotasNotConfigured(
            "province",
            f"规则集 {rule_set.id} 尚未配置减免额度，上线前须补充 / rule set {rule_set.id} has "
            "no quotas configured yet",
        )
    pool: PoolName = "self" if request.relationship == "self" else "relatives"
    state = evaluate_pool(rule_set, pool, donations, prior, request.used_on)
    if not state.credits:
        raise NoDonationBeforeUse(
            "used_on",
            f"用血日 {request.used_on} 及之前没有可计入的献血记录 / no donation counted by "
            f"rule set {rule_set.id} on or before {request.used_on}",
        )

    lines = [explain.header(rule_set), *_pool_lines(state)]
    used_ml = 0
    item_ml: list[int] = []
    for item in request.items:
        ml_eq = rule_set.ml_eq_per_unit(item.product)
        assert ml_eq is not None  # quotas_configured implies platelet_unit_ml
        item_ml.append(item.quantity * ml_eq)
        used_ml += item.quantity * ml_eq
        lines.append(explain.item_line(item.product, item.quantity, ml_eq))
    remaining = state.remaining_ml
    covered_ml = used_ml if remaining is None else min(used_ml, remaining)
    remaining_after = None if remaining is None else remaining - covered_ml
    lines.append(explain.covered_line(used_ml, covered_ml, remaining_after))

    gross, product_cap = _gross_amount(rule_set, request, item_ml, covered_ml, lines)
    fraction = rule_set.pool_rules(pool).fee_fraction
    raw_fen = round_half_up(gross * fraction)
    if fraction != 1:
        lines.append(explain.fraction_line(pool, fraction, raw_fen))

    eligible_fen = _eligible_fee(rule_set, request, lines)
    reducible_fen = raw_fen
    if product_cap is not None and reducible_fen > product_cap:
        reducible_fen = product_cap
        lines.append(explain.cap_line("已减免品种价格合计", product_cap))
    if reducible_fen > eligible_fen:
        reducible_fen = eligible_fen
        lines.append(explain.cap_line("发票可减免费用", eligible_fen))
    lines.append(explain.final_line(reducible_fen))

    return Quote(
        rule_set_id=rule_set.id,
        pool=pool,
        unlimited=remaining is None,
        used_ml=used_ml,
        covered_ml=covered_ml,
        remaining_ml_before=remaining,
        remaining_ml_after=remaining_after,
        eligible_fee_fen=eligible_fen,
        reducible_fen=reducible_fen,
        explanation=lines,
        military_ml=state.military_ml,
        local_ml=state.local_ml,
    )


def _pool_lines(state: PoolState) -> list[str]:
    unlimited = state.unlimited is not None
    lines = [explain.credit_line(c, unlimited) for c in state.credits]
    lines += [explain.unlimited_line(e, expired=True) for e in state.expired if not unlimited]
    if state.unlimited is not None:
        lines.append(explain.unlimited_line(state.unlimited))
    lines.append(explain.pool_line(state))
    return lines


def _gross_amount(
    rule_set: RuleSet,
    request: QuoteRequest,
    item_ml: list[int],
    covered_ml: int,
    lines: list[str],
) -> tuple[Fraction, int | None]:
    """Exact amount before fee fraction and caps; plus the product-price cap if per product."""
    if rule_set.pricing_mode == "per_200ml":
        price = rule_set.price_per_200ml_fen or 0
        gross = Fraction(covered_ml * price, 200)
        lines.append(explain.per_200ml_line(covered_ml, price, round_half_up(gross)))
        return gross, None
    # Per product: covered mL is allocated to the bill's items in the order given.
    gross, cap, left = Fraction(0), 0, covered_ml
    for item, ml in zip(request.items, item_ml, strict=True):
        take = min(ml, left)
        left -= take
        if take == 0:
            continue
        unit_price = rule_set.unit_price_fen(item.product)
        ml_eq = rule_set.ml_eq_per_unit(item.product) or 1
        amount = Fraction(take * unit_price, ml_eq)
        gross += amount
        cap += item.quantity * unit_price
        lines.append(
            explain.per_product_line(item.product, take, unit_price, round_half_up(amount))
        )
    return gross, cap


def _eligible_fee(rule_set: RuleSet, request: QuoteRequest, lines: list[str]) -> int:
    """The invoice fee the reduction may not exceed (减免总额不得超过发票输血费用)."""
    components = rule_set.fee_components
    if components is None:
        lines.append(explain.eligible_line(request.blood_fee_fen, None, request.blood_fee_fen))
        return request.blood_fee_fen
    in_province = request.usage_province == rule_set.province
    reimbursable = components.reimbursable(in_province)
    lines.append(
        explain.components_line(rule_set, request.usage_province, reimbursable, in_province)
    )
    eligible = request.blood_fee_fen if "supply_cost" in reimbursable else 0
    if "mutual_aid" in reimbursable:
        eligible += request.mutual_aid_fen
        lines.append(explain.eligible_line(request.blood_fee_fen, request.mutual_aid_fen, eligible))
    else:
        lines.append(explain.eligible_line(request.blood_fee_fen, None, eligible))
    return eligible
