"""Caller tokens as the gateway would sign them, for calling a service app directly."""

from __future__ import annotations

from kit.identity import HEADER, Caller, IdentitySigner
from stack import keys as devkeys


def caller_headers(keys: devkeys.DevKeys, *, subject: str = "tester", roles: tuple[str, ...] = ("admin",),
                   province: str | None = None, kind: str = "staff", cert_number: str | None = None,
                   channel: str = "ops") -> dict[str, str]:
    caller = Caller(subject=subject, kind=kind, roles=list(roles), province=province,  # type: ignore[arg-type]
                    cert_type="resident_id" if cert_number else None, cert_number=cert_number, channel=channel)
    return {HEADER: IdentitySigner(keys.identity_private_pem, ttl_s=600).sign(caller)}


def donor_headers(keys: devkeys.DevKeys, account: str, cert_number: str) -> dict[str, str]:
    """A signed-in donor on the client surface, bound to this ID number."""
    return caller_headers(keys, subject=account, roles=(), kind="donor", cert_number=cert_number, channel="api")
