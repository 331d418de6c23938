"""All SQL of the registry."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from services.entitlement.registry.models import Donation, Donor

# Lookups of many keys: one probe of the unique index per key, whatever the statistics say (a LATERAL
# subquery with LIMIT 1 is never flattened into a join). As a plain join the planner hashed the whole
# table instead while it believed the table small: 23 sequential scans over the first batches of three
# 50,000-row imports into a fresh registry, each reading every row imported so far.
_DONORS_BY_INDEX = text("""
    SELECT k.t, k.i, d.id FROM unnest(CAST(:types AS text[]), CAST(:idx AS text[])) AS k(t, i)
    CROSS JOIN LATERAL (SELECT id FROM entitlement.donors
                        WHERE cert_type = k.t AND cert_number_index = k.i LIMIT 1) AS d
""")
_EXISTING_DONATIONS = text("""
    SELECT k.s, k.n, d.record_digest FROM unnest(CAST(:stations AS text[]), CAST(:nos AS text[])) AS k(s, n)
    CROSS JOIN LATERAL (SELECT record_digest FROM entitlement.donations
                        WHERE station_code = k.s AND donation_no = k.n LIMIT 1) AS d
""")


async def donors_by_index(session: AsyncSession, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], uuid.UUID]:
    if not keys:
        return {}
    rows = await session.execute(
        _DONORS_BY_INDEX,
        {"types": [k[0] for k in keys], "idx": [k[1] for k in keys]},
    )
    return {(t, i): donor_id for t, i, donor_id in rows}


# Bulk inserts as one statement over arrays (unnest): one round trip and no per-row statement
# building, however many rows (an import of 10,000 records spent a third of its time here). Ids are
# drawn by PostgreSQL (gen_random_uuid(): a version 4 UUID, as the ORM default uuid.uuid4 draws).
_DONOR_COLUMNS = {"cert_type": "text", "cert_number_encrypted": "text", "cert_number_index": "text",
                  "cert_number_masked": "text", "name": "text", "province": "text", "phone_encrypted": "text",
                  "phone_masked": "text", "person_index": "text"}
_DONATION_COLUMNS = {"donor_id": "uuid", "station_code": "text", "donation_no": "text",
                     "province": "text", "military": "boolean", "donated_on": "date", "kind": "text",
                     "volume_ml": "integer", "units": "integer", "qualified": "boolean", "record_digest": "text",
                     "imported_by": "text"}


def _unnest_insert(table: str, columns: dict[str, str], conflict: str, returning: str = "") -> Any:
    names = ", ".join(columns)
    arrays = ", ".join(f"CAST(:{c} AS {t}[])" for c, t in columns.items())
    return text(f"INSERT INTO entitlement.{table} (id, {names}) SELECT gen_random_uuid(), r.* "
                f"FROM unnest({arrays}) AS r ON CONFLICT ({conflict}) DO NOTHING {returning}")


_INSERT_DONORS = _unnest_insert("donors", _DONOR_COLUMNS, "cert_type, cert_number_index",
                                "RETURNING cert_type, cert_number_index, id")
_INSERT_DONATIONS = _unnest_insert("donations", _DONATION_COLUMNS, "station_code, donation_no")


def _columns(rows: list[dict[str, Any]], columns: dict[str, str]) -> dict[str, list[Any]]:
    """Rows to one list per column."""
    return {c: [row.get(c) for row in rows] for c in columns}


# Inserted in key order: concurrent imports that share donors or records then wait for each other in
# one order, never in a cycle (a deadlock would refuse a whole batch).
async def insert_donors(session: AsyncSession, rows: list[dict[str, Any]]) -> dict[tuple[str, str], uuid.UUID]:
    """Insert; returns (cert_type, cert_number_index) -> id of the donors inserted (a concurrent
    import may have inserted some of them first)."""
    if not rows:
        return {}
    rows = sorted(rows, key=lambda r: (r["cert_type"], r["cert_number_index"]))
    result = await session.execute(_INSERT_DONORS, _columns(rows, _DONOR_COLUMNS))
    return {(t, i): donor_id for t, i, donor_id in result}


async def existing_donations(session: AsyncSession, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """(station_code, donation_no) -> record digest, for the keys that exist."""
    if not keys:
        return {}
    rows = await session.execute(
        _EXISTING_DONATIONS,
        {"stations": [k[0] for k in keys], "nos": [k[1] for k in keys]},
    )
    return {(s, n): digest for s, n, digest in rows}


async def insert_donations(session: AsyncSession, rows: list[dict[str, Any]]) -> int:
    """Insert; returns how many were inserted (a concurrent import may have inserted some keys first)."""
    if not rows:
        return 0
    rows = sorted(rows, key=lambda r: (r["station_code"], r["donation_no"]))
    result = await session.execute(_INSERT_DONATIONS, _columns(rows, _DONATION_COLUMNS))
    return result.rowcount


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


async def donor_by_person(session: AsyncSession, cert_type: str, person_index: str) -> Donor | None:
    stmt = select(Donor).where(Donor.cert_type == cert_type, Donor.person_index == person_index)
    return (await session.execute(stmt)).scalars().first()


async def lock_donor(session: AsyncSession, donor_id: uuid.UUID) -> None:
    """Serialise everything that spends this donor's quota (holds, commits)."""
    await session.execute(select(Donor.id).where(Donor.id == donor_id).with_for_update())


async def donations_of(session: AsyncSession, donor_id: uuid.UUID, province: str | None = None) -> list[Donation]:
    if province is None:
        return list((await session.execute(_DONATIONS_OF, {"donor_id": donor_id})).scalars())
    return list((await session.execute(_DONATIONS_IN, {"donor_id": donor_id, "province": province})).scalars())
