from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kit import clock
from kit.crypto import mask_name
from services.entitlement import rules
from services.entitlement.holds import repository as holds
from services.entitlement.quotes.service import no_donor, to_engine
from services.entitlement.registry import repository as registry
from services.entitlement.registry.models import Donor


def _in_force(rule_sets: dict[str, rules.RuleSet], province: str, day: date) -> rules.RuleSet | None:
    try:
        return rules.select_rule_set(rule_sets, province, day)
    except rules.RuleError:
        return None


async def certificate(session: AsyncSession, donor: Donor, *, rule_sets: dict[str, rules.RuleSet], today: date,
                      province: str | None = None, whole_name: bool = False) -> dict[str, Any]:
    """The e-certificate; `province` limits it to the records of one province (staff see theirs only).
    The name is whole for the donor themselves, masked (张*) for staff."""
    rows = [r for r in await registry.donations_of(session, donor.id) if province is None or r.province == province]
    if not rows:
        raise no_donor("cert_number")
    provinces = sorted({r.province for r in rows})
    now = clock.now()
    by_province = []
    for p in provinces:
        donations = [to_engine(r) for r in rows if r.province == p]
        rule_set = _in_force(rule_sets, p, today)
        summary = rules.certificate_summary(rule_set, donations, await holds.draws(session, donor.id, p, now), today)
        by_province.append({"province": p, "rule_set": rule_set.id if rule_set else None, **summary.__dict__})
    return {
        "donor_id": str(donor.id), "name": donor.name if whole_name else mask_name(donor.name),
        "cert_type": donor.cert_type, "cert_number_masked": donor.cert_number_masked,
        "donations": [{"donation_no": r.donation_no, "station_code": r.station_code, "province": r.province,
                       "donated_on": r.donated_on.isoformat(), "kind": r.kind, "volume_ml": r.volume_ml,
                       "units": r.units, "military": r.military, "qualified": r.qualified} for r in rows],
        "provinces": by_province,
    }
