"""Readable trace lines (Chinese) for a quote: a donor and an auditor can redo every step.

Formatting only; every number shown is computed by the engine and passed in.
"""

from __future__ import annotations

from fractions import Fraction

from services.entitlement.rules.arith import fraction_text, last_day_of_years, yuan
from services.entitlement.rules.pools import Credit, PoolState, UnlimitedBy
from services.entitlement.rules.products import CATALOGUE
from services.entitlement.rules.ruleset import Condition, RuleSet, Tier

POOL_ZH = {"self": "献血者本人", "relatives": "亲属共用"}
RELATIONSHIP_ZH = {
    "self": "本人", "spouse": "配偶", "parent": "父母", "child": "子女", "sibling": "兄弟姐妹",
    "grandparent": "祖父母、外祖父母", "spouse_parent": "配偶的父母", "child_spouse": "子女的配偶",
    "adoptive_parent": "养父母", "adoptive_child": "养子女", "step_parent": "继父母", "step_child": "继子女",
}
COMPONENT_ZH = {"supply_cost": "血液成本费用", "mutual_aid": "用血互助金"}
_BASIS_ZH = {"all": "", "whole_blood": "全血", "apheresis": "机采血小板"}


def header(rule_set: RuleSet) -> str:
    return (f"规则集 {rule_set.id}（{rule_set.name}），依据{rule_set.legal_reference}；"
            f"按用血日适用的版本（{rule_set.in_force_text()}）")


def _donation_text(credit: Credit) -> str:
    d = credit.donation
    if d.kind == "platelet_apheresis":
        text = f"{d.donated_on} 捐献机采血小板 {d.units} 个治疗量（折合 {credit.volume_ml} mL）"
    else:
        text = f"{d.donated_on} 献血 {credit.volume_ml} mL"
    if d.military:
        text += "（驻军采供血机构）"
    if credit.failed_test:
        text += "（检验不合格）"
    elif credit.unqualified_counted:
        text += "（检验不合格，本规则集按捐献血液总量计入）"
    return text


def until(day: object) -> str:
    """A period's last day, which is inside it (民法典 202)."""
    return f"至 {day}（含）"


def _range_text(tier: Tier) -> str:
    parts = []
    if tier.donated_from is not None:
        parts.append(f"{tier.donated_from} 起")
    if tier.donated_before is not None:
        parts.append(f"{tier.donated_before} 前")
    return f"（{'、'.join(parts)}献血）" if parts else ""


def _condition_text(condition: Condition, tier: Tier | None, cumulative: int) -> str:
    scope = _range_text(tier) if tier is not None else ""
    gap = "" if scope else " "
    return f"累计{_BASIS_ZH[condition.basis]}献血{scope}{gap}{cumulative} mL，{condition.text()}"


def credit_line(credit: Credit, unlimited_pool: bool) -> str:
    text = _donation_text(credit)
    tier = credit.tier
    # Labels matter on donation lines only where the donation date picks the regime (Guangdong).
    dated = tier is not None and (tier.donated_from or tier.donated_before)
    label = f"（{tier.label}）" if tier is not None and tier.label and dated else ""
    if unlimited_pool:
        return f"{text}，计入累计献血量"
    hit = credit.window
    if hit is None:
        return f"{text}{label}，{_past_windows_text(credit)}，不计入"
    amount = f"按{hit.multiplier}倍计 {credit.credit_ml} mL"
    if hit.ends_on is not None and hit.after_years is None:
        when = f"用血日在献血后{hit.within_years}年内（{until(hit.ends_on)}）"
    elif hit.ends_on is not None:
        when = (
            f"用血日在献血后{hit.after_years}年至{hit.within_years}年之间"
            f"（{hit.starts_on} 起{until(hit.ends_on)}）"
        )
    elif hit.after_years is not None:
        when = f"用血日已超过献血后{hit.after_years}年（{hit.starts_on} 起）"
    else:
        when = "不限年限"
    return f"{text}{label}，{when}，{amount}"


def _past_windows_text(credit: Credit) -> str:
    if credit.failed_test:
        return "本规则集对检验不合格献血不设额度"
    if credit.tier is None:
        return "不符合本规则集任何额度档次"
    windows = credit.tier.grant.windows
    if not windows:
        return "该档次不享受额度"
    years = windows[-1].within_years or 0
    return f"用血日已超过献血后{years}年（{until(last_day_of_years(credit.donation.donated_on, years))}）"


def unlimited_line(status: UnlimitedBy, expired: bool = False) -> str:
    assert status.tier.when is not None or status.until is None
    label = f"（{status.tier.label}）" if status.tier.label else ""
    condition = (
        _condition_text(status.tier.when, status.tier, status.cumulative_ml) + "，"
        if status.tier.when is not None
        else ""
    )
    if status.until is None:
        return f"{condition}终身无限量免费用血{label}"
    years = status.tier.grant.unlimited.years if status.tier.grant.unlimited else None
    period = f"自 {status.reached_on} 达到起{years}年内（{until(status.until)}）无限量用血"
    if expired:
        return f"{condition}{period}已期满{label}，此后按献血量倍数计"
    return f"{condition}{period}{label}"


def pool_line(state: PoolState) -> str:
    name = POOL_ZH[state.pool]
    if state.unlimited is not None:
        return f"{name}额度：无限量"
    return (
        f"{name}额度合计 {state.total_ml} mL；此前已用 {state.consumed_ml} mL，"
        f"占用中 {state.held_ml} mL；剩余 {state.remaining_ml} mL"
    )


def item_line(product: str, quantity: int, ml_eq: int) -> str:
    p = CATALOGUE[product]
    unit = p.unit_zh
    return f"{p.name_zh} {quantity} {unit}，每{unit}折合 {ml_eq} mL，计 {quantity * ml_eq} mL"


def covered_line(used_ml: int, covered_ml: int, remaining_after: int | None, *, rest: bool = False) -> str:
    if remaining_after is None:
        tail = "（额度无限量，全部可减免）"
    else:
        tail = f"，本次后剩余额度 {remaining_after} mL"
    what = "尚未减免的用血" if rest else "用血合计"
    return f"{what} {used_ml} mL，本次可减免 {covered_ml} mL{tail}"


def before_line(covered_before_ml: int, reduced_before_fen: int, rest_ml: int) -> str:
    """Earlier reductions of the same bill (一次用血不得重复报销, Beijing annex 1 rule 5)."""
    return (f"同一次用血此前已减免 {covered_before_ml} mL、{yuan(reduced_before_fen)} 元，"
            f"本次只计尚未减免的 {rest_ml} mL")


def per_200ml_line(covered_ml: int, price_fen: int, gross_fen: int) -> str:
    return (
        f"按每200 mL {yuan(price_fen)} 元计：{covered_ml} mL ÷ 200 × {yuan(price_fen)} 元"
        f" = {yuan(gross_fen)} 元"
    )


def per_product_line(product: str, covered_ml: int, unit_price_fen: int, amount_fen: int) -> str:
    p = CATALOGUE[product]
    return (
        f"{p.name_zh}：可减免 {covered_ml} mL，按每{p.unit_zh} {yuan(unit_price_fen)} 元计"
        f" {yuan(amount_fen)} 元"
    )


def fraction_line(pool: str, fraction: Fraction, capped_fen: int, amount_fen: int) -> str:
    # Applied after the cap (DOMAIN 6.1): never more than this share of the bill.
    return (f"{POOL_ZH[pool]}减免比例 {fraction_text(fraction)}（封顶后计）："
            f"{yuan(capped_fen)} 元 × {fraction_text(fraction)} = {yuan(amount_fen)} 元")


def components_line(rule_set: RuleSet, usage_province: str, components: tuple[str, ...]) -> str:
    where = "本省" if usage_province == rule_set.province else "外省"
    names = "、".join(COMPONENT_ZH[c] for c in components) or "无"
    return f"用血地 {usage_province}（{where}，献血地 {rule_set.province}）：可减免 {names}"


def not_configured_line(rule_set: RuleSet) -> str:
    return f"血液成本费用：规则集 {rule_set.id} 尚未配置减免额度，暂不减免；用血互助金照常退还"


def eligible_line(blood_fee_fen: int, reduced_before_fen: int, fee_left_fen: int) -> str:
    if not reduced_before_fen:
        return f"发票输血费用 {yuan(blood_fee_fen)} 元"
    return (f"发票输血费用 {yuan(blood_fee_fen)} 元，此前已减免 {yuan(reduced_before_fen)} 元，"
            f"尚可减免 {yuan(fee_left_fen)} 元")


def mutual_aid_line(paid_fen: int, refunded_before_fen: int, refund_fen: int) -> str:
    before = f"，此前已退还 {yuan(refunded_before_fen)} 元" if refunded_before_fen else ""
    return f"用血互助金 {yuan(paid_fen)} 元按实际缴纳退还（不占用额度）{before}：本次退还 {yuan(refund_fen)} 元"


def mutual_aid_not_refunded_line(paid_fen: int) -> str:
    return f"用血互助金 {yuan(paid_fen)} 元：本规则集在此用血地不退还"


def cap_line(what: str, cap_fen: int) -> str:
    return f"超过{what}，按 {yuan(cap_fen)} 元封顶"


def final_line(reducible_fen: int) -> str:
    return f"本次可减免 {yuan(reducible_fen)} 元"


def no_share_line() -> str:
    """A further donor on a bill who draws nothing, for whatever reason the records give: one line,
    so naming a person on a bill tells nothing about whether or how they donated."""
    return "无可计入本次用血的献血记录或额度（或不满足亲属用血条件），不分担本次费用"
