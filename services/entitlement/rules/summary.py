"""What the donor's electronic certificate shows: totals, honours, pools today, "三免"."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from services.entitlement.rules.model import CertificateSummary, Donation, PoolDraw
from services.entitlement.rules.pools import donation_volume_ml, evaluate_pool
from services.entitlement.rules.ruleset import RuleSet

# National honours (全国无偿献血奉献奖) by donation count, lowest first.
HONOURS: tuple[tuple[str, int], ...] = (("bronze", 20), ("silver", 30), ("gold", 40))

# Certificate volume of a platelet dose when no rule set says what it is worth: the Beijing
# value; it only affects the displayed total, never a quota.
FALLBACK_PLATELET_UNIT_ML = 400


def donation_halves(donation: Donation) -> int:
    """Donation count in halves: 200 mL whole blood = 1 donation (300 mL = 1.5, 400 mL = 2),
    one platelet therapeutic unit = 1 donation. Halves keep 300 mL exact without floats."""
    if donation.kind == "platelet_apheresis":
        return 2 * (donation.units or 0)
    return (donation.volume_ml or 0) // 100


def honours_for(halves: int) -> list[str]:
    return [name for name, threshold in HONOURS if halves >= 2 * threshold]


def certificate_summary(
    rule_set: RuleSet | None,
    donations: Sequence[Donation],
    prior: Sequence[PoolDraw],
    today: date,
) -> CertificateSummary:
    """Summary as of ``today`` (donations after it are ignored).

    Counts and volumes include every recorded donation, failed-test ones too: the certificate
    records what was donated; quotas apply the rule set's own counting. Without a rule set, or
    one whose quotas are not configured, pool fields are None/False and "三免" is None.
    """
    past = [d for d in donations if d.donated_on <= today]
    unit_ml = (rule_set.platelet_unit_ml if rule_set else None) or FALLBACK_PLATELET_UNIT_ML
    volumes = [(d, donation_volume_ml(d, unit_ml)) for d in past]
    halves = sum(donation_halves(d) for d in past)
    honours = honours_for(halves)
    upcoming = [(name, t) for name, t in HONOURS if name not in honours]
    next_honour, to_next = None, None
    if upcoming:
        next_honour, threshold = upcoming[0]
        to_next = -(-(2 * threshold - halves) // 2)  # ceil in whole 200 mL donations

    self_unlimited, self_remaining, self_ends = False, None, None
    relatives_unlimited, relatives_remaining, relatives_ends = False, None, None
    if rule_set is not None and rule_set.quotas_configured:
        own = evaluate_pool(rule_set, "self", past, prior, today)
        self_unlimited, self_remaining, self_ends = (
            own.unlimited is not None,
            own.remaining_ml,
            own.window_ends_on,
        )
        if rule_set.relatives.classes:
            kin = evaluate_pool(rule_set, "relatives", past, prior, today)
            relatives_unlimited, relatives_remaining, relatives_ends = (
                kin.unlimited is not None,
                kin.remaining_ml,
                kin.window_ends_on,
            )

    total = sum(v for _, v in volumes)
    return CertificateSummary(
        donation_count=halves // 2,
        total_volume_ml=total,
        local_volume_ml=sum(v for d, v in volumes if not d.military),
        military_volume_ml=sum(v for d, v in volumes if d.military),
        honours=honours,
        next_honour=next_honour,
        donations_to_next_honour=to_next,
        self_unlimited=self_unlimited,
        self_remaining_ml=self_remaining,
        self_window_ends_on=self_ends,
        relatives_remaining_ml=relatives_remaining,
        relatives_window_ends_on=relatives_ends,
        sanmian_eligible=_sanmian(rule_set, total, honours),
        relatives_unlimited=relatives_unlimited,
    )


def _sanmian(rule_set: RuleSet | None, total_ml: int, honours: list[str]) -> bool | None:
    if rule_set is None or rule_set.sanmian is None:
        return None
    rule = rule_set.sanmian
    by_volume = rule.total_ml is not None and rule.total_ml.met(total_ml)
    by_honour = rule.honour is not None and rule.honour in honours
    return by_volume or by_honour
