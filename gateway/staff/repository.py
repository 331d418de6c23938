from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, bindparam, delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.staff.models import LoginFailure, StaffAudit, StaffUser

# Built once: every forwarded staff request runs it (building a select costs more than running it).
_BY_USERNAME = select(StaffUser).where(StaffUser.username == bindparam("username"))
_BY_USERNAME_FOR_UPDATE = _BY_USERNAME.with_for_update()
# What a request's caller needs, as plain columns: no ORM object to build on every request.
_SIGNED_IN = select(StaffUser.username, StaffUser.roles, StaffUser.province, StaffUser.hospital_code,
                    StaffUser.token_version, StaffUser.disabled_at).where(StaffUser.username == bindparam("username"))


async def get_by_username(session: AsyncSession, username: str, *, for_update: bool = False) -> StaffUser | None:
    stmt = _BY_USERNAME_FOR_UPDATE if for_update else _BY_USERNAME
    return (await session.execute(stmt, {"username": username})).scalar_one_or_none()


async def signed_in(session: AsyncSession, username: str) -> Row[Any] | None:
    """The account behind a bearer token: username, roles, province, hospital, token version, disabled."""
    return (await session.execute(_SIGNED_IN, {"username": username})).first()


def users() -> Select[tuple[StaffUser]]:
    """Every staff account; paged by username."""
    return select(StaffUser)


def add(session: AsyncSession, user: StaffUser) -> None:
    session.add(user)


def audit(session: AsyncSession, *, actor: str, action: str, target: str,
          request_id: str | None, detail: str | None = None) -> None:
    session.add(StaffAudit(actor=actor, action=action, target=target, request_id=request_id, detail=detail))


async def locked_until(session: AsyncSession, username: str, ip: str) -> datetime | None:
    stmt = select(LoginFailure.locked_until).where(LoginFailure.username == username, LoginFailure.ip == ip)
    return (await session.execute(stmt)).scalar_one_or_none()


async def count_failure(session: AsyncSession, username: str, ip: str) -> int:
    return int((await session.execute(text("""
        INSERT INTO gateway.login_failures (username, ip, failures) VALUES (:u, :ip, 1)
        ON CONFLICT (username, ip) DO UPDATE SET failures = gateway.login_failures.failures + 1, updated_at = now()
        RETURNING failures
    """), {"u": username, "ip": ip})).scalar_one())


async def lock(session: AsyncSession, username: str, ip: str, until: datetime) -> None:
    await session.execute(update(LoginFailure).where(LoginFailure.username == username, LoginFailure.ip == ip)
                          .values(locked_until=until))


async def clear_failures(session: AsyncSession, username: str, ip: str) -> None:
    await session.execute(delete(LoginFailure).where(LoginFailure.username == username, LoginFailure.ip == ip))


async def clear_all_failures(session: AsyncSession, username: str) -> None:
    await session.execute(delete(LoginFailure).where(LoginFailure.username == username))
