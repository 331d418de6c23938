"""Staff bearer tokens: Ed25519-signed, audience `xuefei-ops`, short-lived."""

from __future__ import annotations

import uuid

import jwt
from cryptography.hazmat.primitives import serialization

from kit import clock
from kit.problems import Unauthorized
from kit.verified import VerifiedTokens

AUDIENCE = "xuefei-ops"
ISSUER = "xuefei-gateway"


class StaffTokens:
    def __init__(self, private_key_pem: str, ttl_s: int) -> None:
        # Parsed once; PyJWT takes the key objects as they are.
        self._private = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
        self.public_key = self._private.public_key()
        self.ttl_s = ttl_s
        self._verified: VerifiedTokens[tuple[str, int]] = VerifiedTokens()

    def issue(self, username: str, version: int) -> str:
        now = clock.epoch_s()
        claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": username, "ver": version, "iat": now,
                  "exp": now + self.ttl_s, "jti": uuid.uuid4().hex}
        return jwt.encode(claims, self._private, algorithm="EdDSA")

    def subject_of(self, token: str) -> tuple[str, int]:
        """(username, token version); the caller checks the version against the account's (on every
        request: a token once verified is not checked again until it expires, the account is)."""
        known = self._verified.get(token)
        if known is not None:
            return known
        try:
            claims = jwt.decode(token, self.public_key, algorithms=["EdDSA"], audience=AUDIENCE,
                                issuer=ISSUER, options={"require": ["exp", "sub", "ver"]})
        except jwt.PyJWTError as exc:
            raise Unauthorized("access token is invalid or expired") from exc
        subject = str(claims["sub"]), int(claims["ver"])
        self._verified.put(token, int(claims.get("iat", 0)), int(claims["exp"]), subject)
        return subject
