"""Caller tokens as the gateway would sign them, for calling a service app directly."""

from __future__ import annotations

from kit.crypto import BlindIndex
from kit.identity import HEADER, Caller, IdentitySigner, person_index
from stack import keys as devkeys


def person(keys: devkeys.DevKeys, cert_number: str, cert_type: str = "resident_id") -> str:
    """The person index the gateway puts in a donor's caller token for this certificate."""
    return person_index(BlindIndex.from_settings(keys.identity_index_key), cert_type, cert_number)


def caller_headers(keys: devkeys.DevKeys, *, subject: str = "tester", roles: tuple[str, ...] = ("admin",),
                   province: str | None = None, kind: str = "staff", cert_number: str | None = None,
                   channel: str = "ops", hospital_code: str | None = None) -> dict[str, str]:
    if kind == "system" and subject in keys.service_keypairs:
        return service_headers(keys, subject)  # a service speaks with its own key, never the gateway's
    caller = Caller(subject=subject, kind=kind, roles=list(roles), province=province,  # type: ignore[arg-type]
                    cert_type="resident_id" if cert_number else None,
                    cert_index=person(keys, cert_number) if cert_number else None,
                    channel=channel, hospital_code=hospital_code)
    return {HEADER: IdentitySigner(keys.identity_private_pem, ttl_s=600).sign(caller)}


def donor_headers(keys: devkeys.DevKeys, account: str, cert_number: str) -> dict[str, str]:
    """A signed-in donor on the client surface, bound to this ID number."""
    return caller_headers(keys, subject=account, roles=(), kind="donor", cert_number=cert_number, channel="api")


def service_headers(keys: devkeys.DevKeys, service: str) -> dict[str, str]:
    """A peer service calling as itself (signed with its own key)."""
    from kit.identity import ServiceSigner

    return ServiceSigner(service, keys.service_keypairs[service][0]).headers()
