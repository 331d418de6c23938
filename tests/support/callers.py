"""Caller tokens as the gateway would sign them, for calling a service app directly."""

from __future__ import annotations

from kit.identity import HEADER, Caller, IdentitySigner
from stack import keys as devkeys


def caller_headers(keys: devkeys.DevKeys, *, subject: str = "tester", roles: tuple[str, ...] = ("admin",),
                   province: str | None = None, kind: str = "staff") -> dict[str, str]:
    caller = Caller(subject=subject, kind=kind, roles=list(roles), province=province)  # type: ignore[arg-type]
    return {HEADER: IdentitySigner(keys.identity_private_pem, ttl_s=600).sign(caller)}
