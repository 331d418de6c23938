"""The public route table: which public path goes to which service path, for whom.

One line per route keeps the public surface reviewable in one place; the OpenAPI of each
surface is built from this table and the services' contract snapshots (gateway/docs.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Surface = Literal["api", "ops", "his", "interop"]
Service = Literal["entitlement", "claims", "payments"]


@dataclass(frozen=True)
class ProxyRoute:
    surface: Surface
    method: str
    path: str  # public path below /{surface}/v1
    service: Service
    upstream: str  # path on the service
    roles: frozenset[str] = frozenset()  # staff roles allowed (ops surface); empty: any signed-in staff


def ops(method: str, path: str, service: Service, upstream: str, *roles: str) -> ProxyRoute:
    return ProxyRoute("ops", method, path, service, upstream, frozenset(roles))


STAFF_QUOTE_ROLES = ("station_operator", "reviewer", "senior_reviewer", "hospital_operator", "admin")

ROUTES: tuple[ProxyRoute, ...] = (
    # entitlement
    ops("POST", "/donations", "entitlement", "/v1/donations", "station_operator", "admin"),
    ops("POST", "/quotes", "entitlement", "/v1/quotes", *STAFF_QUOTE_ROLES),
    ops("GET", "/rule-sets", "entitlement", "/v1/rule-sets"),
    ops("GET", "/rule-sets/{rule_set_id}", "entitlement", "/v1/rule-sets/{rule_set_id}"),
    ops("POST", "/certificates/lookup", "entitlement", "/v1/certificates/lookup",
        "station_operator", "reviewer", "senior_reviewer", "admin"),
    # diagnostics: the caller as each service sees it
    ops("GET", "/whoami/entitlement", "entitlement", "/v1/whoami"),
    ops("GET", "/whoami/claims", "claims", "/v1/whoami"),
    ops("GET", "/whoami/payments", "payments", "/v1/whoami"),
)
