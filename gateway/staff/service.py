"""Staff login with argon2 and a growing lockout after repeated failures."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.settings import GatewaySettings
from gateway.staff import repository
from gateway.staff.models import StaffUser
from gateway.staff.schemas import StaffUserCreate, StaffUserUpdate
from kit import clock
from kit.problems import Conflict, NotFound, Problem, Unauthorized

hasher = PasswordHasher()
# Verifying against a dummy hash keeps the timing of "no such user" like a wrong password.
_DUMMY_HASH = hasher.hash("not a real password")


class TooManyAttempts(Problem):
    status, slug, title = 429, "too-many-attempts", "Too many failed logins"


async def _verify(password_hash: str, password: str) -> bool:
    try:
        return await asyncio.to_thread(hasher.verify, password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return False


async def authenticate(session: AsyncSession, settings: GatewaySettings, username: str, password: str) -> StaffUser:
    user = await repository.get_by_username(session, username, for_update=True)
    now = clock.now()
    if user is None:
        await _verify(_DUMMY_HASH, password)
        raise Unauthorized("用户名或密码错误 (wrong username or password)")
    if user.locked_until and user.locked_until > now:
        wait = int((user.locked_until - now).total_seconds()) + 1
        raise TooManyAttempts(
            f"登录失败次数过多，请 {wait} 秒后再试 (too many failed logins; retry in {wait} s)",
            headers={"Retry-After": str(wait)},
        )
    if not await _verify(user.password_hash, password) or user.disabled_at is not None:
        user.failed_logins += 1
        over = user.failed_logins - settings.login_free_failures
        if over >= 0:
            delay = min(settings.login_lockout_cap_s, settings.login_lockout_base_s * 2**over)
            user.locked_until = now + timedelta(seconds=delay)
        raise Unauthorized("用户名或密码错误 (wrong username or password)")
    user.failed_logins = 0
    user.locked_until = None
    return user


async def create_user(session: AsyncSession, data: StaffUserCreate, *, actor: str, request_id: str | None) -> StaffUser:
    if await repository.get_by_username(session, data.username):
        raise Conflict(f"username {data.username!r} already exists", field="username")
    user = StaffUser(
        username=data.username,
        password_hash=await asyncio.to_thread(hasher.hash, data.password),
        roles=sorted({r.value for r in data.roles}),
        province=data.province,
        hospital_code=data.hospital_code,
        created_by=actor,
    )
    repository.add(session, user)
    repository.audit(session, actor=actor, action="create", target=data.username, request_id=request_id,
                     detail=f"roles={','.join(user.roles)} province={data.province}")
    await session.flush()
    return user


async def update_user(session: AsyncSession, username: str, data: StaffUserUpdate, *, actor: str,
                      request_id: str | None) -> StaffUser:
    user = await repository.get_by_username(session, username, for_update=True)
    if user is None:
        raise NotFound(f"no staff user {username!r}", field="username")
    roles = sorted({r.value for r in data.roles})
    if user.username == actor and "admin" in user.roles and "admin" not in roles:
        raise Conflict("不能取消自己的管理员角色 (you cannot drop your own admin role)", field="roles")
    before = f"roles={','.join(user.roles)} province={user.province} hospital={user.hospital_code}"
    user.roles, user.province, user.hospital_code = roles, data.province, data.hospital_code
    repository.audit(session, actor=actor, action="update", target=username, request_id=request_id,
                     detail=f"{before} -> roles={','.join(roles)} province={data.province} "
                            f"hospital={data.hospital_code}")
    await session.flush()
    return user


async def set_password(session: AsyncSession, username: str, password: str, *, actor: str) -> None:
    user = await repository.get_by_username(session, username, for_update=True)
    if user is None:
        raise NotFound(f"no staff user {username!r}")
    user.password_hash = await asyncio.to_thread(hasher.hash, password)
    user.failed_logins, user.locked_until = 0, None
    repository.audit(session, actor=actor, action="set_password", target=username, request_id=None)


async def disable_user(session: AsyncSession, username: str, *, actor: str, request_id: str | None) -> StaffUser:
    user = await repository.get_by_username(session, username, for_update=True)
    if user is None:
        raise NotFound(f"no staff user {username!r}", field="username")
    if user.username == actor:
        raise Conflict("you cannot disable your own account")
    if user.disabled_at is None:
        user.disabled_at = clock.now()
        repository.audit(session, actor=actor, action="disable", target=username, request_id=request_id)
    return user
