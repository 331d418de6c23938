from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Path, Request, status
from pydantic import BaseModel

from gateway import ratelimit
from gateway.hospitals import service
from gateway.staff.auth import staff_with_roles
from kit.db import SessionDep
from kit.identity import Caller
from kit.problems import Unprocessable, problem_responses

ops_router = APIRouter(prefix="/ops/v1/hospitals", tags=["hospitals"])
his_router = APIRouter(prefix="/his/v1", tags=["hospital sign-in"])
AdminDep = Annotated[Caller, staff_with_roles("admin")]
HospitalCode = Annotated[str, Path(pattern=r"^[A-Za-z0-9-]{3,32}$", description="the hospital's registered code")]


class CredentialOut(BaseModel):
    client_id: str
    client_secret: str | None = None
    hospital_code: str
    revoked: bool = False


class CredentialRow(BaseModel):
    client_id: str
    hospital_code: str
    created_by: str
    created_at: datetime
    revoked_at: datetime | None


class HisToken(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


@ops_router.post("/{code}/credentials", response_model=CredentialOut, status_code=status.HTTP_201_CREATED,
                 operation_id="issue_hospital_credentials",
                 summary="Issue API credentials to a registered hospital; the secret is shown this once (admin)",
                 description="Rotation: issue a new pair, switch the hospital over, revoke the old one.",
                 responses=problem_responses(401, 403, 404, 422, 503))
async def issue_credentials(code: HospitalCode, request: Request, caller: AdminDep,
                            session: SessionDep) -> CredentialOut:
    state = request.app.state
    hospital = await service.hospital_record(state.clients["claims"], state.signer, code)
    client_id, secret = await service.issue(session, hospital, caller.subject)
    return CredentialOut(client_id=client_id, client_secret=secret, hospital_code=code)


@ops_router.get("/{code}/credentials", response_model=list[CredentialRow], operation_id="list_hospital_credentials",
                summary="A hospital's API credentials, newest first (client ids only; secrets are never kept)",
                responses=problem_responses(401, 403, 422))
async def list_credentials(code: HospitalCode, caller: AdminDep, session: SessionDep) -> list[CredentialRow]:
    return [CredentialRow(client_id=c.client_id, hospital_code=c.hospital_code, created_by=c.created_by,
                          created_at=c.created_at, revoked_at=c.revoked_at)
            for c in await service.credentials_of(session, code)]


@ops_router.post("/{code}/credentials/{client_id}/revoke", response_model=CredentialOut,
                 operation_id="revoke_hospital_credentials", summary="Revoke credentials; tokens stop working at once",
                 responses=problem_responses(401, 403, 404, 422))
async def revoke_credentials(code: HospitalCode, client_id: Annotated[str, Path(max_length=64)], caller: AdminDep,
                             session: SessionDep) -> CredentialOut:
    credential = await service.revoke(session, code, client_id)
    return CredentialOut(client_id=credential.client_id, hospital_code=code, revoked=True)


@his_router.post("/auth/token", response_model=HisToken, operation_id="his_token",
                 summary="OAuth2 client credentials: a hospital system's access token",
                 description="Each address has a per-minute limit (429 with Retry-After).",
                 responses=problem_responses(401, 422, 429))
async def his_token(request: Request, grant_type: Annotated[str, Form()],
                    client_id: Annotated[str, Form(max_length=128)],
                    client_secret: Annotated[str, Form(max_length=256)]) -> HisToken:
    if grant_type != "client_credentials":
        raise Unprocessable("grant_type must be client_credentials", field="grant_type")
    async with request.app.state.sessionmaker() as session:
        await ratelimit.hit(session, f"his-token:ip:{ratelimit.client_ip(request)}",
                            limit=request.app.state.settings.login_ip_limit_per_min, window_s=60)
        await session.commit()
    credential = await service.authenticate(request.app.state.sessionmaker, client_id, client_secret)
    ttl = 3600
    return HisToken(access_token=service.issue_token(request.app.state.settings.identity_private_key.get_secret_value(),
                                                     credential, ttl), expires_in=ttl)
