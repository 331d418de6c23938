"""Zhejiang, Jiangsu, Guangdong, Henan, Anhui, Guizhou: worked cases, computed by hand."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from services.entitlement.rules import (
    Donation,
    NoDonationBeforeUse,
    PoolDraw,
    QuotasNotConfigured,
    QuoteItem,
    QuoteRequest,
    RelationshipNotAdmitted,
    RuleSet,
    certificate_summary,
    load_rule_sets,
    quote,
    visiting_refund,
)

RULES = load_rule_sets()
ZJ, JS, GD, HA, AH, GZ = (RULES[k] for k in ("ZJ-2014", "JS", "GD", "HA", "AH", "GZ"))
BIG_BILL = 10_000_000


def wb(day: date, ml: int = 400, *, qualified: bool = True) -> Donation:
    return Donation(f"WB{day}{ml}", "S01", day, "whole_blood", ml, None, qualified, False)


def plt(day: date, units: int = 1) -> Donation:
    return Donation(f"PL{day}", "S01", day, "platelet_apheresis", None, units, True, False)


def req(
    used_on: date,
    relationship: str = "self",
    province: str = "00",
    red_cells: int = 2,
    blood_fee_fen: int = BIG_BILL,
    mutual_aid_fen: int = 0,
) -> QuoteRequest:
    items = [QuoteItem("red_cells", red_cells)]
    return QuoteRequest(relationship, used_on, province, items, blood_fee_fen, mutual_aid_fen)


def remaining(
    rule_set: RuleSet, donations: list[Donation], used_on: date, relationship: str = "self"
) -> int | None:
    return quote(rule_set, donations, [], req(used_on, relationship)).remaining_ml_before


# --- Zhejiang ---------------------------------------------------------------------------------


def test_zj_400_ml_whole_blood_is_unlimited_for_life() -> None:
    q = quote(ZJ, [wb(date(2015, 1, 1))], [], req(date(2045, 1, 1)))
    assert q.unlimited is True and q.reducible_fen == 44000


def test_zj_200_ml_is_five_times_within_five_years_then_equal() -> None:
    # 200 mL on 2020-01-01: 5 x 200 = 1000 up to 2025-01-01 inclusive (民法典 202), then 1 x 200.
    donations = [wb(date(2020, 1, 1), 200)]
    assert remaining(ZJ, donations, date(2025, 1, 1)) == 1000
    assert remaining(ZJ, donations, date(2025, 1, 2)) == 200


def test_zj_apheresis_donor_is_unlimited_for_life() -> None:
    q = quote(ZJ, [plt(date(2016, 3, 1))], [], req(date(2040, 1, 1)))
    assert q.unlimited is True


def test_zj_relatives_two_times_within_five_years_with_800_ml_platelet_unit() -> None:
    # 1 platelet unit = 800 mL in Zhejiang; relatives 2 x 800 = 1600 within 5 years, 800 after.
    donations = [plt(date(2020, 1, 1))]
    assert remaining(ZJ, donations, date(2025, 1, 1), "spouse") == 1600
    assert remaining(ZJ, donations, date(2025, 1, 2), "spouse") == 800


def test_zj_extended_relatives_need_donor_at_8000_ml() -> None:
    ten_times = [wb(date(2010 + i, 1, 1)) for i in range(10)]  # 4000 mL
    with pytest.raises(RelationshipNotAdmitted) as err:
        quote(ZJ, ten_times, [], req(date(2024, 1, 1), "sibling"))
    assert err.value.field == "relationship"
    assert "8000" in err.value.detail
    twenty = [wb(date(2000 + i, 1, 1)) for i in range(20)]  # 8000 mL, all older than 5 years
    # Relatives 1 x each after 5 years: 20 x 400 = 8000 mL.
    assert remaining(ZJ, twenty, date(2030, 1, 1), "grandparent") == 8000
    assert remaining(ZJ, twenty, date(2030, 1, 1), "spouse_parent") == 8000


def test_zj_extended_condition_is_judged_at_the_use_date() -> None:
    twenty = [wb(date(2000 + i, 1, 1)) for i in range(20)]  # 20th donation on 2019-01-01
    with pytest.raises(RelationshipNotAdmitted):
        quote(ZJ, twenty, [], req(date(2018, 12, 31), "sibling"))


# --- Jiangsu ----------------------------------------------------------------------------------


def test_js_800_ml_is_unlimited_for_life() -> None:
    q = quote(JS, [wb(date(2010, 1, 1)), wb(date(2011, 1, 1))], [], req(date(2040, 1, 1)))
    assert q.unlimited is True


def test_js_below_800_is_three_times_without_time_limit() -> None:
    # 400 + 200 = 600 < 800: 3 x 600 = 1800, thirty years on as well.
    donations = [wb(date(2010, 1, 1)), wb(date(2011, 1, 1), 200)]
    assert remaining(JS, donations, date(2040, 1, 1)) == 1800


def test_js_siblings_and_spouse_parents_share_one_equal_volume_pool() -> None:
    # Relatives 1 x 600 = 600; a sibling used 500 -> the spouse's parent gets 100 mL:
    # 100 / 200 x 22000 = 11000 fen.
    donations = [wb(date(2010, 1, 1)), wb(date(2011, 1, 1), 200)]
    prior = [PoolDraw("relatives", 500, "consumed")]
    q = quote(JS, donations, prior, req(date(2030, 1, 1), "spouse_parent"))
    assert (q.remaining_ml_before, q.covered_ml, q.reducible_fen) == (100, 100, 11000)


# --- Guangdong --------------------------------------------------------------------------------


def test_gd_any_qualified_donation_makes_donor_unlimited() -> None:
    assert quote(GD, [wb(date(2019, 1, 1), 200)], [], req(date(2050, 1, 1))).unlimited is True


def test_gd_failed_test_donation_gives_donor_three_times() -> None:
    # Failed-test 400 mL: 3 x 400 = 1200 for the donor only.
    donations = [wb(date(2019, 1, 1), qualified=False)]
    q = quote(GD, donations, [], req(date(2024, 1, 1), red_cells=8))
    assert (q.remaining_ml_before, q.used_ml, q.covered_ml) == (1200, 1600, 1200)
    assert q.reducible_fen == 132000  # 1200 / 200 x 22000
    assert any("检验不合格" in line for line in q.explanation)
    with pytest.raises(NoDonationBeforeUse):
        quote(GD, donations, [], req(date(2024, 1, 1), "spouse"))


def test_gd_before_split_600_ml_makes_relatives_unlimited() -> None:
    donations = [wb(date(2016, 1, 1)), wb(date(2017, 1, 1), 200)]  # 600 before 2018-03-01
    assert quote(GD, donations, [], req(date(2024, 1, 1), "adoptive_child")).unlimited is True


def test_gd_before_split_under_600_gives_relatives_nothing() -> None:
    q = quote(GD, [wb(date(2017, 1, 1))], [], req(date(2024, 1, 1), "spouse"))
    assert (q.remaining_ml_before, q.reducible_fen) == (0, 0)


def test_gd_from_split_600_to_1000_is_pooled_two_times() -> None:
    # From 2018-03-01 (inclusive): 400 + 200 = 600 -> 2 x 600 = 1200; 1000 (含) -> 2000.
    donations = [wb(date(2018, 3, 1)), wb(date(2019, 1, 1), 200)]
    assert remaining(GD, donations, date(2024, 1, 1), "parent") == 1200
    donations.append(wb(date(2020, 1, 1)))
    assert remaining(GD, donations, date(2024, 1, 1), "parent") == 2000


def test_gd_from_split_over_1000_is_unlimited() -> None:
    donations = [wb(date(2019, 1, 1)), wb(date(2020, 1, 1)), wb(date(2021, 1, 1))]  # 1200
    assert remaining(GD, donations, date(2024, 1, 1), "child") is None


def test_gd_regimes_are_counted_separately() -> None:
    # 400 on 2018-02-28 (old regime, < 600) + 400 on 2018-03-01 (new regime, < 600): nothing.
    donations = [wb(date(2018, 2, 28)), wb(date(2018, 3, 1))]
    assert remaining(GD, donations, date(2024, 1, 1), "spouse") == 0


def test_gd_admits_adoptive_relatives_but_not_siblings() -> None:
    with pytest.raises(RelationshipNotAdmitted):
        quote(GD, [wb(date(2019, 1, 1))], [], req(date(2024, 1, 1), "sibling"))


# --- Henan ------------------------------------------------------------------------------------


def test_ha_800_ml_is_unlimited_within_ten_years_of_reaching_it_then_three_times() -> None:
    # 800 reached on 2016-01-01: unlimited up to 2026-01-01 inclusive, then 3 x 800 = 2400.
    donations = [wb(date(2015, 1, 1)), wb(date(2016, 1, 1))]
    assert quote(HA, donations, [], req(date(2026, 1, 1))).unlimited is True
    q = quote(HA, donations, [], req(date(2026, 1, 2)))
    assert (q.unlimited, q.remaining_ml_before) == (False, 2400)


def test_ha_below_800_is_three_times_within_five_years_then_equal() -> None:
    # Used 2025-06-01: 2020-01-01 400 is past 5 years -> 1 x 400; 2022-01-01 200 -> 3 x 200.
    donations = [wb(date(2020, 1, 1)), wb(date(2022, 1, 1), 200)]
    assert remaining(HA, donations, date(2025, 6, 1)) == 400 + 600


def test_ha_1000_ml_is_unlimited_for_life() -> None:
    donations = [wb(date(2000, 1, 1)), wb(date(2001, 1, 1)), wb(date(2002, 1, 1), 200)]
    assert quote(HA, donations, [], req(date(2040, 1, 1))).unlimited is True


def test_ha_child_spouse_gets_equal_volume() -> None:
    donations = [wb(date(2000, 1, 1)), wb(date(2001, 1, 1), 200)]
    assert remaining(HA, donations, date(2040, 1, 1), "child_spouse") == 600


# --- Anhui ------------------------------------------------------------------------------------


def test_ah_relatives_get_half_the_fee() -> None:
    # Relatives 1 x 400; 2 U = 400 mL covered; 400 / 200 x 22000 = 44000, x 1/2 = 22000.
    q = quote(AH, [wb(date(2020, 1, 1))], [], req(date(2024, 1, 1), "spouse"))
    assert q.reducible_fen == 22000
    assert "亲属共用减免比例 1/2（封顶后计）：440.00 元 × 1/2 = 220.00 元" in q.explanation


def test_ah_relatives_half_applies_after_the_cap() -> None:
    """DOMAIN 6.1 (issue 13 "Why"): 4 U of plasma = 400 mL-eq for a relative (1 x 400 = 400 mL),
    worth 440.00, on a bill of 160.00: min(440.00, 160.00) x 1/2 = 80.00, not 160.00."""
    q = quote(AH, [wb(date(2020, 1, 1))], [],
              QuoteRequest("parent", date(2024, 1, 1), "34", [QuoteItem("plasma", 4)], 16_000))
    assert (q.covered_ml, q.reducible_fen) == (400, 8_000)
    assert "亲属共用减免比例 1/2（封顶后计）：160.00 元 × 1/2 = 80.00 元" in q.explanation


def test_ah_self_is_two_times_below_1000_and_unlimited_at_1000() -> None:
    donations = [wb(date(2020, 1, 1)), wb(date(2021, 1, 1))]
    q = quote(AH, donations, [], req(date(2040, 1, 1)))
    assert (q.remaining_ml_before, q.reducible_fen) == (1600, 44000)  # self fee not halved
    donations.append(wb(date(2022, 1, 1), 200))
    assert remaining(AH, donations, date(2040, 1, 1)) is None


# --- Guizhou ----------------------------------------------------------------------------------


def test_gz_quote_raises_quotas_not_configured_on_province() -> None:
    with pytest.raises(QuotasNotConfigured) as err:
        quote(GZ, [wb(date(2020, 1, 1))], [], req(date(2025, 6, 1), province="52"))
    assert err.value.field == "province"


def test_gz_scope_is_known_siblings_not_admitted() -> None:
    assert GZ.admitted_relationships == {"self", "spouse", "parent", "child", "adoptive_parent", "adoptive_child",
                                         "step_parent", "step_child"}
    with pytest.raises(RelationshipNotAdmitted):
        quote(GZ, [wb(date(2020, 1, 1))], [], req(date(2025, 6, 1), "sibling"))


def _gz_with_quotas() -> RuleSet:
    # Stand-in numbers (Beijing's) only to exercise the fee components Guizhou does publish.
    bj = RULES["BJ-2009"]
    return GZ.model_copy(
        update={
            "quotas_configured": True,
            "platelet_unit_ml": 400,
            "price_per_200ml_fen": 22000,
            "self_rules": bj.self_rules,
        }
    )


def test_gz_in_province_reimburses_supply_cost_and_mutual_aid() -> None:
    # 44000 computed; cap = blood fee 300.00 + mutual aid 100.00 = 400.00 -> 40000.
    q = quote(
        _gz_with_quotas(),
        [wb(date(2020, 1, 1))],
        [],
        req(date(2025, 6, 1), province="52", blood_fee_fen=30000, mutual_aid_fen=10000),
    )
    assert (q.eligible_fee_fen, q.reducible_fen) == (40000, 40000)
    assert any("可减免 血液成本费用、用血互助金" in line for line in q.explanation)


def test_gz_out_of_province_reimburses_supply_cost_only() -> None:
    q = quote(
        _gz_with_quotas(),
        [wb(date(2020, 1, 1))],
        [],
        req(date(2025, 6, 1), province="11", blood_fee_fen=30000, mutual_aid_fen=10000),
    )
    assert (q.eligible_fee_fen, q.reducible_fen) == (30000, 30000)
    assert any("外省" in line and "可减免 血液成本费用" in line for line in q.explanation)


def test_gz_summary_has_no_pool_figures() -> None:
    s = certificate_summary(GZ, [wb(date(2020, 1, 1))], [], date(2025, 6, 1))
    assert (s.self_unlimited, s.self_remaining_ml, s.relatives_remaining_ml) == (False, None, None)
    assert s.total_volume_ml == 400


# --- A province added by data alone -----------------------------------------------------------

HUNAN_LIKE = """
id: XX-2030
province: "43"
name: 测试省份（仅用于测试）
effective_from: "2030-01-01"
effective_to: null
legal_reference: 测试条款
confidence: low
source_note: test data, per-product pricing
quotas_configured: true
platelet_unit_ml: 400
price_per_200ml_fen: 22000
pricing_mode: per_product
product_prices_fen: {red_cells: 23000}
counts_unqualified: false
claim_deadline: {years: 2, from: used_on, source: test, confidence: low, placeholder: false}
fee_components: {in_province: [supply_cost], out_of_province: [supply_cost]}
sanmian: null
self:
  fee_fraction: "1/3"
  tiers:
    - grant: {windows: [{multiplier: 1}]}
relatives:
  pooled: true
  fee_fraction: "1"
  classes: []
  tiers: []
"""


def test_new_province_needs_only_a_data_file_and_prices_per_product(tmp_path) -> None:
    (tmp_path / "xx-2030.yaml").write_text(HUNAN_LIKE, encoding="utf-8")
    rule_set = load_rule_sets(tmp_path)["XX-2030"]
    # Quota 1 x 400 = 400 mL. Bill 3 U red cells (600) + 2 plasma (200): the 400 covered mL go
    # to red cells first = 2 U x 230.00 = 460.00; x 1/3 = 153.333.. -> 15333 fen.
    # Cap by covered items' prices: 3 U x 230.00 = 690.00, not reached.
    request = QuoteRequest(
        "self",
        date(2031, 1, 1),
        "43",
        [QuoteItem("red_cells", 3), QuoteItem("plasma", 2)],
        BIG_BILL,
    )
    q = quote(rule_set, [wb(date(2030, 6, 1))], [], request)
    assert (q.used_ml, q.covered_ml, q.reducible_fen) == (800, 400, 15333)
    assert "悬浮红细胞：可减免 400 mL，按每U 230.00 元计 460.00 元" in q.explanation
    assert rule_set.claim_deadline_for(date(2031, 3, 1), date(2031, 1, 1)) == date(2033, 1, 1)  # last day
    with pytest.raises(RelationshipNotAdmitted):
        quote(rule_set, [wb(date(2030, 6, 1))], [], req(date(2031, 1, 1), "spouse"))


def test_half_fen_rounds_up() -> None:
    # 1 plasma = 100 mL at 220.01 per 200 mL: 100 / 200 x 22001 = 11000.5 -> 11001 fen.
    odd_price = RULES["BJ-2009"].model_copy(update={"price_per_200ml_fen": 22001})
    request = QuoteRequest("self", date(2024, 1, 1), "11", [QuoteItem("plasma", 1)], BIG_BILL)
    assert quote(odd_price, [wb(date(2020, 1, 1))], [], request).reducible_fen == 11001


# --- Mutual aid (用血互助金), DOMAIN 6.3 and seed 000 ------------------------------------------


def test_gz_refunds_mutual_aid_even_before_its_multipliers_are_configured() -> None:
    """Seed 000 二（一）: a Guizhou donor using blood in Guizhou gets the 用血互助金 back as paid
    (150.00), while the supply cost waits for the multipliers (DOMAIN 6.3)."""
    q = quote(GZ, [wb(date(2020, 1, 1))], [], req(date(2025, 6, 1), "spouse", province="52",
                                                   blood_fee_fen=44_000, mutual_aid_fen=15_000))
    assert (q.supply_cost_fen, q.mutual_aid_fen, q.reducible_fen, q.covered_ml) == (0, 15_000, 15_000, 0)
    assert any("尚未配置减免额度" in line for line in q.explanation)
    assert "用血互助金 150.00 元按实际缴纳退还（不占用额度）：本次退还 150.00 元" in q.explanation


def test_gz_out_of_province_use_without_multipliers_is_not_configured() -> None:
    """Seed 000 二（一）: used outside Guizhou only the supply cost is reduced, which is not configured."""
    with pytest.raises(QuotasNotConfigured):
        quote(GZ, [wb(date(2020, 1, 1))], [], req(date(2025, 6, 1), province="11", mutual_aid_fen=15_000))


def test_mutual_aid_refunded_before_is_not_refunded_again() -> None:
    q = quote(GZ, [wb(date(2020, 1, 1))], [], dataclasses.replace(
        req(date(2025, 6, 1), province="52", mutual_aid_fen=15_000), mutual_aid_refunded_before_fen=15_000))
    assert q.reducible_fen == 0


def test_a_visiting_donor_gets_guizhous_mutual_aid_back_once_their_province_says_so() -> None:
    """Seed 000 二（二）: a Beijing donor using blood in Guizhou gets the 200.00 mutual aid from
    Guizhou; the supply cost is Beijing's. ``donor_entitled`` comes from interop (issue 14)."""
    request = req(date(2025, 6, 1), "parent", province="52", mutual_aid_fen=20_000)
    yes = visiting_refund(GZ, request, donor_province="11", donor_entitled=True)
    assert yes.refund_fen == 20_000 and "血液成本费用由献血地按其规定办理" in yes.explanation
    assert visiting_refund(GZ, request, donor_province="11", donor_entitled=False).refund_fen == 0
    beijing_visited = visiting_refund(RULES["BJ-2009"], req(date(2025, 6, 1), province="11", mutual_aid_fen=20_000),
                                      donor_province="52", donor_entitled=True)
    assert beijing_visited.refund_fen == 0


def test_beijing_does_not_refund_mutual_aid_but_says_so() -> None:
    q = quote(RULES["BJ-2009"], [wb(date(2020, 1, 1))], [], req(date(2024, 6, 1), province="11", mutual_aid_fen=5_000))
    assert (q.reducible_fen, q.mutual_aid_fen) == (44_000, 0)
    assert "用血互助金 50.00 元：本规则集在此用血地不退还" in q.explanation


# --- Adoptive and step relations, 民法典 1111 and 1072 -----------------------------------------


@pytest.mark.parametrize("relationship", ["adoptive_child", "adoptive_parent", "step_parent", "step_child"])
def test_adoptive_and_step_relations_count_as_parent_and_child_in_beijing(relationship: str) -> None:
    """民法典 1111 (养父母子女 = 父母子女) and 1072 (继父母子女 with a duty of support): Beijing admits
    parent and child (seed 001 二（一）), so these get the same relatives' pool: 1 x 400 = 400 mL."""
    q = quote(RULES["BJ-2009"], [wb(date(2020, 1, 1))], [], req(date(2024, 6, 1), relationship, province="11"))
    assert (q.pool, q.remaining_ml_before, q.reducible_fen) == ("relatives", 400, 44_000)


def test_grandparents_get_no_adoptive_extension_in_beijing() -> None:
    """Only parent and child carry the adoptive/step equivalents; grandparents stay out of Beijing."""
    with pytest.raises(RelationshipNotAdmitted):
        quote(RULES["BJ-2009"], [wb(date(2020, 1, 1))], [], req(date(2024, 6, 1), "grandparent", province="11"))
