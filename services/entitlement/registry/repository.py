"""All SQL of the registry."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.entitlement.registry.models import Donation, Donor


async def donors_by_index(session: AsyncSession, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], uuid.UUID]:
    if not keys:
        return {}
    rows = await session.execute(
        text("""
            SELECT d.cert_type, d.cert_number_index, d.id FROM entitlement.donors d
            JOIN unnest(CAST(:types AS text[]), CAST(:idx AS text[])) AS k(t, i)
              ON d.cert_type = k.t AND d.cert_number_index = k.i
        """),
        {"types": [k[0] for k in keys], "idx": [k[1] for k in keys]},
    )
    return {(t, i): donor_id for t, i, donor_id in rows}


async def insert_donors(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    if rows:
        stmt = insert(Donor).on_conflict_do_nothing(index_elements=["cert_type", "cert_number_index"])
        await session.execute(stmt, rows)


async def existing_donations(session: AsyncSession, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """(station_code, donation_no) -> record digest, for the keys that exist."""
    if not keys:
        return {}
    rows = await session.execute(
        text("""
            SELECT d.station_code, d.donation_no, d.record_digest FROM entitlement.donations d
            JOIN unnest(CAST(:stations AS text[]), CAST(:nos AS text[])) AS k(s, n)
              ON d.station_code = k.s AND d.donation_no = k.n
        """),
        {"stations": [k[0] for k in keys], "nos": [k[1] for k in keys]},
    )
    return {(s, n): digest for s, n, digest in rows}


async def insert_donations(session: AsyncSession, rows: list[dict[str, Any]]) -> set[tuple[str, str]]:
    """Insert; returns the keys actually inserted (a concurrent import may have won a key)."""
    if not rows:
        return set()
    stmt = (
        insert(Donation)
        .on_conflict_do_nothing(index_elements=["station_code", "donation_no"])
        .returning(Donation.station_code, Donation.donation_no)
    )
    result = await session.execute(stmt, rows)
    return {(s, n) for s, n in result.all()}


# The quote's statements, built once (building a select costs more than running it: bench/README.md).
_DONOR_BY_CERT = select(Donor).where(Donor.cert_type == bindparam("cert_type"),
                                     Donor.cert_number_index == bindparam("cert_index"))
_DONATIONS_OF = select(Donation).where(Donation.donor_id == bindparam("donor_id"))
_DONATIONS_IN = _DONATIONS_OF.where(Donation.province == bindparam("province"))
_ORDER = (Donation.donated_on, Donation.donation_no)
_DONATIONS_OF, _DONATIONS_IN = _DONATIONS_OF.order_by(*_ORDER), _DONATIONS_IN.order_by(*_ORDER)


async def donor_by_cert(session: AsyncSession, cert_type: str, cert_index: str) -> Donor | None:
    return (await session.execute(_DONOR_BY_CERT, {"cert_type": cert_type, "cert_index": cert_index})
            ).scalar_one_or_none()


async def lock_donor(session: AsyncSession, donor_id: uuid.UUID) -> None:
    """Serialise everything that spends this donor's quota (holds, commits)."""
    await session.execute(select(Donor.id).where(Donor.id == donor_id).with_for_update())


async def donations_of(session: AsyncSession, donor_id: uuid.UUID, province: str | None = None) -> list[Donation]:
    if province is None:
        return list((await session.execute(_DONATIONS_OF, {"donor_id": donor_id})).scalars())
    return list((await session.execute(_DONATIONS_IN, {"donor_id": donor_id, "province": province})).scalars())
