"""Issue, check and revoke hospital client credentials; sign short-lived HIS access tokens."""

from __future__ import annotations

import asyncio
import secrets
import uuid
from urllib.parse import quote

import httpx
import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.hospitals.models import HospitalCredential
from kit import clock, http
from kit.identity import HEADER, Caller, IdentitySigner
from kit.problems import NotFound, ServiceUnavailable, Unauthorized

AUDIENCE = "xuefei-his"
ISSUER = "xuefei-gateway"
hasher = PasswordHasher()


async def hospital_record(client: httpx.AsyncClient, signer: IdentitySigner, code: str) -> dict[str, object]:
    caller = Caller(subject="gateway", kind="system", roles=["system"], channel="ops")
    try:
        response = await http.send(client, "GET", f"/v1/hospitals/{quote(code, safe='')}",
                                   headers={HEADER: signer.sign(caller)})
    except httpx.TransportError as exc:
        raise ServiceUnavailable("claims service unavailable") from exc
    if response.status_code == 404:
        raise NotFound(f"医院 {code} 未登记 (register the hospital first)", field="code")
    if response.status_code != 200:
        raise ServiceUnavailable("claims service unavailable")
    return dict(response.json())


async def issue(session: AsyncSession, hospital: dict[str, object], actor: str) -> tuple[str, str]:
    client_id = f"his-{hospital['code']}-{uuid.uuid4().hex[:8]}"
    secret = secrets.token_urlsafe(32)
    session.add(HospitalCredential(client_id=client_id, secret_hash=await asyncio.to_thread(hasher.hash, secret),
                                   hospital_code=str(hospital["code"]), province=str(hospital["province"]),
                                   created_by=actor))
    return client_id, secret


async def credentials_of(session: AsyncSession, code: str) -> list[HospitalCredential]:
    stmt = select(HospitalCredential).where(HospitalCredential.hospital_code == code).order_by(
        HospitalCredential.created_at.desc(), HospitalCredential.client_id)
    return list((await session.execute(stmt)).scalars())


async def revoke(session: AsyncSession, code: str, client_id: str) -> HospitalCredential:
    credential = await session.get(HospitalCredential, client_id, with_for_update=True)
    if credential is None or credential.hospital_code != code:
        raise NotFound(f"no credential {client_id!r} for hospital {code}", field="client_id")
    if credential.revoked_at is None:
        credential.revoked_at = clock.now()
    return credential


_DUMMY_HASH = hasher.hash("not a real secret")


async def authenticate(sessionmaker: async_sessionmaker[AsyncSession], client_id: str,
                       client_secret: str) -> HospitalCredential:
    """The argon2 check runs with no connection held; unknown, wrong and revoked look alike."""
    async with sessionmaker() as session:
        credential = await session.get(HospitalCredential, client_id)
    live = credential is not None and credential.revoked_at is None
    try:
        await asyncio.to_thread(hasher.verify, credential.secret_hash if live else _DUMMY_HASH,  # type: ignore[union-attr]
                                client_secret)
        ok = live
    except (VerifyMismatchError, InvalidHashError):
        ok = False
    if not ok:
        raise Unauthorized("invalid_client: 客户端凭证无效或已吊销 (unknown, wrong or revoked client credentials)")
    assert credential is not None
    return credential


def issue_token(private_key: str, credential: HospitalCredential, ttl_s: int) -> str:
    now = clock.epoch_s()
    return jwt.encode({"iss": ISSUER, "aud": AUDIENCE, "sub": credential.client_id, "iat": now, "exp": now + ttl_s},
                      private_key, algorithm="EdDSA")


async def caller_for_token(session: AsyncSession, public_key: object, token: str) -> Caller:
    try:
        claims = jwt.decode(token, public_key, algorithms=["EdDSA"], audience=AUDIENCE, issuer=ISSUER)
    except jwt.PyJWTError as exc:
        raise Unauthorized("access token is invalid or expired") from exc
    credential = (await session.execute(select(HospitalCredential).where(
        HospitalCredential.client_id == claims["sub"]))).scalar_one_or_none()
    if credential is None or credential.revoked_at is not None:
        raise Unauthorized("invalid_client: credentials revoked")
    return Caller(subject=credential.hospital_code, kind="hospital", roles=["hospital"], province=credential.province,
                  hospital_code=credential.hospital_code, channel="his")
