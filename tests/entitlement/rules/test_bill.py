"""Several donors on one bill, and a later claim for the uncovered rest (DOMAIN 6.1, Beijing annex 1
rules 4-5: 总量原则; 用血者有多个亲属参加过无偿献血的，只在用血费用额度内报销，一次用血不得重复报销)."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.entitlement.rules import (
    Donation,
    DonorPart,
    NoDonationBeforeUse,
    QuoteItem,
    QuoteRequest,
    RelationshipNotAdmitted,
    load_rule_sets,
    quote,
    quote_bill,
)

RULES = load_rule_sets()
BJ = RULES["BJ-2009"]
USED_ON = date(2024, 3, 1)


def wb(day: date, ml: int = 400, no: str = "D") -> Donation:
    return Donation(f"{no}{day}{ml}", "BJ01", day, "whole_blood", ml, None, True, False)


def bill(red_cells: int = 4, fee_fen: int = 84_000, **before: int) -> QuoteRequest:
    return QuoteRequest("self", USED_ON, "11", [QuoteItem("red_cells", red_cells)], fee_fen, **before)


DONOR_A = DonorPart("110105********0215", "parent", [wb(date(2020, 1, 1), no="A")], [])
DONOR_B = DonorPart("110108********0326", "spouse", [wb(date(2021, 1, 1), no="B")], [],
                    field_prefix="additional_donors[0].")


def test_the_parent_of_one_donor_and_spouse_of_another_is_covered_up_to_the_bill() -> None:
    """Issue 13 "Why", seed 001 annex 1 rule 5: 4 U red cells (800 mL), blood fee 840.00. A's
    relatives' pool 1 x 400 = 400 mL -> 440.00; B's 400 mL cover the other 400 mL, worth 440.00,
    but only 840.00 - 440.00 = 400.00 of the bill is left: 400.00. Total 840.00, never more."""
    result = quote_bill(BJ, [DONOR_A, DONOR_B], bill())
    assert [p.reducible_fen for p in result.parts] == [44_000, 40_000]
    assert [p.covered_ml for p in result.parts] == [400, 400]
    assert (result.reducible_fen, result.covered_ml, result.rest_ml_after) == (84_000, 800, 0)
    assert "第2位献血者可减免 400.00 元" in result.explanation
    assert result.explanation[-1] == "合计可减免 840.00 元"


def test_a_later_claim_on_a_partly_covered_invoice_takes_the_rest_once() -> None:
    """Seed 001 annex 1 rule 5: A's claim took 400 mL / 440.00; B's later claim on the same
    invoice is quoted on the rest only (400 mL, 400.00 of the fee), exactly as if filed together."""
    first = quote(BJ, DONOR_A.donations, [], dataclasses.replace(bill(), relationship="parent"))
    assert first.reducible_fen == 44_000
    later = quote(BJ, DONOR_B.donations, [], dataclasses.replace(
        bill(covered_before_ml=first.covered_ml, reduced_before_fen=first.supply_cost_fen), relationship="spouse"))
    assert (later.covered_ml, later.reducible_fen, later.rest_ml_after) == (400, 40_000, 0)
    assert "同一次用血此前已减免 400 mL、440.00 元，本次只计尚未减免的 400 mL" in later.explanation


def test_a_fully_covered_bill_gives_nothing_more() -> None:
    """一次用血不得重复报销: with all 800 mL covered before, a third donor draws nothing."""
    third = DonorPart("third", "child", [wb(date(2022, 1, 1), no="C")], [])
    result = quote_bill(BJ, [third], bill(covered_before_ml=800, reduced_before_fen=84_000))
    assert (result.reducible_fen, result.covered_ml, result.parts[0].remaining_ml_after) == (0, 0, 400)


def test_an_error_about_an_additional_donor_names_that_donor() -> None:
    sibling = dataclasses.replace(DONOR_B, relationship="sibling")
    with pytest.raises(RelationshipNotAdmitted) as err:
        quote_bill(BJ, [DONOR_A, sibling], bill())
    assert err.value.field == "additional_donors[0].relationship"
    assert err.value.detail.startswith("110108********0326：")


def test_the_patient_may_be_a_donor_too() -> None:
    """DOMAIN 6.1: the patient's own pool (self, 5 x 200 = 1000 mL) first, then a child's."""
    own = DonorPart("patient", "self", [wb(date(2023, 1, 1), 200, no="P")], [])
    result = quote_bill(BJ, [own, DONOR_A], bill(red_cells=6, fee_fen=200_000))
    assert [p.covered_ml for p in result.parts] == [1000, 200]
    assert result.reducible_fen == 132_000  # 1200 / 200 x 220.00


def test_a_further_donor_who_draws_nothing_looks_the_same_whatever_the_reason() -> None:
    """Issue 11.1 with 13.3: naming someone as a further donor tells nothing about them. The patient's
    own pool (1000 mL) covers the 800 mL bill; a further donor with a pool left, one who gave only
    after the use, and one not on record at all (no donations) draw nothing, and read the same."""
    own = DonorPart("patient", "self", [wb(date(2023, 1, 1), 200, no="P")], [])
    with_pool = dataclasses.replace(DONOR_B, donations=[wb(date(2021, 1, 1), no="B")])
    gave_later = dataclasses.replace(DONOR_B, donations=[wb(date(2024, 6, 1), no="L")])
    not_a_donor = dataclasses.replace(DONOR_B, donations=[])
    results = [quote_bill(BJ, [own, other], bill()) for other in (with_pool, gave_later, not_a_donor)]
    assert results[0] == results[1] == results[2]
    assert (results[0].reducible_fen, results[0].parts[1].reducible_fen) == (84_000, 0)
    assert "无可计入本次用血的献血记录或额度（或不满足亲属用血条件），不分担本次费用" in results[0].explanation
    assert not any("2021-01-01" in line or "2024-06-01" in line for line in results[0].explanation)


def test_the_first_donor_without_donations_before_the_use_is_still_refused() -> None:
    """The claim's own donor: the claim's business, so the reason is given (no bill without them)."""
    with pytest.raises(NoDonationBeforeUse):
        quote_bill(BJ, [dataclasses.replace(DONOR_A, donations=[wb(date(2024, 6, 1))]), DONOR_B], bill())


donor_parts = st.lists(st.builds(
    DonorPart, label=st.just("d"), relationship=st.sampled_from(["self", "spouse", "parent", "child"]),
    donations=st.lists(st.builds(wb, st.dates(date(2012, 1, 1), USED_ON), st.sampled_from([200, 400])),
                       min_size=1, max_size=3),
    prior=st.just([])), min_size=1, max_size=3)
bills = st.builds(bill, st.integers(1, 12), st.integers(1, 400_000))
BILL_SETTINGS = settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


@BILL_SETTINGS
@given(donor_parts, bills)
def test_several_donors_never_reduce_more_than_the_bill(parts, request) -> None:
    result = quote_bill(BJ, parts, request)
    assert result.supply_cost_fen <= request.blood_fee_fen
    assert result.covered_ml <= result.used_ml
    assert result.reducible_fen == sum(p.reducible_fen for p in result.parts)


@BILL_SETTINGS
@given(donor_parts, bills, st.integers(1, 2))
def test_filing_together_or_one_after_the_other_gives_the_same_parts(parts, request, split) -> None:
    """A later claim for the rest (with the earlier reductions as *_before) draws exactly what the
    same donors would draw named together on one claim."""
    split = min(split, len(parts))
    together = quote_bill(BJ, parts, request)
    first = quote_bill(BJ, parts[:split], request)
    if split == len(parts):
        assert first == together
        return
    rest = quote_bill(BJ, parts[split:], dataclasses.replace(
        request, covered_before_ml=first.covered_ml, reduced_before_fen=first.supply_cost_fen))
    assert [p.reducible_fen for p in (*first.parts, *rest.parts)] == [p.reducible_fen for p in together.parts]
    assert first.reducible_fen + rest.reducible_fen == together.reducible_fen
