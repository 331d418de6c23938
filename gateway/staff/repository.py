from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.staff.models import StaffAudit, StaffUser


async def get_by_username(session: AsyncSession, username: str, *, for_update: bool = False) -> StaffUser | None:
    stmt = select(StaffUser).where(StaffUser.username == username)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_users(session: AsyncSession) -> list[StaffUser]:
    return list((await session.execute(select(StaffUser).order_by(StaffUser.username))).scalars())


def add(session: AsyncSession, user: StaffUser) -> None:
    session.add(user)


def audit(session: AsyncSession, *, actor: str, action: str, target: str,
          request_id: str | None, detail: str | None = None) -> None:
    session.add(StaffAudit(actor=actor, action=action, target=target, request_id=request_id, detail=detail))
