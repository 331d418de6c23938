from __future__ import annotations

from sqlalchemy import Select, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.staff.models import StaffAudit, StaffUser

# Built once: every forwarded staff request runs it (building a select costs more than running it).
_BY_USERNAME = select(StaffUser).where(StaffUser.username == bindparam("username"))
_BY_USERNAME_FOR_UPDATE = _BY_USERNAME.with_for_update()


async def get_by_username(session: AsyncSession, username: str, *, for_update: bool = False) -> StaffUser | None:
    stmt = _BY_USERNAME_FOR_UPDATE if for_update else _BY_USERNAME
    return (await session.execute(stmt, {"username": username})).scalar_one_or_none()


def users() -> Select[tuple[StaffUser]]:
    """Every staff account; paged by username."""
    return select(StaffUser)


def add(session: AsyncSession, user: StaffUser) -> None:
    session.add(user)


def audit(session: AsyncSession, *, actor: str, action: str, target: str,
          request_id: str | None, detail: str | None = None) -> None:
    session.add(StaffAudit(actor=actor, action=action, target=target, request_id=request_id, detail=detail))
