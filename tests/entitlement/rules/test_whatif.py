"""What-if replay of recorded cases under a draft version (pure part of POST /ops/v1/rule-sets/simulate)."""

from __future__ import annotations

from datetime import date

from services.entitlement.rules import (
    Case,
    CaseDonor,
    Donation,
    QuoteItem,
    QuoteRequest,
    RecordedDraw,
    load_rule_sets,
    simulate,
)
from services.entitlement.rules.ruleset import Grant, Window

BJ = load_rule_sets()["BJ-2009"]
# A draft that doubles the relatives' quota (2 x the donated volume within 10 years).
DRAFT = BJ.model_copy(update={"id": "BJ-DRAFT", "relatives": BJ.relatives.model_copy(update={"tiers": (
    BJ.relatives.tiers[0].model_copy(update={"grant": Grant(windows=(Window(within_years=10, multiplier=2),))}),)})})
DONATION = Donation("A1", "BJ01", date(2020, 1, 1), "whole_blood", 400, None, True, False)


def case(reference: str, red_cells: int, prior: list[RecordedDraw], *, invoice: str | None = None,
         hold: str | None = None, fee: int = 1_000_000, **before: int) -> Case:
    request = QuoteRequest("parent", date(2024, 3, 1), "11", [QuoteItem("red_cells", red_cells)], fee, **before)
    return Case(reference=reference, kind="claim", status="approved", hold_key=hold or f"claim:{reference}",
                baseline=BJ, donors=[CaseDonor("A", "parent", [DONATION], prior)], request=request,
                invoice_key=invoice, recorded_fen=0)


def test_a_case_the_draft_does_not_touch_is_unchanged() -> None:
    [result] = simulate(DRAFT, [case("BX1", 2, [])])
    assert (result.baseline_fen, result.draft_fen, result.difference_fen, result.why) == (44_000, 44_000, 0, [])


def test_a_larger_quota_changes_a_case_and_says_why() -> None:
    """4 U = 800 mL: BJ-2009 covers 1 x 400 (440.00), the draft 2 x 400 = 800 (880.00): +440.00."""
    [result] = simulate(DRAFT, [case("BX1", 4, [])])
    assert (result.baseline_fen, result.draft_fen, result.difference_fen) == (44_000, 88_000, 44_000)
    assert "－ 2020-01-01 献血 400 mL，用血日在献血后10年内（至 2030-01-01（含）），按1倍计 400 mL" in result.why
    assert "＋ 2020-01-01 献血 400 mL，用血日在献血后10年内（至 2030-01-01（含）），按2倍计 800 mL" in result.why


def test_a_later_case_on_the_same_pool_sees_what_the_draft_drew_before() -> None:
    """The first claim drew 400 mL as recorded, the draft would have drawn 800: the second claim's
    pool is empty either way (0 and 0), not 400 mL under the draft."""
    first = case("BX1", 4, [])
    second = case("BX2", 2, [RecordedDraw("claim:BX1", 0, "relatives", 400, "consumed")])
    results = simulate(DRAFT, [first, second])
    assert [(r.baseline_fen, r.draft_fen) for r in results] == [(44_000, 88_000), (0, 0)]


def test_a_later_claim_on_the_same_invoice_gets_what_the_draft_leaves() -> None:
    """Bill 4 U, 840.00. Recorded: A's claim 400 mL / 440.00, B's later claim the rest (400.00).
    Under the draft A covers all 800 mL / 840.00, so B's claim would get nothing: -400.00."""
    first = case("BX1", 4, [], invoice="X|1", fee=84_000)
    other_donor = Donation("B1", "BJ01", date(2021, 1, 1), "whole_blood", 400, None, True, False)
    second = Case(reference="BX2", kind="claim", status="submitted", hold_key="claim:BX2", baseline=BJ,
                  donors=[CaseDonor("B", "spouse", [other_donor], [])],
                  request=QuoteRequest("spouse", date(2024, 3, 1), "11", [QuoteItem("red_cells", 4)], 84_000,
                                       covered_before_ml=400, reduced_before_fen=44_000),
                  invoice_key="X|1", recorded_fen=40_000)
    results = simulate(DRAFT, [first, second])
    assert [(r.baseline_fen, r.draft_fen, r.difference_fen) for r in results] == [
        (44_000, 84_000, 40_000), (40_000, 0, -40_000)]
