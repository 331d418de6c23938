"""Who is calling, as signed by the gateway (or, for service-to-service calls, by a peer).

The gateway authenticates every request and passes the caller to services in a short-lived
Ed25519-signed token (header `X-Caller`). Services hold only public keys, so a service port
reached directly, without the gateway, is useless. A service calling another signs with its
own key, and may only say "I am service X" (kind `system`): only the gateway vouches for
staff, donors, hospitals and partners.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

import jwt
from cryptography.hazmat.primitives import serialization
from fastapi import Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from kit import clock
from kit.crypto import BlindIndex
from kit.problems import Forbidden, Unauthorized
from kit.verified import VerifiedTokens

HEADER = "X-Caller"
ISSUER = "xuefei-gateway"
SERVICE_ISSUER_PREFIX = "xuefei-service-"
AUDIENCE = "xuefei-services"
LEEWAY_S = 5  # clock skew between our processes
REUSED_CALLERS = 4096  # callers whose current token a signer keeps for reuse

CallerKind = Literal["staff", "donor", "hospital", "partner", "system"]
PERSON_CONTEXT = "xuefei.person.cert_number"


def person_index(index: BlindIndex, cert_type: str, cert_number: str) -> str:
    """The platform-wide digest of one certificate (type and number) under `identity_index_key`.

    The gateway puts it in a donor's caller token; services keep it beside the records they hold
    about that person and match on it. Neither side ever sends the number to prove who is who.
    """
    return index.digest(f"{cert_type}:{cert_number}", context=PERSON_CONTEXT)


class Caller(BaseModel):
    # Frozen: a verified caller is shared by the requests that carry the same token (kit.verified).
    model_config = ConfigDict(frozen=True)

    subject: str = Field(description="staff username, donor id, hospital code, partner id")
    kind: CallerKind
    roles: list[str] = Field(default_factory=list)
    province: str | None = None
    hospital_code: str | None = None
    channel: str = Field("ops", description="surface the request came in on: api, ops, his, interop")
    # A signed-in donor's bound identity as the platform's person index (`person_index`), so a
    # service can match them to its records without the ID number ever travelling in a token.
    cert_type: str | None = None
    cert_index: str | None = Field(None, description="person_index of the bound certificate (a keyed digest)")

    def has_any(self, *roles: str) -> bool:
        return bool(set(roles) & set(self.roles))


def private_key(pem: str) -> Any:
    """A PEM key parsed once: PyJWT would parse the text again on every call (measured in bench/)."""
    return serialization.load_pem_private_key(pem.encode(), password=None)


def public_key(pem: str) -> Any:
    return serialization.load_pem_public_key(pem.encode())


class IdentitySigner:
    """Signs callers. A token is reused for the same caller during the first half of its life:
    services then find it already verified (kit.verified) instead of checking a new signature per
    request, and every token still has at least half its lifetime left when it is sent."""

    def __init__(self, private_key_pem: str, ttl_s: int = 60, issuer: str = ISSUER) -> None:
        self._key = private_key(private_key_pem)
        self._ttl_s = ttl_s
        self._reuse_s = ttl_s // 2
        self._issuer = issuer
        self._issued: dict[str, tuple[int, str]] = {}  # caller as JSON -> (iat, token)

    def sign(self, caller: Caller) -> str:
        now = clock.epoch_s()
        key = caller.model_dump_json()
        issued = self._issued.get(key)
        if issued is not None and issued[0] <= now < issued[0] + self._reuse_s:
            return issued[1]
        claims = {
            "iss": self._issuer, "aud": AUDIENCE, "iat": now, "exp": now + self._ttl_s,
            "jti": uuid.uuid4().hex, "caller": caller.model_dump(),
        }
        token = jwt.encode(claims, self._key, algorithm="EdDSA")
        if len(self._issued) >= REUSED_CALLERS:
            self._issued.clear()  # donors are many; a fresh start costs one signature each
        self._issued[key] = (now, token)
        return token


class ServiceSigner:
    """Signs this service's own identity for calls to its peers."""

    def __init__(self, service: str, private_key_pem: str, ttl_s: int = 300) -> None:
        self.service = service
        self._signer = IdentitySigner(private_key_pem, ttl_s=ttl_s, issuer=SERVICE_ISSUER_PREFIX + service)

    def headers(self) -> dict[str, str]:
        caller = Caller(subject=self.service, kind="system", roles=["system"], channel="internal")
        return {HEADER: self._signer.sign(caller)}


class IdentityVerifier:
    def __init__(self, public_key_pem: str, peers: dict[str, str] | None = None) -> None:
        if not public_key_pem.strip():
            raise ValueError("identity_public_key is not set: services need the gateway's public key")
        self._keys = {ISSUER: public_key(public_key_pem)}
        self._keys.update({SERVICE_ISSUER_PREFIX + name: public_key(pem)
                           for name, pem in (peers or {}).items() if pem.strip()})
        self._verified: VerifiedTokens[Caller] = VerifiedTokens(leeway_s=LEEWAY_S)

    def verify(self, token: str) -> Caller:
        known = self._verified.get(token)
        if known is not None:
            return known
        caller, lifetime = self._verify(token)
        self._verified.put(token, *lifetime, caller)
        return caller

    def _verify(self, token: str) -> tuple[Caller, tuple[int, int]]:
        try:
            issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
            key = self._keys.get(issuer)
            if key is None:
                raise jwt.InvalidIssuerError(f"unknown issuer {issuer!r}")
            claims = jwt.decode(
                token, key, algorithms=["EdDSA"], audience=AUDIENCE, issuer=issuer,
                options={"require": ["exp", "iat", "aud", "iss"]}, leeway=LEEWAY_S,
            )
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"caller token refused: {exc}") from exc
        caller = Caller.model_validate(claims["caller"])
        if issuer == ISSUER and caller.kind == "system" and caller.subject != "gateway":
            # The gateway vouches for people and speaks for itself; a service speaks with its own key.
            raise Unauthorized(f"the gateway cannot speak for the service {caller.subject!r}")
        if issuer != ISSUER:
            service = issuer.removeprefix(SERVICE_ISSUER_PREFIX)
            if caller.kind != "system" or caller.subject != service:
                raise Unauthorized(f"service {service} may only speak for itself")
        return caller, (int(claims["iat"]), int(claims["exp"]))


def generate_identity_keypair() -> tuple[str, str]:
    """(private PEM, public PEM) for dev and tests; production keys come from settings."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    return private, public


# async def: no blocking I/O here, so no hop through the thread pool on every request.
async def current_caller(request: Request) -> Caller:
    token = request.headers.get(HEADER)
    if not token:
        raise Unauthorized("requests reach services only through the gateway (no caller token)")
    verifier: IdentityVerifier = request.app.state.identity_verifier
    return verifier.verify(token)


CallerDep = Annotated[Caller, Depends(current_caller)]


def require_roles(*roles: str):  # noqa: ANN201 - a FastAPI dependency factory
    async def check(caller: CallerDep) -> Caller:
        if not caller.has_any(*roles):
            raise Forbidden(f"needs one of the roles: {', '.join(roles)}")
        return caller

    return Depends(check)
