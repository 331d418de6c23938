"""The public route table: which public path goes to which service path, for whom.

One line per route keeps the public surface reviewable in one place; the OpenAPI of each
surface is built from this table and the services' contract snapshots (gateway/docs.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Surface = Literal["api", "ops", "his", "interop"]
Service = Literal["entitlement", "claims", "payments", "interop"]


@dataclass(frozen=True)
class ProxyRoute:
    surface: Surface
    method: str
    path: str  # public path below /{surface}/v1
    service: Service
    upstream: str  # path on the service
    roles: frozenset[str] = frozenset()  # staff roles allowed (ops surface); empty: any signed-in staff
    timeout_s: float | None = None  # a longer wait than the gateway's default, for a known slow route


def api(method: str, path: str, service: Service, upstream: str) -> ProxyRoute:
    """A route of the donor's client: the signed-in, identity-bound donor is the caller."""
    return ProxyRoute("api", method, path, service, upstream)


def his(method: str, path: str, service: Service, upstream: str) -> ProxyRoute:
    """A route of hospital billing systems (client-credentials token)."""
    return ProxyRoute("his", method, path, service, upstream)


def ops(method: str, path: str, service: Service, upstream: str, *roles: str) -> ProxyRoute:
    return ProxyRoute("ops", method, path, service, upstream, frozenset(roles))


REVIEWERS = ("reviewer", "senior_reviewer")
# Hospital staff without an integrated billing system use the ops surface (notices and filing are
# the hospital's alone); finance of the province and admin read the statements too.
HOSPITAL_DESK = ("hospital_operator",)
STATEMENT_READERS = ("hospital_operator", "finance", "admin")
# Claim documents (ID and bank-card photos): the province's reviewers and whoever registered the
# claim (services/claims access.can_read_documents); finance, who registers none, never opens them.
DOCUMENT_READERS = ("station_operator", "admin", "reviewer", "senior_reviewer")
CLAIM_READERS = ("admin", "station_operator", "reviewer", "senior_reviewer", "finance")
STAFF_QUOTE_ROLES = ("station_operator", "reviewer", "senior_reviewer", "hospital_operator", "admin")
PAYMENTS_FINANCE = ("finance", "admin")

ROUTES: tuple[ProxyRoute, ...] = (
    # entitlement
    ops("POST", "/donations", "entitlement", "/v1/donations", "station_operator", "admin"),
    ops("POST", "/quotes", "entitlement", "/v1/quotes", *STAFF_QUOTE_ROLES),
    ops("GET", "/rule-sets", "entitlement", "/v1/rule-sets"),
    ops("GET", "/rule-sets/{rule_set_id}", "entitlement", "/v1/rule-sets/{rule_set_id}"),
    # what-if over real cases: claims gathers its claims and notices, entitlement judges them
    # (a period's cases take a while: longer than the claims service's own 120 s wait for entitlement)
    ProxyRoute("ops", "POST", "/rule-sets/simulate", "claims", "/v1/simulations", frozenset({"admin"}), timeout_s=150),
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
        "/v1/claims/{claim_id}/documents/{document_id}", *DOCUMENT_READERS),
    ops("POST", "/claims/{claim_id}/submit", "claims", "/v1/claims/{claim_id}/submit", "station_operator", "admin"),
    ops("POST", "/claims/{claim_id}/withdraw", "claims", "/v1/claims/{claim_id}/withdraw", "station_operator", "admin"),
    ops("PUT", "/claims/{claim_id}/payee", "claims", "/v1/claims/{claim_id}/payee", "station_operator", "finance",
        "admin"),
    ops("POST", "/claims/{claim_id}/start-review", "claims", "/v1/claims/{claim_id}/start-review", *REVIEWERS),
    ops("POST", "/claims/{claim_id}/decision", "claims", "/v1/claims/{claim_id}/decision", *REVIEWERS),
    ops("POST", "/claims/{claim_id}/attention", "claims", "/v1/claims/{claim_id}/attention", "senior_reviewer"),
    ops("PUT", "/calendar/days/{day}", "claims", "/v1/calendar/days/{day}", "admin"),
    ops("POST", "/calendar/years/{year}", "claims", "/v1/calendar/years/{year}", "admin"),
    ops("GET", "/calendar/years/{year}", "claims", "/v1/calendar/years/{year}", "admin", *REVIEWERS),
    ops("GET", "/calendar/alarms", "claims", "/v1/calendar/alarms", "admin", *REVIEWERS),
    # the ops console (运营后台): review worklist and sheet, soft locks, audit search, dashboard
    ops("GET", "/review/queue", "claims", "/v1/review/queue", "admin", "station_operator", *REVIEWERS),
    ops("GET", "/review/claims/{claim_id}", "claims", "/v1/review/claims/{claim_id}", *CLAIM_READERS),
    ops("POST", "/claims/{claim_id}/lock", "claims", "/v1/claims/{claim_id}/lock", *REVIEWERS),
    ops("DELETE", "/claims/{claim_id}/lock", "claims", "/v1/claims/{claim_id}/lock", *REVIEWERS),
    ops("GET", "/audit/events", "claims", "/v1/audit/events", "admin", "senior_reviewer"),
    ops("GET", "/dashboard", "claims", "/v1/dashboard", *CLAIM_READERS),
    ops("GET", "/sandbox/notifications", "claims", "/v1/sandbox/notifications", "admin"),
    # money owed and not paid, and the outboxes' dead letters (ops alarm lists)
    ops("GET", "/alarms/payments", "claims", "/v1/alarms/payments", "admin", "finance", "senior_reviewer"),
    ops("GET", "/alarms/transfers", "payments", "/v1/alarms/transfers", *PAYMENTS_FINANCE),
    *[route for service in ("claims", "payments") for route in (
        ops("GET", f"/outbox/{service}/stats", service, "/v1/outbox/stats", "admin"),
        ops("GET", f"/outbox/{service}/dead-letters", service, "/v1/outbox/dead-letters", "admin"),
        ops("POST", f"/outbox/{service}/{{message_id}}/retry", service, "/v1/outbox/{message_id}/retry", "admin"),
        ops("POST", f"/outbox/{service}/{{message_id}}/discard", service, "/v1/outbox/{message_id}/discard",
            "admin"),
    )],
    # payments (费用结算): finance reads disbursements, funding totals and reconciliation
    ops("GET", "/payments/disbursements", "payments", "/v1/disbursements", *PAYMENTS_FINANCE),
    ops("GET", "/payments/disbursements/{disbursement_id}", "payments", "/v1/disbursements/{disbursement_id}",
        *PAYMENTS_FINANCE),
    ops("GET", "/payments/funding-totals", "payments", "/v1/funding-totals", *PAYMENTS_FINANCE),
    ops("POST", "/payments/reconciliation/run", "payments", "/v1/reconciliation/run", *PAYMENTS_FINANCE),
    ops("GET", "/payments/reconciliation", "payments", "/v1/reconciliation", *PAYMENTS_FINANCE),
    ops("GET", "/payments/reconciliation.csv", "payments", "/v1/reconciliation.csv", *PAYMENTS_FINANCE),
    # direct reduction (医疗机构直免): hospital systems, and hospital operators on the ops surface
    *[route for method, path, upstream, desk in (
        ("POST", "/reduction-notices", "/v1/reduction-notices", HOSPITAL_DESK),
        ("GET", "/reduction-notices/{notice_no}.pdf", "/v1/reduction-notices/{notice_no}.pdf", HOSPITAL_DESK),
        ("GET", "/reduction-notices/{notice_no}", "/v1/reduction-notices/{notice_no}", HOSPITAL_DESK),
        ("POST", "/reduction-notices/{notice_no}/cancel", "/v1/reduction-notices/{notice_no}/cancel", HOSPITAL_DESK),
        ("POST", "/reduction-notices/{notice_no}/settlement", "/v1/reduction-notices/{notice_no}/settlement",
         HOSPITAL_DESK),
        ("POST", "/reduction-notices/{notice_no}/correction", "/v1/reduction-notices/{notice_no}/correction",
         HOSPITAL_DESK),
        ("POST", "/hospital-settlements", "/v1/hospital-settlements", HOSPITAL_DESK),
        ("GET", "/hospital-settlements/{statement_id}", "/v1/hospital-settlements/{statement_id}", STATEMENT_READERS),
        ("GET", "/hospital-settlements/{statement_id}/statement.csv",
         "/v1/hospital-settlements/{statement_id}/statement.csv", STATEMENT_READERS),
        ("GET", "/hospital-settlements/{statement_id}/statement.pdf",
         "/v1/hospital-settlements/{statement_id}/statement.pdf", STATEMENT_READERS),
    ) for route in (his(method, path, "claims", upstream), ops(method, path, "claims", upstream, *desk))],
    ops("GET", "/hospital-settlements", "claims", "/v1/hospital-settlements", "finance", "admin"),
    ops("POST", "/hospital-settlements/{statement_id}/approve", "claims",
        "/v1/hospital-settlements/{statement_id}/approve", "finance", "admin"),
    ops("POST", "/hospitals", "claims", "/v1/hospitals", "admin"),
    ops("GET", "/hospitals", "claims", "/v1/hospitals", "admin", "finance"),
    ops("GET", "/hospitals/{code}", "claims", "/v1/hospitals/{code}", "admin", "finance"),
    ops("PUT", "/hospitals/{code}/account", "claims", "/v1/hospitals/{code}/account", "admin"),
    ops("GET", "/reports/direct-reductions", "claims", "/v1/reports/direct-reductions", "finance", "admin"),
    ops("GET", "/reports/direct-reduction-rate", "claims", "/v1/reports/direct-reduction-rate", "finance", "admin"),
    # the donor's client (全国电子无偿献血证): the donor's own records and family claims
    api("GET", "/me/certificate", "entitlement", "/v1/me/certificate"),
    api("POST", "/me/estimate", "entitlement", "/v1/me/estimate"),
    api("POST", "/claims", "claims", "/v1/claims"),
    api("GET", "/claims", "claims", "/v1/claims"),
    api("GET", "/claims/{claim_id}", "claims", "/v1/claims/{claim_id}"),
    api("GET", "/claims/{claim_id}/history", "claims", "/v1/claims/{claim_id}/history"),
    api("POST", "/claims/{claim_id}/documents", "claims", "/v1/claims/{claim_id}/documents"),
    api("GET", "/claims/{claim_id}/documents/{document_id}", "claims", "/v1/claims/{claim_id}/documents/{document_id}"),
    api("POST", "/claims/{claim_id}/submit", "claims", "/v1/claims/{claim_id}/submit"),
    api("POST", "/claims/{claim_id}/withdraw", "claims", "/v1/claims/{claim_id}/withdraw"),
    api("PUT", "/claims/{claim_id}/payee", "claims", "/v1/claims/{claim_id}/payee"),
    # cross-province interop (跨省异地减免): the partner directory and keys, the evidence log
    ops("POST", "/interop/partners", "interop", "/v1/partners", "admin"),
    ops("GET", "/interop/partners", "interop", "/v1/partners", "admin"),
    ops("GET", "/interop/partners/{code}", "interop", "/v1/partners/{code}", "admin"),
    ops("POST", "/interop/partners/{code}/keys", "interop", "/v1/partners/{code}/keys", "admin"),
    ops("POST", "/interop/partners/{code}/keys/{key_id}/retire", "interop",
        "/v1/partners/{code}/keys/{key_id}/retire", "admin"),
    ops("POST", "/interop/partners/{code}/suspend", "interop", "/v1/partners/{code}/suspend", "admin"),
    ops("POST", "/interop/partners/{code}/resume", "interop", "/v1/partners/{code}/resume", "admin"),
    ops("GET", "/interop/own-keys", "interop", "/v1/own-keys", "admin"),
    ops("POST", "/interop/own-keys", "interop", "/v1/own-keys", "admin"),
    ops("POST", "/interop/own-keys/{key_id}/activate", "interop", "/v1/own-keys/{key_id}/activate", "admin"),
    ops("GET", "/interop/audit", "interop", "/v1/audit", "admin"),
    ops("GET", "/interop/evidence", "interop", "/v1/evidence", "admin", "finance"),
    ops("GET", "/interop/outbox", "interop", "/v1/outbox", "admin"),
    ops("POST", "/interop/statements", "interop", "/v1/statements", *PAYMENTS_FINANCE),
    ops("GET", "/interop/statements", "interop", "/v1/statements", *PAYMENTS_FINANCE),
    ops("POST", "/interop/statements/{statement_id}/pay", "interop", "/v1/statements/{statement_id}/pay",
        *PAYMENTS_FINANCE),
    ops("POST", "/interop/lookups", "interop", "/v1/outbound/lookups", *STAFF_QUOTE_ROLES),
    ops("POST", "/interop/claims/{reference}/refresh", "interop", "/v1/outbound/claims/{reference}/refresh",
        "admin", "station_operator"),
    # diagnostics: the caller as each service sees it
    ops("GET", "/whoami/entitlement", "entitlement", "/v1/whoami"),
    ops("GET", "/whoami/claims", "claims", "/v1/whoami"),
    ops("GET", "/whoami/payments", "payments", "/v1/whoami"),
    ops("GET", "/whoami/interop", "interop", "/v1/whoami"),
)
