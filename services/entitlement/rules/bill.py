"""Several donors on one bill (DOMAIN 6.1, Beijing annex 1 rule 5).

A patient may be the spouse of one donor, the parent of another and a donor too: their pools are
drawn in the order named, each taking only what the earlier ones left of the bill, so the total
never exceeds the bill and no fen is reduced twice. Mutual aid is refunded once, by the first
donor whose rule set refunds it. The first donor's records are the claim's own business; a further
donor who draws nothing, for whatever reason, is one line (no oracle on who is a donor).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from services.entitlement.rules import explain
from services.entitlement.rules.arith import yuan
from services.entitlement.rules.engine import quote
from services.entitlement.rules.errors import NoDonationBeforeUse, RelationshipNotAdmitted, RuleError
from services.entitlement.rules.explain import RELATIONSHIP_ZH
from services.entitlement.rules.model import RELATIONSHIPS, BillQuote, DonorPart, Quote, QuoteRequest
from services.entitlement.rules.ruleset import RuleSet

# Errors about the request itself; the rest are about one donor and name that donor's fields.
_REQUEST_FIELDS = ("items", "blood_fee_fen", "mutual_aid_fen", "province", "usage_province")


def _for_donor(exc: RuleError, part: DonorPart) -> RuleError:
    if not part.field_prefix or exc.field.startswith(_REQUEST_FIELDS):
        return exc
    field = "relationship" if exc.field == "relationship" else "donor.cert_number"
    return type(exc)(f"{part.field_prefix}{field}", f"{part.label}：{exc.detail}")


def quote_bill(rule_set: RuleSet, parts: Sequence[DonorPart], request: QuoteRequest) -> BillQuote:
    """Draw each donor's pool in turn for what the bill still lacks; ``request.relationship`` is
    ignored (each part names its own), its ``*_before`` fields are earlier reductions of the bill."""
    if not parts:
        raise ValueError("at least one donor")
    covered, reduced, refunded = (request.covered_before_ml, request.reduced_before_fen,
                                  request.mutual_aid_refunded_before_fen)
    quotes: list[Quote] = []
    for part in parts:
        asked = dataclasses.replace(request, relationship=part.relationship, covered_before_ml=covered,
                                    reduced_before_fen=reduced, mutual_aid_refunded_before_fen=refunded)
        try:
            result = quote(rule_set, part.donations, part.prior, asked)
        except (NoDonationBeforeUse, RelationshipNotAdmitted) as exc:
            if not quotes or not _admitted(rule_set, part.relationship):
                raise _for_donor(exc, part) from exc
            result = _draws_nothing(rule_set, part, asked, quotes[0])
        except RuleError as exc:
            raise _for_donor(exc, part) from exc
        if quotes and result.covered_ml == 0 and result.reducible_fen == 0:
            result = _draws_nothing(rule_set, part, asked, quotes[0])  # a full pool shows no more than an empty one
        quotes.append(result)
        covered += result.covered_ml
        reduced += result.supply_cost_fen
        refunded += result.mutual_aid_fen
    first = quotes[0]
    supply = sum(q.supply_cost_fen for q in quotes)
    aid = sum(q.mutual_aid_fen for q in quotes)
    return BillQuote(
        rule_set_id=rule_set.id,
        parts=tuple(quotes),
        used_ml=first.used_ml,
        covered_ml=sum(q.covered_ml for q in quotes),
        supply_cost_fen=supply,
        mutual_aid_fen=aid,
        reducible_fen=supply + aid,
        eligible_fee_fen=first.eligible_fee_fen,
        rest_ml_after=quotes[-1].rest_ml_after,
        explanation=_explanation(parts, quotes, supply + aid),
    )


def _admitted(rule_set: RuleSet, relationship: str) -> bool:
    """The rule set admits the relationship at all (the request's fault if not, not the records')."""
    return relationship in RELATIONSHIPS and relationship in rule_set.admitted_relationships


def _draws_nothing(rule_set: RuleSet, part: DonorPart, asked: QuoteRequest, first: Quote) -> Quote:
    """A further donor who draws nothing from this bill: nothing left of it, none of their donations
    counted before the use date, a relatives' condition unmet, or not on record at all
    (quotes/service.py). One answer for all, so naming someone on a bill tells nothing about them."""
    rest = max(0, first.used_ml - asked.covered_before_ml)
    return Quote(
        rule_set_id=rule_set.id, pool="self" if part.relationship == "self" else "relatives", unlimited=False,
        used_ml=first.used_ml, covered_ml=0, remaining_ml_before=0, remaining_ml_after=0,
        eligible_fee_fen=first.eligible_fee_fen, reducible_fen=0,
        explanation=[explain.header(rule_set), explain.no_share_line(), explain.final_line(0)],
        military_ml=0, local_ml=0, relationship=part.relationship, covered_before_ml=asked.covered_before_ml,
        rest_ml_after=rest)


def _explanation(parts: Sequence[DonorPart], quotes: Sequence[Quote], total_fen: int) -> list[str]:
    if len(quotes) == 1:
        return list(quotes[0].explanation)
    lines = [quotes[0].explanation[0],
             f"用血者有 {len(quotes)} 位献血亲属，按所列顺序依次使用各自额度，合计不超过本次用血费用"
             "（一次用血不得重复报销）"]
    for i, (part, q) in enumerate(zip(parts, quotes, strict=True), start=1):
        relation = "献血者本人" if q.relationship == "self" else f"献血者的{RELATIONSHIP_ZH[q.relationship]}"
        lines.append(f"【第{i}位献血者 {part.label}（用血者是{relation}）】")
        lines += q.explanation[1:-1]
        lines.append(f"第{i}位献血者可减免 {yuan(q.reducible_fen)} 元")
    lines.append(f"合计可减免 {yuan(total_fen)} 元")
    return lines
