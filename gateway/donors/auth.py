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


async def donor_session(
    session: SessionDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> tuple[DonorSession, DonorAccount]:
    if credentials is None:
        raise Unauthorized("请先登录 (sign in with WeChat first)")
    return await service.account_for(session, credentials.credentials)


SignedInDep = Annotated[tuple[DonorSession, DonorAccount], Depends(donor_session)]


async def bound_donor(request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
                      ) -> Caller:
    """For forwarded routes: resolved in a short session of its own (see gateway/staff/auth.py)."""
    if credentials is None:
        raise Unauthorized("请先登录 (sign in with WeChat first)")
    async with request.app.state.sessionmaker() as session:
        _, account = await service.account_for(session, credentials.credentials)
    return service.caller_for(account, request.app.state.cipher, request.app.state.person_index)


DonorDep = Annotated[Caller, Depends(bound_donor)]
