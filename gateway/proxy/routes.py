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


ROUTES: tuple[ProxyRoute, ...] = (
    ops("GET", "/whoami/entitlement", "entitlement", "/v1/whoami"),
    ops("GET", "/whoami/claims", "claims", "/v1/whoami"),
    ops("GET", "/whoami/payments", "payments", "/v1/whoami"),
)
