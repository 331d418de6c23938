"""Donor sessions on the client surface: bearer token -> account -> a Caller for services."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from gateway.donors import service
from gateway.donors.models import DonorAccount, DonorSession
from kit.db import SessionDep
from kit.identity import Caller
from kit.problems import Unauthorized

bearer = HTTPBearer(auto_error=False, description="token from POST /api/v1/auth/wx-login")
# The browser client's session: HttpOnly (no script reads it), SameSite=Strict (no other site's
# page sends it), scoped to the API. API clients keep using the bearer header.
SESSION_COOKIE = "xf_session"
COOKIE_PATH = "/api/v1"


def session_token(request: Request, credentials: HTTPAuthorizationCredentials | None) -> str:
    token = credentials.credentials if credentials is not None else request.cookies.get(SESSION_COOKIE)
    if not token:
        raise Unauthorized("请先登录 (sign in with WeChat first)")
    return token


async def donor_session(
    request: Request, session: SessionDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> tuple[DonorSession, DonorAccount]:
    return await service.account_for(session, session_token(request, credentials))


SignedInDep = Annotated[tuple[DonorSession, DonorAccount], Depends(donor_session)]


async def bound_donor(request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
                      ) -> Caller:
    """For forwarded routes: resolved in a short session of its own (see gateway/staff/auth.py), read-only:
    one statement, without BEGIN and ROLLBACK around it (kit.db.make_read_sessionmaker)."""
    token = session_token(request, credentials)
    async with request.app.state.read_sessionmaker() as session:
        _, account = await service.account_for(session, token)
    return service.caller_for(account, request.app.state.cipher, request.app.state.person_index)


DonorDep = Annotated[Caller, Depends(bound_donor)]
