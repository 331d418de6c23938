"""Who is this staff member? Bearer token -> an enabled account -> a Caller for services."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from gateway.staff.accounts import StaffAccounts
from gateway.staff.tokens import StaffTokens
from kit.identity import Caller
from kit.problems import Forbidden, Unauthorized

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/ops/v1/auth/token", auto_error=False)


async def current_staff(request: Request, token: Annotated[str | None, Depends(oauth2_scheme)]) -> Caller:
    if not token:
        raise Unauthorized("sign in at /ops/v1/auth/token and send the bearer token")
    tokens: StaffTokens = request.app.state.staff_tokens
    username, version = tokens.subject_of(token)
    accounts: StaffAccounts = request.app.state.staff_accounts
    account = await accounts.get(username)
    if account is None or account.disabled or account.token_version != version:
        raise Unauthorized("登录已失效，请重新登录 (signed out, disabled or password reset: sign in again)")
    return account.caller


StaffDep = Annotated[Caller, Depends(current_staff)]


def staff_with_roles(*roles: str):  # noqa: ANN201 - dependency factory
    async def check(caller: StaffDep) -> Caller:
        if not caller.has_any(*roles):
            raise Forbidden(f"needs one of the roles: {', '.join(roles)}")
        return caller

    check.roles = frozenset(roles)  # type: ignore[attr-defined]  # read by gateway.staff.permissions
    return Depends(check)
