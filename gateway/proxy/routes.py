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


REVIEWERS = ("reviewer", "senior_reviewer")
CLAIM_READERS = ("admin", "station_operator", "reviewer", "senior_reviewer", "finance")
STAFF_QUOTE_ROLES = ("station_operator", "reviewer", "senior_reviewer", "hospital_operator", "admin")

ROUTES: tuple[ProxyRoute, ...] = (
    # entitlement
    ops("POST", "/donations", "entitlement", "/v1/donations", "station_operator", "admin"),
    ops("POST", "/quotes", "entitlement", "/v1/quotes", *STAFF_QUOTE_ROLES),
    ops("GET", "/rule-sets", "entitlement", "/v1/rule-sets"),
    ops("GET", "/rule-sets/{rule_set_id}", "entitlement", "/v1/rule-sets/{rule_set_id}"),
    ops("POST", "/certificates/lookup", "entitlement", "/v1/certificates/lookup",
        "station_operator", "reviewer", "senior_reviewer", "admin"),
    # claims (报销): counter and mail registration, review, audit
    ops("POST", "/claims", "claims", "/v1/claims", "station_operator", "admin"),
    ops("GET", "/claims", "claims", "/v1/claims", *CLAIM_READERS),
    ops("GET", "/claims/{claim_id}", "claims", "/v1/claims/{claim_id}", *CLAIM_READERS),
    ops("GET", "/claims/{claim_id}/unmasked", "claims", "/v1/claims/{claim_id}/unmasked", *REVIEWERS),
    ops("GET", "/claims/{claim_id}/history", "claims", "/v1/claims/{claim_id}/history", *CLAIM_READERS),
    ops("POST", "/claims/{claim_id}/documents", "claims", "/v1/claims/{claim_id}/documents", "station_operator", "admin"),
    ops("GET", "/claims/{claim_id}/documents/{document_id}", "claims",
        "/v1/claims/{claim_id}/documents/{document_id}", *CLAIM_READERS),
    ops("POST", "/claims/{claim_id}/submit", "claims", "/v1/claims/{claim_id}/submit", "station_operator", "admin"),
    ops("POST", "/claims/{claim_id}/withdraw", "claims", "/v1/claims/{claim_id}/withdraw", "station_operator", "admin"),
    ops("PUT", "/claims/{claim_id}/payee", "claims", "/v1/claims/{claim_id}/payee", "station_operator", "admin"),
    ops("POST", "/claims/{claim_id}/start-review", "claims", "/v1/claims/{claim_id}/start-review", *REVIEWERS),
    ops("POST", "/claims/{claim_id}/decision", "claims", "/v1/claims/{claim_id}/decision", *REVIEWERS),
    ops("PUT", "/calendar/days/{day}", "claims", "/v1/calendar/days/{day}", "admin"),
    ops("POST", "/calendar/years/{year}", "claims", "/v1/calendar/years/{year}", "admin"),
    ops("GET", "/calendar/alarms", "claims", "/v1/calendar/alarms", "admin", *REVIEWERS),
    ops("GET", "/sandbox/notifications", "claims", "/v1/sandbox/notifications", "admin"),
    # diagnostics: the caller as each service sees it
    ops("GET", "/whoami/entitlement", "entitlement", "/v1/whoami"),
    ops("GET", "/whoami/claims", "claims", "/v1/whoami"),
    ops("GET", "/whoami/payments", "payments", "/v1/whoami"),
)
