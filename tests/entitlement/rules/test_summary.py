"""Certificate summary: counts, honours, pools today and "三免"."""

from __future__ import annotations

from datetime import date

import pytest

from services.entitlement.rules import Donation, PoolDraw, certificate_summary, load_rule_sets

RULES = load_rule_sets()
BJ, ZJ, JS, HA = RULES["BJ-2009"], RULES["ZJ-2014"], RULES["JS"], RULES["HA"]
TODAY = date(2024, 6, 1)


def wb(day: date, ml: int = 200, *, military: bool = False, qualified: bool = True) -> Donation:
    return Donation(f"WB{day}{ml}", "S01", day, "whole_blood", ml, None, qualified, military)


def plt(day: date, units: int = 1) -> Donation:
    return Donation(f"PL{day}", "S01", day, "platelet_apheresis", None, units, True, False)


def series(count: int, ml: int = 200) -> list[Donation]:
    # One donation a month from 2010 on: all long before TODAY.
    return [wb(date(2010 + i // 12, i % 12 + 1, 1), ml) for i in range(count)]


@pytest.mark.parametrize(
    ("count", "honours", "next_honour", "to_next"),
    [
        (19, [], "bronze", 1),
        (20, ["bronze"], "silver", 10),
        (29, ["bronze"], "silver", 1),
        (30, ["bronze", "silver"], "gold", 10),
        (39, ["bronze", "silver"], "gold", 1),
        (40, ["bronze", "silver", "gold"], None, None),
    ],
)
def test_honour_thresholds(
    count: int, honours: list[str], next_honour: str | None, to_next: int | None
) -> None:
    s = certificate_summary(BJ, series(count), [], TODAY)
    assert s.donation_count == count
    assert (s.honours, s.next_honour, s.donations_to_next_honour) == (honours, next_honour, to_next)


def test_400_ml_counts_as_two_donations() -> None:
    s = certificate_summary(BJ, series(10, 400), [], TODAY)
    assert (s.donation_count, s.total_volume_ml, s.honours) == (20, 4000, ["bronze"])


def test_300_ml_counts_as_one_and_a_half() -> None:
    # 13 x 300 mL = 19.5 donations: shown as 19, half a donation (one more) to bronze.
    s = certificate_summary(BJ, series(13, 300), [], TODAY)
    assert (s.donation_count, s.honours, s.donations_to_next_honour) == (19, [], 1)


def test_platelet_units_count_one_donation_each() -> None:
    # Ten 2-unit apheresis donations = 20 donations; volume 20 x 400 mL (Beijing unit).
    donations = [plt(date(2014 + i, 1, 1), units=2) for i in range(10)]
    s = certificate_summary(BJ, donations, [], TODAY)
    assert (s.donation_count, s.honours, s.total_volume_ml) == (20, ["bronze"], 8000)
    single = certificate_summary(ZJ, [plt(date(2020, 1, 1))], [], TODAY)
    assert (single.donation_count, single.total_volume_ml) == (1, 800)


def test_donations_after_today_are_ignored() -> None:
    s = certificate_summary(BJ, [wb(date(2020, 1, 1)), wb(date(2024, 6, 2))], [], TODAY)
    assert (s.donation_count, s.total_volume_ml) == (1, 200)


def test_local_and_military_volumes() -> None:
    donations = [wb(date(2020, 1, 1), 400), wb(date(2021, 1, 1), 300, military=True)]
    s = certificate_summary(BJ, donations, [], TODAY)
    assert (s.total_volume_ml, s.local_volume_ml, s.military_volume_ml) == (700, 400, 300)


def test_beijing_pools_today_and_the_window_that_lowers_them() -> None:
    # 400 mL on 2019-05-01: self 2000 - 500 used = 1500; relatives 400; both hold up to 2029-05-01 inclusive.
    prior = [PoolDraw("self", 500, "consumed")]
    s = certificate_summary(BJ, [wb(date(2019, 5, 1), 400)], prior, TODAY)
    assert (s.self_unlimited, s.self_remaining_ml, s.self_window_ends_on) == (
        False,
        1500,
        date(2029, 5, 1),
    )
    assert (s.relatives_remaining_ml, s.relatives_window_ends_on) == (400, date(2029, 5, 1))
    assert s.relatives_unlimited is False
    assert s.sanmian_eligible is None  # Beijing has no "三免" rule configured


def test_nearest_lowering_window_is_reported() -> None:
    # 2015-03-01 is 5x up to 2025-03-01 inclusive, before 2020-01-01's last 5x day 2030-01-01.
    s = certificate_summary(BJ, [wb(date(2015, 3, 1)), wb(date(2020, 1, 1))], [], TODAY)
    assert s.self_window_ends_on == date(2025, 3, 1)


def test_unlimited_donor_has_no_remaining_and_no_window() -> None:
    donations = [wb(date(2010, 1, 1), 400), wb(date(2011, 1, 1), 400), wb(date(2012, 1, 1), 400)]
    s = certificate_summary(BJ, donations, [], TODAY)
    assert (s.self_unlimited, s.self_remaining_ml, s.self_window_ends_on) == (True, None, None)


def test_time_limited_unlimited_reports_its_end() -> None:
    # Henan: 800 mL reached 2016-01-01 -> unlimited up to 2026-01-01 inclusive.
    s = certificate_summary(HA, [wb(date(2015, 1, 1), 400), wb(date(2016, 1, 1), 400)], [], TODAY)
    assert (s.self_unlimited, s.self_window_ends_on) == (True, date(2026, 1, 1))


def test_sanmian_jiangsu_needs_more_than_4000_ml() -> None:
    assert certificate_summary(JS, series(10, 400), [], TODAY).sanmian_eligible is False  # 4000
    assert certificate_summary(JS, series(21), [], TODAY).sanmian_eligible is True  # 4200


def test_sanmian_zhejiang_at_4000_ml_or_bronze() -> None:
    assert certificate_summary(ZJ, series(10, 400), [], TODAY).sanmian_eligible is True
    assert certificate_summary(ZJ, series(19), [], TODAY).sanmian_eligible is False


def test_without_rule_set_pool_fields_are_empty() -> None:
    s = certificate_summary(None, [plt(date(2020, 1, 1))], [], TODAY)
    assert (s.self_unlimited, s.self_remaining_ml, s.relatives_remaining_ml) == (False, None, None)
    assert s.sanmian_eligible is None
    assert s.total_volume_ml == 400  # fallback platelet unit for display only


def test_failed_test_donations_count_on_the_certificate() -> None:
    # Jiangsu does not count them toward a quota (counts_unqualified: false)...
    s = certificate_summary(JS, [wb(date(2020, 1, 1), 400, qualified=False)], [], TODAY)
    assert (s.donation_count, s.total_volume_ml, s.self_remaining_ml) == (2, 400, 0)


def test_beijing_counts_failed_test_donations_toward_the_quota_too() -> None:
    """Seed 001 annex 1 rule (一) 捐献血液总量: 5 x 400 = 2000 mL, until 2030-01-01 inclusive."""
    s = certificate_summary(BJ, [wb(date(2020, 1, 1), 400, qualified=False)], [], TODAY)
    assert (s.self_remaining_ml, s.self_window_ends_on) == (2000, date(2030, 1, 1))
