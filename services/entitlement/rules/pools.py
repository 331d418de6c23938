"""Quota of one pool (本人 or 亲属共用) at a use date: which donations count, at what multiplier.

Tiers are chosen per donation: the first tier that governs the donation's date and whose
cumulative condition holds on the use date decides it. With no date ranges every donation picks
the same tier (Beijing); with ranges each regime is judged on its own donations (Guangdong).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from services.entitlement.rules.arith import first_day_after_years, last_day_of_years
from services.entitlement.rules.model import Donation, PoolDraw, PoolName
from services.entitlement.rules.ruleset import Condition, RuleSet, Tier, Window


def donation_volume_ml(donation: Donation, platelet_unit_ml: int) -> int:
    if donation.kind == "platelet_apheresis":
        return (donation.units or 0) * platelet_unit_ml
    return donation.volume_ml or 0


@dataclass(frozen=True)
class WindowHit:
    index: int
    multiplier: int
    # The applied window runs [starts_on, ends_on], both days inside (民法典 201-202); None means
    # open at that side.
    starts_on: date | None
    ends_on: date | None
    within_years: int | None
    after_years: int | None
    # Last day before this donation's multiplier drops (including to nothing); None: never.
    holds_until: date | None


@dataclass(frozen=True)
class Credit:
    donation: Donation
    volume_ml: int
    failed_test: bool  # earned under the pool's failed_test windows
    tier: Tier | None
    window: WindowHit | None
    credit_ml: int
    # Failed testing yet counted like a qualified donation (``counts_unqualified``).
    unqualified_counted: bool = False


@dataclass(frozen=True)
class UnlimitedBy:
    tier: Tier
    cumulative_ml: int
    reached_on: date
    until: date | None  # last day inside (inclusive); None for life


@dataclass(frozen=True)
class PoolState:
    pool: PoolName
    credits: tuple[Credit, ...]
    unlimited: UnlimitedBy | None
    # Tiers whose time-limited unlimited grant has run out (reported, then windows apply).
    expired: tuple[UnlimitedBy, ...]
    total_ml: int
    consumed_ml: int
    held_ml: int
    remaining_ml: int | None
    # Last day on which today's quota holds before some of it lapses; None: it never lapses.
    window_ends_on: date | None
    military_ml: int
    local_ml: int


def window_hit(windows: Sequence[Window], donated_on: date, on: date) -> WindowHit | None:
    """The window in force ``on`` for a donation made ``donated_on``; None past the last one.

    "Within N years" includes the anniversary (民法典 202): 2014-05-01 + 10 years ends on
    2024-05-01 inclusive, and the next window starts on 2024-05-02.
    """
    previous_years: int | None = None
    for index, window in enumerate(windows):
        ends_on = (
            None if window.within_years is None else last_day_of_years(donated_on, window.within_years)
        )
        if ends_on is None or on <= ends_on:
            starts_on = (
                None if previous_years is None else first_day_after_years(donated_on, previous_years)
            )
            return WindowHit(
                index=index,
                multiplier=window.multiplier,
                starts_on=starts_on,
                ends_on=ends_on,
                within_years=window.within_years,
                after_years=previous_years,
                holds_until=_holds_until(windows, index, donated_on),
            )
        previous_years = window.within_years
    return None


def _holds_until(windows: Sequence[Window], index: int, donated_on: date) -> date | None:
    current = windows[index].multiplier
    for j in range(index, len(windows)):
        years = windows[j].within_years
        if years is None:
            return None
        following = windows[j + 1].multiplier if j + 1 < len(windows) else 0
        if following < current:
            return last_day_of_years(donated_on, years)
    return None


def _basis_volume(d: Donation, condition: Condition, unit_ml: int) -> int:
    if condition.basis == "whole_blood" and d.kind != "whole_blood":
        return 0
    if condition.basis == "apheresis" and d.kind != "platelet_apheresis":
        return 0
    return donation_volume_ml(d, unit_ml)


def reached(
    condition: Condition, qualified: Sequence[Donation], unit_ml: int, tier: Tier | None = None
) -> tuple[int, date | None]:
    """Cumulative volume on ``basis`` and the date it first met the threshold (None: not met).

    ``qualified`` must be sorted by date; only qualified donations count toward thresholds
    (献血合格累计).
    """
    total, reached_on = 0, None
    for d in qualified:
        if tier is not None and not tier.governs(d.donated_on):
            continue
        total += _basis_volume(d, condition, unit_ml)
        if reached_on is None and condition.met(total):
            reached_on = d.donated_on
    return total, reached_on


def evaluate_pool(
    rule_set: RuleSet,
    pool: PoolName,
    donations: Sequence[Donation],
    prior: Sequence[PoolDraw],
    on: date,
) -> PoolState:
    rules = rule_set.pool_rules(pool)
    unit_ml = rule_set.platelet_unit_ml or 0
    before = sorted((d for d in donations if d.donated_on <= on), key=donation_order)
    counts_all = rule_set.counts_unqualified
    qualified = [d for d in before if d.qualified or counts_all]
    counted = [d for d in before if d.qualified or counts_all or rules.failed_test is not None]

    tier_status: dict[int, tuple[int, date | None]] = {}
    credits: list[Credit] = []
    unlimited: UnlimitedBy | None = None
    expired: dict[int, UnlimitedBy] = {}
    for d in counted:
        volume = donation_volume_ml(d, unit_ml)
        if not d.qualified and not counts_all:
            assert rules.failed_test is not None
            hit = window_hit(rules.failed_test.windows, d.donated_on, on)
            credits.append(Credit(d, volume, True, None, hit, _credit(hit, volume)))
            continue
        chosen = _select_tier(rules.tiers, d, qualified, unit_ml, tier_status)
        tier = chosen[0] if chosen is not None else None
        status = _unlimited_status(*chosen) if chosen is not None else None
        if status is not None and (status.until is None or on <= status.until):
            unlimited = unlimited or status
        elif status is not None:
            expired.setdefault(id(status.tier), status)
        hit = window_hit(tier.grant.windows, d.donated_on, on) if tier is not None else None
        credits.append(Credit(d, volume, False, tier, hit, _credit(hit, volume), not d.qualified))

    consumed = sum(p.ml for p in prior if p.pool == pool and p.state == "consumed")
    held = sum(p.ml for p in prior if p.pool == pool and p.state == "held")
    total = sum(c.credit_ml for c in credits)
    lapses = [c.window.holds_until for c in credits if c.window and c.window.holds_until]
    if unlimited is not None:
        remaining, window_ends_on = None, unlimited.until
    else:
        remaining, window_ends_on = max(0, total - consumed - held), min(lapses, default=None)
    return PoolState(
        pool=pool,
        credits=tuple(credits),
        unlimited=unlimited,
        expired=tuple(expired.values()),
        total_ml=total,
        consumed_ml=consumed,
        held_ml=held,
        remaining_ml=remaining,
        window_ends_on=window_ends_on,
        military_ml=sum(c.volume_ml for c in credits if c.donation.military),
        local_ml=sum(c.volume_ml for c in credits if not c.donation.military),
    )


def _select_tier(
    tiers: Sequence[Tier],
    d: Donation,
    qualified: Sequence[Donation],
    unit_ml: int,
    cache: dict[int, tuple[int, date | None]],
) -> tuple[Tier, int, date] | None:
    """First tier governing ``d`` whose condition holds; with its cumulative and reach date."""
    for index, tier in enumerate(tiers):
        if not tier.governs(d.donated_on):
            continue
        if tier.when is None:
            return tier, 0, d.donated_on
        if index not in cache:
            cache[index] = reached(tier.when, qualified, unit_ml, tier)
        cumulative, reached_on = cache[index]
        if reached_on is not None:
            return tier, cumulative, reached_on
    return None


def _unlimited_status(tier: Tier, cumulative: int, reached_on: date) -> UnlimitedBy | None:
    grant = tier.grant.unlimited
    if grant is None:
        return None
    until = None if grant.years is None else last_day_of_years(reached_on, grant.years)
    return UnlimitedBy(tier, cumulative, reached_on, until)


def _credit(hit: WindowHit | None, volume_ml: int) -> int:
    return 0 if hit is None else hit.multiplier * volume_ml


def donation_order(d: Donation) -> tuple[date, str, str, str, int, int, bool, bool]:
    """A total order on records, so results never depend on the order the caller passes."""
    return (
        d.donated_on,
        d.station_code,
        d.donation_no,
        d.kind,
        d.volume_ml or 0,
        d.units or 0,
        d.qualified,
        d.military,
    )
