"""The SQL of a plain quote: everything it reads, in one statement.

A quote is the most frequent call of the platform. Read as three ORM queries it cost three round
trips and most of the service's CPU (bench/README.md); here one statement returns the donor, their
donations in the rule set's province and the earlier draws on their pools (the same rows
`registry.repository.donations_of` and `holds.repository.draws` read). Quotes that lock the donor
to place a hold keep the step-by-step reads (holds/service.py).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.entitlement import rules

_QUOTE_INPUTS = text("""
    SELECT d.id,
      ARRAY(SELECT ROW(n.donation_no, n.station_code, n.donated_on, n.kind, n.volume_ml, n.units, n.qualified,
                       n.military)
            FROM entitlement.donations n WHERE n.donor_id = d.id AND n.province = :province
            ORDER BY n.donated_on, n.donation_no) AS donations,
      ARRAY(SELECT ROW(h.pool, h.ml, h.state)
            FROM entitlement.holds h WHERE h.donor_id = d.id AND h.province = :province
              AND (h.state = 'committed'
                   OR (h.state = 'held' AND (h.expires_at IS NULL OR h.expires_at > :now)))) AS draws
    FROM entitlement.donors d WHERE d.cert_type = :cert_type AND d.cert_number_index = :cert_index
""")


async def quote_inputs(session: AsyncSession, cert_type: str, cert_index: str, province: str, now: datetime,
                       ) -> tuple[uuid.UUID, list[rules.Donation], list[rules.PoolDraw]] | None:
    """(donor id, donations in `province`, draws on their pools there), or None: no such donor."""
    row = (await session.execute(_QUOTE_INPUTS, {"cert_type": cert_type, "cert_index": cert_index,
                                                 "province": province, "now": now})).first()
    if row is None:
        return None
    donations = [rules.Donation(donation_no=no, station_code=station, donated_on=on, kind=kind, volume_ml=ml,
                                units=units, qualified=qualified, military=military)
                 for no, station, on, kind, ml, units, qualified, military in row.donations]
    draws = [rules.PoolDraw(pool=pool, ml=ml, state="consumed" if state == "committed" else "held")
             for pool, ml, state in row.draws]
    return row.id, donations, draws
