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
    assert "2019-05-01 献血 400 mL，用血日在献血后10年内（至 2029-05-01（含）），按5倍计 2000 mL" in (
        q.explanation
    )


def test_explanation_starts_with_rule_set_and_ends_with_amount_in_yuan() -> None:
    q = quote(BJ, [wb(date(2019, 5, 1))], [], req(date(2024, 3, 1)))
    assert q.explanation[0].startswith("规则集 BJ-2009")
    assert "第214号" in q.explanation[0] and "第三条" in q.explanation[0]
    assert "按每200 mL 220.00 元计：400 mL ÷ 200 × 220.00 元 = 440.00 元" in q.explanation
    assert q.explanation[-1] == "本次可减免 440.00 元"


def test_used_on_the_tenth_anniversary_is_still_five_times() -> None:
    """民法典 201-202 (DOMAIN 3; issue 13 "Why"): "10年内" of a donation on 2014-05-01 starts on
    2014-05-02 and ends on 2024-05-01, which is inside. 6 U red cells (1200 mL) used that day on a
    bill whose blood fee is 1,260.00 (6 x 210.00): 5 x 400 = 2000 mL covers all 1200 mL, worth
    1200 / 200 x 220.00 = 1,320.00, capped at the bill: 1,260.00 (was 880.00 at 2x)."""
    q = quote(BJ, [wb(date(2014, 5, 1))], [],
              req(date(2024, 5, 1), items=(("red_cells", 6),), blood_fee_fen=126_000))
    assert q.remaining_ml_before == 2000 and q.covered_ml == 1200
    assert q.reducible_fen == 126_000
    assert "2014-05-01 献血 400 mL，用血日在献血后10年内（至 2024-05-01（含）），按5倍计 2000 mL" in q.explanation


def test_the_day_after_the_tenth_anniversary_is_two_times() -> None:
    """The next tier starts on D + 10 years + 1 day (DOMAIN 3): 2024-05-02 is 2 x 400 = 800 mL,
    6 U = 1200 mL of which 800 are covered: 880.00."""
    q = quote(BJ, [wb(date(2014, 5, 1))], [],
              req(date(2024, 5, 2), items=(("red_cells", 6),), blood_fee_fen=126_000))
    assert q.remaining_ml_before == 800 and q.reducible_fen == 88_000
    assert "2014-05-01 献血 400 mL，用血日已超过献血后10年（2024-05-02 起），按2倍计 800 mL" in q.explanation


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
    # 2010-01-01 + 10 years: 2020-01-01 is the last day inside, 2020-01-02 is past.
    assert quote(BJ, [wb(date(2010, 1, 1))], [], req(date(2020, 1, 1), "spouse")).reducible_fen == 44_000
    q = quote(BJ, [wb(date(2010, 1, 1))], [], req(date(2020, 1, 2), "spouse"))
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


def test_feb_29_donation_window_ends_feb_28_inclusive() -> None:
    """民法典 202: no 2026-02-29, so the 10 years of a 2016-02-29 donation end on 2026-02-28, the
    last day inside (issue 13 "Why": the spouse got 0 that day). Spouse: 1 x 400 = 400 mL, 2 U =
    400 mL, 440.00; on 2026-03-01 the relatives' window is over."""
    donations = [wb(date(2016, 2, 29))]
    assert quote(BJ, donations, [], req(date(2026, 2, 28))).remaining_ml_before == 2000
    assert quote(BJ, donations, [], req(date(2026, 3, 1))).remaining_ml_before == 800
    kin = quote(BJ, donations, [], req(date(2026, 2, 28), "spouse"))
    assert (kin.remaining_ml_before, kin.reducible_fen) == (400, 44_000)
    assert "2016-02-29 献血 400 mL，用血日在献血后10年内（至 2026-02-28（含）），按1倍计 400 mL" in (
        kin.explanation
    )
    late = quote(BJ, donations, [], req(date(2026, 3, 1), "spouse"))
    assert (late.remaining_ml_before, late.reducible_fen) == (0, 0)


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


def test_failed_test_donations_count_in_beijing() -> None:
    """Seed 001 annex 1 rule (一): "献血量指在北京市范围内捐献血液总量" counts all blood given, so a
    donation that failed testing earns 5 x 400 = 2000 mL like any other (counts_unqualified)."""
    q = quote(BJ, [wb(date(2020, 1, 1), qualified=False)], [], req(date(2024, 3, 1)))
    assert (q.remaining_ml_before, q.reducible_fen) == (2000, 44_000)
    assert any("检验不合格，本规则集按捐献血液总量计入" in line for line in q.explanation)


def test_failed_test_donations_count_toward_the_1000_ml_threshold_in_beijing() -> None:
    """Seed 001 art. 3(二) with annex 1 rule (一): 400 + 400 qualified + 400 failed = 1200 mL > 1000."""
    donations = [wb(date(2020, 1, 1)), wb(date(2021, 1, 1)), wb(date(2022, 1, 1), qualified=False)]
    assert quote(BJ, donations, [], req(date(2024, 3, 1))).unlimited is True


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


def test_claim_deadline_last_day_is_the_anniversary_of_payment() -> None:
    """Seed 001 三（二）2 "自用血缴费之日起一年内" with 民法典 202: the anniversary is the last day
    (2025-03-10 inclusive); Feb 29 -> Feb 28. The holiday shift (203) is the claims service's."""
    assert BJ.claim_deadline_for(date(2024, 3, 10), date(2024, 3, 1)) == date(2025, 3, 10)
    assert BJ.claim_deadline_for(date(2024, 2, 29), date(2024, 2, 20)) == date(2025, 2, 28)
    assert (BJ.claim_deadline.placeholder, BJ.claim_deadline.confidence) == (False, "high")


def test_claim_deadline_counts_from_the_earlier_of_payment_and_invoice() -> None:
    """DOMAIN 7: from the earlier of paid_on and the invoice date (the 收费票据 proves payment)."""
    assert BJ.claim_deadline_for(date(2024, 3, 10), date(2024, 3, 1), date(2024, 3, 8)) == date(2025, 3, 8)
    assert BJ.claim_deadline_for(date(2024, 3, 10), date(2024, 3, 1), date(2024, 3, 12)) == date(2025, 3, 10)


def test_beijing_product_prices_and_equivalents() -> None:
    assert BJ.unit_price_fen("washed_red_cells") == 26000
    assert BJ.unit_price_fen("red_cells") == 21000
    assert BJ.ml_eq_per_unit("platelets_apheresis") == 400
    assert BJ.admitted_relationships == {"self", "spouse", "parent", "child", "adoptive_parent", "adoptive_child",
                                         "step_parent", "step_child"}
