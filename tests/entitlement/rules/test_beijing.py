"""Beijing (BJ-2009, seed 001 annex 1): worked cases computed by hand in the comments."""

from __future__ import annotations

from datetime import date

import pytest

from services.entitlement.rules import (
    Donation,
    InvalidQuantity,
    NoDonationBeforeUse,
    PoolDraw,
    QuoteItem,
    QuoteRequest,
    RelationshipNotAdmitted,
    UnknownProduct,
    load_rule_sets,
    quote,
)

BJ = load_rule_sets()["BJ-2009"]
BIG_BILL = 10_000_000


def wb(day: date, ml: int = 400, no: str = "", *, military: bool = False, qualified: bool = True):
    return Donation(no or f"WB{day}{ml}", "BJ01", day, "whole_blood", ml, None, qualified, military)


def plt(day: date, units: int = 1, no: str = "") -> Donation:
    return Donation(no or f"PL{day}", "BJ01", day, "platelet_apheresis", None, units, True, False)


def req(
    used_on: date,
    relationship: str = "self",
    items: tuple[tuple[str, int], ...] = (("red_cells", 2),),
    blood_fee_fen: int = BIG_BILL,
) -> QuoteRequest:
    return QuoteRequest(
        relationship, used_on, "11", [QuoteItem(p, q) for p, q in items], blood_fee_fen
    )


def test_two_units_red_cells_within_ten_years_reduce_440_yuan() -> None:
    # 400 mL on 2019-05-01, used 2024-03-01: 5 x 400 = 2000 mL quota.
    # 2 U red cells = 400 mL-eq, all covered; 400 / 200 x 220.00 = 440.00 yuan = 44000 fen.
    q = quote(BJ, [wb(date(2019, 5, 1))], [], req(date(2024, 3, 1)))
    assert (q.used_ml, q.covered_ml) == (400, 400)
    assert (q.remaining_ml_before, q.remaining_ml_after) == (2000, 1600)
    assert q.reducible_fen == 44000
    assert q.unlimited is False and q.pool == "self"
    assert "2019-05-01 献血 400 mL，用血日在献血后10年内（至2029-05-01），按5倍计 2000 mL" in (
        q.explanation
    )


def test_explanation_starts_with_rule_set_and_ends_with_amount_in_yuan() -> None:
    q = quote(BJ, [wb(date(2019, 5, 1))], [], req(date(2024, 3, 1)))
    assert q.explanation[0].startswith("规则集 BJ-2009")
    assert "第214号" in q.explanation[0] and "第三条" in q.explanation[0]
    assert "按每200 mL 220.00 元计：400 mL ÷ 200 × 220.00 元 = 440.00 元" in q.explanation
    assert q.explanation[-1] == "本次可减免 440.00 元"


def test_day_before_tenth_anniversary_is_five_times() -> None:
    # 2014-05-01 + 10 years = 2024-05-01; 2024-04-30 is still inside: 5 x 400 = 2000.
    q = quote(BJ, [wb(date(2014, 5, 1))], [], req(date(2024, 4, 30)))
    assert q.remaining_ml_before == 2000


def test_used_exactly_on_tenth_anniversary_is_two_times() -> None:
    # use_date < D + 10y fails on 2024-05-01 itself: 2 x 400 = 800.
    q = quote(BJ, [wb(date(2014, 5, 1))], [], req(date(2024, 5, 1)))
    assert q.remaining_ml_before == 800
    assert any("按2倍计 800 mL" in line for line in q.explanation)


def test_cumulative_exactly_1000_is_not_unlimited() -> None:
    # 400 + 400 + 200 = 1000 mL, not "超过1000毫升": per-donation 5 x 1000 = 5000 mL.
    donations = [wb(date(2020, 1, 1)), wb(date(2021, 1, 1)), wb(date(2022, 1, 1), 200)]
    q = quote(BJ, donations, [], req(date(2024, 3, 1)))
    assert q.unlimited is False
    assert q.remaining_ml_before == 5000


def test_cumulative_1200_is_unlimited_for_life() -> None:
    # 3 x 400 = 1200 > 1000; even 30 years on and after 9000 mL used, 10 U are all covered.
    donations = [wb(date(1995, 1, 1)), wb(date(1996, 1, 1)), wb(date(1997, 1, 1))]
    prior = [PoolDraw("self", 9000, "consumed")]
    q = quote(BJ, donations, prior, req(date(2027, 1, 1), items=(("red_cells", 10),)))
    assert q.unlimited is True
    assert (q.remaining_ml_before, q.remaining_ml_after) == (None, None)
    assert q.covered_ml == q.used_ml == 2000
    assert q.reducible_fen == 220000  # 2000 / 200 x 22000


def test_relatives_share_one_pool_second_relative_gets_only_the_rest() -> None:
    # Relatives: 1 x 400 = 400 mL within 10 years. Spouse consumed 300 -> parent gets 100 mL:
    # 100 / 200 x 22000 = 11000 fen.
    donations = [wb(date(2020, 1, 1))]
    q = quote(
        BJ, donations, [PoolDraw("relatives", 300, "consumed")], req(date(2024, 3, 1), "parent")
    )
    assert q.pool == "relatives"
    assert (q.remaining_ml_before, q.covered_ml, q.remaining_ml_after) == (100, 100, 0)
    assert q.reducible_fen == 11000
    assert "亲属共用额度合计 400 mL；此前已用 300 mL，占用中 0 mL；剩余 100 mL" in q.explanation


def test_held_draws_count_like_consumed_ones() -> None:
    # A child's open claim holds 250, the spouse consumed 100: 400 - 350 = 50 left.
    prior = [PoolDraw("relatives", 250, "held"), PoolDraw("relatives", 100, "consumed")]
    q = quote(BJ, [wb(date(2020, 1, 1))], prior, req(date(2024, 3, 1), "child"))
    assert q.remaining_ml_before == 50 and q.covered_ml == 50


def test_exhausted_relatives_pool_gives_zero_never_negative() -> None:
    prior = [PoolDraw("relatives", 500, "consumed")]
    q = quote(BJ, [wb(date(2020, 1, 1))], prior, req(date(2024, 3, 1), "spouse"))
    assert (q.remaining_ml_before, q.covered_ml, q.reducible_fen) == (0, 0, 0)


def test_self_and_relatives_pools_are_separate() -> None:
    donations = [wb(date(2020, 1, 1))]
    self_drawn = [PoolDraw("self", 2000, "consumed")]
    kin = quote(BJ, donations, self_drawn, req(date(2024, 3, 1), "spouse"))
    assert kin.remaining_ml_before == 400
    kin_drawn = [PoolDraw("relatives", 400, "consumed")]
    own = quote(BJ, donations, kin_drawn, req(date(2024, 3, 1)))
    assert own.remaining_ml_before == 2000


def test_relatives_get_nothing_after_ten_years() -> None:
    q = quote(BJ, [wb(date(2010, 1, 1))], [], req(date(2020, 1, 1), "spouse"))
    assert (q.remaining_ml_before, q.covered_ml, q.reducible_fen) == (0, 0, 0)
    assert any("不计入" in line for line in q.explanation)


def test_platelet_unit_counts_as_400_ml() -> None:
    # One apheresis unit = 400 mL: self 5 x 400 = 2000, relatives 1 x 400 = 400.
    donations = [plt(date(2022, 6, 1))]
    assert quote(BJ, donations, [], req(date(2024, 3, 1))).remaining_ml_before == 2000
    kin = quote(BJ, donations, [], req(date(2024, 3, 1), "child"))
    assert kin.remaining_ml_before == 400


def test_used_platelet_dose_is_400_ml_eq_at_220_yuan_per_200() -> None:
    # 1 dose used = 400 mL-eq -> 400 / 200 x 22000 = 44000 fen.
    q = quote(
        BJ, [wb(date(2022, 6, 1))], [], req(date(2024, 3, 1), items=(("platelets_apheresis", 1),))
    )
    assert q.used_ml == 400 and q.reducible_fen == 44000


def test_reducible_is_capped_by_the_invoice_blood_fee() -> None:
    # 44000 fen computed, the invoice's transfusion fee is 300.00 yuan.
    q = quote(BJ, [wb(date(2019, 5, 1))], [], req(date(2024, 3, 1), blood_fee_fen=30000))
    assert q.eligible_fee_fen == 30000
    assert q.reducible_fen == 30000
    assert "超过发票可减免费用，按 300.00 元封顶" in q.explanation


def test_mixed_bill_plasma_counts_100_ml_per_unit() -> None:
    # 2 U red cells (400) + 3 plasma (300) = 700 mL-eq, quota 2000: 700 / 200 x 22000 = 77000.
    q = quote(
        BJ,
        [wb(date(2019, 5, 1))],
        [],
        req(date(2024, 3, 1), items=(("red_cells", 2), ("plasma", 3))),
    )
    assert q.used_ml == 700 and q.reducible_fen == 77000


def test_feb_29_donation_window_ends_feb_28() -> None:
    # 2016-02-29 + 10 years = 2026-02-28 (no Feb 29 in 2026).
    donations = [wb(date(2016, 2, 29))]
    assert quote(BJ, donations, [], req(date(2026, 2, 27))).remaining_ml_before == 2000
    assert quote(BJ, donations, [], req(date(2026, 2, 28))).remaining_ml_before == 800
    kin = quote(BJ, donations, [], req(date(2026, 2, 27), "spouse"))
    assert kin.remaining_ml_before == 400
    assert "2016-02-29 献血 400 mL，用血日在献血后10年内（至2026-02-28），按1倍计 400 mL" in (
        kin.explanation
    )


def test_donations_after_the_use_date_are_ignored() -> None:
    # The 2024-06-01 donation is after use on 2024-03-01; one on the use date itself counts.
    donations = [wb(date(2019, 5, 1)), wb(date(2024, 6, 1)), wb(date(2024, 3, 1), 200)]
    q = quote(BJ, donations, [], req(date(2024, 3, 1)))
    assert q.remaining_ml_before == 5 * 400 + 5 * 200
    assert q.local_ml == 600


def test_only_later_donations_raise_no_donation_before_use() -> None:
    with pytest.raises(NoDonationBeforeUse) as err:
        quote(BJ, [wb(date(2024, 6, 1))], [], req(date(2024, 3, 1)))
    assert err.value.field == "used_on"


def test_failed_test_donations_do_not_count_in_beijing() -> None:
    with pytest.raises(NoDonationBeforeUse):
        quote(BJ, [wb(date(2020, 1, 1), qualified=False)], [], req(date(2024, 3, 1)))


def test_military_and_local_records_combine() -> None:
    # Local 400 + 200, military 400 + 200: 1200 > 1000 together (neither alone).
    donations = [
        wb(date(2015, 1, 1)),
        wb(date(2016, 1, 1), 200),
        wb(date(2017, 1, 1), military=True),
        wb(date(2018, 1, 1), 200, military=True),
    ]
    q = quote(BJ, donations, [], req(date(2024, 3, 1)))
    assert q.unlimited is True
    assert (q.local_ml, q.military_ml) == (600, 600)
    local_only = quote(BJ, donations[:2], [], req(date(2024, 3, 1)))
    assert local_only.unlimited is False and local_only.military_ml == 0


def test_sibling_is_not_admitted_in_beijing() -> None:
    with pytest.raises(RelationshipNotAdmitted) as err:
        quote(BJ, [wb(date(2020, 1, 1))], [], req(date(2024, 3, 1), "sibling"))
    assert err.value.field == "relationship"


def test_unknown_relationship_value_is_not_admitted() -> None:
    with pytest.raises(RelationshipNotAdmitted):
        quote(BJ, [wb(date(2020, 1, 1))], [], req(date(2024, 3, 1), "cousin"))


def test_unknown_product_names_its_item() -> None:
    with pytest.raises(UnknownProduct) as err:
        quote(
            BJ,
            [wb(date(2020, 1, 1))],
            [],
            req(date(2024, 3, 1), items=(("red_cells", 1), ("albumin", 1))),
        )
    assert err.value.field == "items[1].product"
    assert "albumin" in err.value.detail


@pytest.mark.parametrize("quantity", [0, -2])
def test_non_positive_quantity_names_its_item(quantity: int) -> None:
    with pytest.raises(InvalidQuantity) as err:
        quote(
            BJ,
            [wb(date(2020, 1, 1))],
            [],
            req(date(2024, 3, 1), items=(("plasma", 1), ("red_cells", quantity))),
        )
    assert err.value.field == "items[1].quantity"


def test_empty_items_is_invalid() -> None:
    with pytest.raises(InvalidQuantity) as err:
        quote(BJ, [wb(date(2020, 1, 1))], [], req(date(2024, 3, 1), items=()))
    assert err.value.field == "items"


def test_claim_deadline_is_one_year_after_payment_exclusive() -> None:
    assert BJ.claim_deadline_for(date(2024, 3, 10), date(2024, 3, 1)) == date(2025, 3, 10)
    assert BJ.claim_deadline_for(date(2024, 2, 29), date(2024, 2, 20)) == date(2025, 2, 28)


def test_beijing_product_prices_and_equivalents() -> None:
    assert BJ.unit_price_fen("washed_red_cells") == 26000
    assert BJ.unit_price_fen("red_cells") == 21000
    assert BJ.ml_eq_per_unit("platelets_apheresis") == 400
    assert BJ.admitted_relationships == {"self", "spouse", "parent", "child"}
