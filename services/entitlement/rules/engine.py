"""The pure entitlement engine: quotes and certificate summaries. No I/O, no clock.

All money is integer fen. The supply cost is rounded once (round half up), on the exact
Fraction ``min(covered_ml / 200 x price, eligible fee left) x fee_fraction``: the fraction
applies after the cap (DOMAIN 6.1), so a relative never gets more than that share of the bill.
Mutual aid (用血互助金, DOMAIN 6.3) is refunded as paid where the rule set lists it; it draws on
no quota.
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
from services.entitlement.rules.ruleset import FeeComponent, RuleSet, with_equivalents
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
        ("covered_before_ml", request.covered_before_ml),
        ("reduced_before_fen", request.reduced_before_fen),
        ("mutual_aid_refunded_before_fen", request.mutual_aid_refunded_before_fen),
    ):
        if value < 0:
            raise InvalidQuantity(name, f"数量不能为负数 / must not be negative: {value}")


def counted(rule_set: RuleSet, donations: Sequence[Donation], on: date) -> list[Donation]:
    """Donations that count as given on or before ``on`` (qualified, or any if the set says so)."""
    return sorted(
        (d for d in donations if d.donated_on <= on and (d.qualified or rule_set.counts_unqualified)),
        key=donation_order,
    )


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
    qualified = counted(rule_set, donations, used_on)
    unit_ml = rule_set.platelet_unit_ml or 0
    unmet: list[str] = []
    for cls in rule_set.relatives.classes:
        if relationship not in with_equivalents(cls.relationships):
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


def components_for(rule_set: RuleSet, usage_province: str) -> tuple[FeeComponent, ...]:
    """What the donor's province reimburses for a blood use in ``usage_province`` (DOMAIN 6.3)."""
    return rule_set.fee_components.reimbursable(usage_province == rule_set.province)


def quote(
    rule_set: RuleSet,
    donations: Sequence[Donation],
    prior: Sequence[PoolDraw],
    request: QuoteRequest,
) -> Quote:
    """What one donor's pools reduce one blood use (one invoice) by under ``rule_set``.

    ``prior`` are all earlier draws on the donor's pools (consumed and held); the pool drawn
    is the donor's own for ``relationship == "self"`` and the relatives' shared pool otherwise.
    ``request.covered_before_ml`` / ``reduced_before_fen`` are earlier reductions of the same
    bill (other donors, earlier claims): only the rest is quoted (DOMAIN 6.1, Beijing annex 1
    rule 5).
    """
    _check_request(request)
    _check_relationship(rule_set, request.relationship, donations, request.used_on)
    pool: PoolName = "self" if request.relationship == "self" else "relatives"
    components = components_for(rule_set, request.usage_province)
    refunds_aid = "mutual_aid" in components and request.mutual_aid_fen > 0
    supply = "supply_cost" in components
    lines = [explain.header(rule_set), explain.components_line(rule_set, request.usage_province, components)]
    if supply and not rule_set.quotas_configured:
        if not refunds_aid:
            raise QuotasNotConfigured(
                "province",
                f"规则集 {rule_set.id} 尚未配置减免额度，上线前须补充 / rule set {rule_set.id} has "
                "no quotas configured yet",
            )
        supply = False
        lines.append(explain.not_configured_line(rule_set))
    state = evaluate_pool(rule_set, pool, donations, prior, request.used_on) if supply else None
    if not (state.credits if state is not None else counted(rule_set, donations, request.used_on)):
        raise NoDonationBeforeUse(
            "used_on",
            f"用血日 {request.used_on} 及之前没有可计入的献血记录 / no donation counted by "
            f"rule set {rule_set.id} on or before {request.used_on}",
        )

    item_ml = [item.quantity * (rule_set.ml_eq_per_unit(item.product) or 0) for item in request.items]
    used_ml = sum(item_ml)
    rest_before = max(0, used_ml - request.covered_before_ml)
    covered_ml, supply_fen, remaining, remaining_after = 0, 0, None, None
    if state is not None:
        lines += _pool_lines(state)
        for item, ml in zip(request.items, item_ml, strict=True):
            lines.append(explain.item_line(item.product, item.quantity, ml // item.quantity))
        if request.covered_before_ml or request.reduced_before_fen:
            lines.append(explain.before_line(request.covered_before_ml, request.reduced_before_fen, rest_before))
        remaining = state.remaining_ml
        covered_ml = rest_before if remaining is None else min(rest_before, remaining)
        remaining_after = None if remaining is None else remaining - covered_ml
        rest = bool(request.covered_before_ml)
        lines.append(explain.covered_line(rest_before if rest else used_ml, covered_ml, remaining_after, rest=rest))
        supply_fen = _supply_cost(rule_set, pool, request, item_ml, covered_ml, lines)
    aid_fen = 0
    if refunds_aid:
        aid_fen = max(0, request.mutual_aid_fen - request.mutual_aid_refunded_before_fen)
        lines.append(explain.mutual_aid_line(request.mutual_aid_fen, request.mutual_aid_refunded_before_fen, aid_fen))
    elif request.mutual_aid_fen > 0:
        lines.append(explain.mutual_aid_not_refunded_line(request.mutual_aid_fen))
    eligible_fen = (request.blood_fee_fen if supply else 0) + (request.mutual_aid_fen if refunds_aid else 0)
    lines.append(explain.final_line(supply_fen + aid_fen))

    return Quote(
        rule_set_id=rule_set.id,
        pool=pool,
        unlimited=state is not None and state.unlimited is not None,
        used_ml=used_ml,
        covered_ml=covered_ml,
        remaining_ml_before=remaining,
        remaining_ml_after=remaining_after,
        eligible_fee_fen=eligible_fen,
        reducible_fen=supply_fen + aid_fen,
        explanation=lines,
        military_ml=state.military_ml if state else 0,
        local_ml=state.local_ml if state else 0,
        relationship=request.relationship,
        supply_cost_fen=supply_fen,
        mutual_aid_fen=aid_fen,
        covered_before_ml=request.covered_before_ml,
        rest_ml_after=rest_before - covered_ml if supply else rest_before,
    )


def _supply_cost(
    rule_set: RuleSet,
    pool: PoolName,
    request: QuoteRequest,
    item_ml: list[int],
    covered_ml: int,
    lines: list[str],
) -> int:
    """round_half_up(min(value of covered mL, fee left on the bill) x fee_fraction) (DOMAIN 6.1)."""
    gross, product_cap = _gross_amount(rule_set, request, item_ml, covered_ml, lines)
    capped = gross
    if product_cap is not None and capped > product_cap:
        capped = Fraction(product_cap)
        lines.append(explain.cap_line("已减免品种价格合计", product_cap))
    fee_left = max(0, request.blood_fee_fen - request.reduced_before_fen)
    lines.append(explain.eligible_line(request.blood_fee_fen, request.reduced_before_fen, fee_left))
    if capped > fee_left:
        capped = Fraction(fee_left)
        lines.append(explain.cap_line("发票可减免费用", fee_left))
    fraction = rule_set.pool_rules(pool).fee_fraction
    amount = round_half_up(capped * fraction)
    if fraction != 1:
        lines.append(explain.fraction_line(pool, fraction, round_half_up(capped), amount))
    return amount


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
    # Per product: covered mL go to the bill's items in the order given, after the mL that
    # earlier reductions of the bill already covered.
    gross, cap, skip, left = Fraction(0), 0, request.covered_before_ml, covered_ml
    for item, ml in zip(request.items, item_ml, strict=True):
        skipped = min(ml, skip)
        skip -= skipped
        take = min(ml - skipped, left)
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
