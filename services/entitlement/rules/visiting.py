"""A donor of another province using blood in this one (DOMAIN 6.3 and 10, Guizhou seed 000 二(二)).

The province of use refunds what its ``fee_components.visiting_donors`` lists (Guizhou: the mutual
aid it charged); the donor's own province pays the supply cost under its own rules. Whether the
person is entitled at all (a donor there, or their spouse, parent or child) only the donor's
province can say: the interop exchange supplies ``donor_entitled`` and this function does the rest.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.entitlement.rules.arith import yuan
from services.entitlement.rules.model import QuoteRequest
from services.entitlement.rules.ruleset import RuleSet


@dataclass(frozen=True)
class VisitingRefund:
    refund_fen: int
    explanation: list[str]


def visiting_refund(usage_rule_set: RuleSet, request: QuoteRequest, *, donor_province: str,
                    donor_entitled: bool) -> VisitingRefund:
    """What ``usage_rule_set``'s province refunds to an entitled donor of ``donor_province``."""
    if donor_province == usage_rule_set.province:
        raise ValueError("a donor of this province is quoted by quote(), not as a visitor")
    head = (f"外省（{donor_province}）献血者在 {usage_rule_set.province} 用血：依据{usage_rule_set.legal_reference}"
            f"（规则集 {usage_rule_set.id}）")
    components = usage_rule_set.fee_components.visiting_donors
    if not donor_entitled:
        return VisitingRefund(0, [head, "献血地平台答复：不符合减免条件，不退还"])
    if "mutual_aid" not in components or request.mutual_aid_fen <= 0:
        return VisitingRefund(0, [head, "本省对外省献血者不退还本次费用；血液成本费用由献血地按其规定办理"])
    refund = max(0, request.mutual_aid_fen - request.mutual_aid_refunded_before_fen)
    return VisitingRefund(refund, [
        head,
        f"用血互助金 {yuan(request.mutual_aid_fen)} 元按实际缴纳退还：本次退还 {yuan(refund)} 元",
        "血液成本费用由献血地按其规定办理",
    ])
