from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from gateway.hospitals import service
from kit.identity import Caller
from kit.problems import Unauthorized

bearer = HTTPBearer(auto_error=False, description="token from POST /his/v1/auth/token (client credentials)")


async def current_hospital(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Caller:
    if credentials is None:
        raise Unauthorized("obtain a token at POST /his/v1/auth/token")
    async with request.app.state.sessionmaker() as session:  # short: see gateway/staff/auth.py
        return await service.caller_for_token(session, request.app.state.staff_tokens.public_key,
                                              credentials.credentials)


HospitalDep = Annotated[Caller, Depends(current_hospital)]
