from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kit import clock
from kit.crypto import BlindIndex
from kit.problems import NotFound
from services.entitlement import rules
from services.entitlement.holds import repository as holds
from services.entitlement.quotes.service import to_engine
from services.entitlement.registry import repository as registry
from services.entitlement.registry.models import CERT_CONTEXT


def _in_force(rule_sets: dict[str, rules.RuleSet], province: str, day: date) -> rules.RuleSet | None:
    try:
        return rules.select_rule_set(rule_sets, province, day)
    except rules.RuleError:
        return None


async def certificate(session: AsyncSession, cert_type: str, cert_number: str, *,
                      rule_sets: dict[str, rules.RuleSet], index: BlindIndex, today: date) -> dict[str, Any]:
    donor = await registry.donor_by_cert(session, cert_type, index.digest(cert_number, context=CERT_CONTEXT))
    if donor is None:
        raise NotFound("献血者不在献血记录中 (no donor with this certificate in the registry)", field="cert_number")
    rows = await registry.donations_of(session, donor.id)
    provinces = sorted({r.province for r in rows})
    now = clock.now()
    by_province = []
    for province in provinces:
        donations = [to_engine(r) for r in rows if r.province == province]
        rule_set = _in_force(rule_sets, province, today)
        summary = rules.certificate_summary(rule_set, donations, await holds.draws(session, donor.id, province, now), today)
        by_province.append({"province": province, "rule_set": rule_set.id if rule_set else None,
                            **summary.__dict__})
    return {
        "donor_id": str(donor.id), "name": donor.name, "cert_type": donor.cert_type,
        "cert_number_masked": donor.cert_number_masked,
        "donations": [{"donation_no": r.donation_no, "station_code": r.station_code, "province": r.province,
                       "donated_on": r.donated_on.isoformat(), "kind": r.kind, "volume_ml": r.volume_ml,
                       "units": r.units, "military": r.military, "qualified": r.qualified} for r in rows],
        "provinces": by_province,
    }
