"""Staff sign-in with argon2, a lockout per username and address, and account changes that end
every earlier token at once (token version)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway import ratelimit
from gateway.settings import GatewaySettings
from gateway.staff import repository
from gateway.staff.models import StaffUser
from gateway.staff.schemas import Role, StaffUserCreate, StaffUserUpdate
from kit import clock
from kit.problems import Conflict, NotFound, Problem, Unauthorized, Unprocessable

hasher = PasswordHasher()
# Verifying against a dummy hash keeps the timing of "no such user" like a wrong password.
_DUMMY_HASH = hasher.hash("not a real password")
WRONG = "用户名或密码错误 (wrong username or password)"


class TooManyAttempts(Problem):
    status, slug, title = 429, "too-many-attempts", "Too many failed logins"


async def _verify(password_hash: str, password: str) -> bool:
    try:
        return await asyncio.to_thread(hasher.verify, password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return False


async def authenticate(sessionmaker: async_sessionmaker[AsyncSession], settings: GatewaySettings,
                       username: str, password: str, ip: str) -> StaffUser:
    """Three short steps, so that the slow argon2 check holds no row lock and no pooled connection:
    read (address limit, lockout, account), verify, then record the outcome. An unknown user, a
    wrong password and a disabled account get the very same 401."""
    key = username[:128]
    async with sessionmaker() as session:
        await ratelimit.hit(session, f"staff-login:ip:{ip}", limit=settings.login_ip_limit_per_min, window_s=60)
        await session.commit()
        locked_until = await repository.locked_until(session, key, ip)
        user = await repository.get_by_username(session, username)
        await session.commit()
    now = clock.now()
    if locked_until and locked_until > now:
        wait = int((locked_until - now).total_seconds()) + 1
        raise TooManyAttempts(
            f"登录失败次数过多，请 {wait} 秒后再试 (too many failed logins; retry in {wait} s)",
            headers={"Retry-After": str(wait)})
    ok = await _verify(user.password_hash if user is not None else _DUMMY_HASH, password)
    ok = ok and user is not None and user.disabled_at is None
    async with sessionmaker() as session, session.begin():
        if ok:
            await repository.clear_failures(session, key, ip)
        else:
            failures = await repository.count_failure(session, key, ip)
            over = failures - settings.login_free_failures
            if over >= 0:
                delay = min(settings.login_lockout_cap_s, settings.login_lockout_base_s * 2**over)
                await repository.lock(session, key, ip, clock.now() + timedelta(seconds=delay))
    if not ok:
        raise Unauthorized(WRONG)
    assert user is not None
    return user


def _require_province(roles: list[Role], province: str | None) -> None:
    if Role.admin not in roles and not province:
        # Everyone but an admin works for one province's station (DOMAIN.md 11): no province, no account.
        raise Unprocessable("非管理员账号必须指定所属省份 (a non-admin account needs a province)", field="province")


async def create_user(session: AsyncSession, data: StaffUserCreate, *, actor: str, request_id: str | None) -> StaffUser:
    _require_province(data.roles, data.province)
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
    _require_province(data.roles, data.province)
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


async def set_password(session: AsyncSession, username: str, password: str, *, actor: str,
                       request_id: str | None = None) -> StaffUser:
    """A new password; every token issued under the old one stops working at once."""
    password_hash = await asyncio.to_thread(hasher.hash, password)  # before the row lock: it takes a while
    user = await repository.get_by_username(session, username, for_update=True)
    if user is None:
        raise NotFound(f"no staff user {username!r}", field="username")
    user.password_hash = password_hash
    user.token_version += 1
    await repository.clear_all_failures(session, username)
    repository.audit(session, actor=actor, action="set_password", target=username, request_id=request_id)
    return user


async def disable_user(session: AsyncSession, username: str, *, actor: str, request_id: str | None) -> StaffUser:
    user = await repository.get_by_username(session, username, for_update=True)
    if user is None:
        raise NotFound(f"no staff user {username!r}", field="username")
    if user.username == actor:
        raise Conflict("you cannot disable your own account")
    if user.disabled_at is None:
        user.disabled_at = clock.now()
        user.token_version += 1  # its tokens end now, not when they expire
        repository.audit(session, actor=actor, action="disable", target=username, request_id=request_id)
    return user


async def sign_out(session: AsyncSession, username: str, *, request_id: str | None) -> None:
    """Ends every token of this account (all its sessions), like a password reset without one."""
    user = await repository.get_by_username(session, username, for_update=True)
    if user is not None:
        user.token_version += 1
        repository.audit(session, actor=username, action="sign_out", target=username, request_id=request_id)
