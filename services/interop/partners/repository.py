"""All SQL of the partner directory and keys."""

from __future__ import annotations

from sqlalchemy import any_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.interop.partners.models import AuditEvent, OwnKey, Partner, PartnerKey


async def get(session: AsyncSession, code: str, *, for_update: bool = False) -> Partner | None:
    stmt = select(Partner).where(Partner.code == code)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def all_partners(session: AsyncSession) -> list[Partner]:
    return list((await session.execute(select(Partner).order_by(Partner.code))).scalars())


async def keys_of(session: AsyncSession, code: str) -> list[PartnerKey]:
    stmt = select(PartnerKey).where(PartnerKey.partner_code == code).order_by(PartnerKey.valid_from)
    return list((await session.execute(stmt)).scalars())


async def key(session: AsyncSession, key_id: str) -> PartnerKey | None:
    return await session.get(PartnerKey, key_id)


async def serving(session: AsyncSession, province: str) -> Partner | None:
    """The active partner serving a province, if any."""
    stmt = select(Partner).where(any_(Partner.provinces) == province, Partner.status == "active").limit(1)
    return (await session.execute(stmt)).scalar_one_or_none()


async def own_keys(session: AsyncSession) -> list[OwnKey]:
    return list((await session.execute(select(OwnKey).order_by(OwnKey.created_at))).scalars())


async def active_own_key(session: AsyncSession) -> OwnKey | None:
    stmt = select(OwnKey).where(OwnKey.status == "active").limit(1)
    return (await session.execute(stmt)).scalar_one_or_none()


async def audit_trail(session: AsyncSession, partner_code: str | None, limit: int) -> list[AuditEvent]:
    stmt = select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(limit)
    if partner_code:
        stmt = stmt.where(AuditEvent.partner_code == partner_code)
    return list((await session.execute(stmt)).scalars())
