"""Who calls which interop route (kit.callers), and which staff see the platform's interop objects.

- `/interop/v1/*` (the partner API): the gateway's pass-through only; the partner itself is then
  authenticated by its message signature (inbound/route.py), never by a caller token.
- `/v1/*`: admins (the partner directory, keys, outbox), finance (evidence, statements), staff
  asking a lookup, and the claims and payments services speaking for themselves.

Staff act within their province (issue 11): the platform's partners, evidence and statements are
objects of the province it serves (the sender province of every message we sign is
`settings.provinces[0]`), so a non-admin account of another province sees none of them.
"""

from __future__ import annotations

from kit.callers import allow, province_scope
from kit.identity import Caller

PARTNER_API = allow(partner=True)
ADMIN = allow(staff=("admin",))
FINANCE = allow(staff=("finance", "admin"))
FROM_CLAIMS = allow(services=("claims",))
FROM_PAYMENTS = allow(services=("payments",))
LOOKUP_ROLES = ("station_operator", "reviewer", "senior_reviewer", "hospital_operator", "admin")
REFRESH_ROLES = ("station_operator", "admin")


def sees_platform(caller: Caller, provinces: list[str]) -> bool:
    """Admin and peer services: yes; staff: when their province is one this platform serves."""
    scope = province_scope(caller)
    return scope is None or scope in provinces
