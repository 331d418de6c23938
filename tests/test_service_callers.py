"""Issue 11.3: least privilege between services. Every service route names its callers
(kit.callers.allow): people the gateway vouches for and/or named peer services; anyone else 403."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from kit.callers import policy_of
from kit.identity import HEADER, Caller, IdentitySigner
from stack import keys as devkeys
from tests.support.apps import AppStack
from tests.support.callers import caller_headers, donor_headers, service_headers
from tests.support.people import resident_id

# Liveness and readiness, and Prometheus' scrape (kit.metrics: on the internal service port only,
# never forwarded by the gateway): no caller, nothing personal.
PUBLIC = {"/healthz", "/readyz", "/metrics"}
NO_ID = "00000000-0000-0000-0000-000000000000"


def routes(app: FastAPI) -> Iterator[tuple[str, set[str], list[Any]]]:
    """(path, methods, dependencies) of every route, through included routers: FastAPI (0.165) keeps
    an included router as one entry of `app.routes`, so a walk of APIRoutes alone finds none."""
    for route in app.routes:
        if isinstance(route, APIRoute):
            yield route.path, route.methods, route.dependencies
        elif hasattr(route, "effective_route_contexts"):
            for context in route.effective_route_contexts():
                yield context.path, context.methods, context.dependencies


@pytest.mark.parametrize("service", ["entitlement", "claims", "payments"])
async def test_every_service_route_declares_its_callers(stack: AppStack, service: str) -> None:
    walked = list(routes(stack.apps[service]))
    undeclared = [f"{sorted(methods)} {path}" for path, methods, dependencies in walked
                  if path not in PUBLIC and policy_of(dependencies) is None]
    assert undeclared == []
    assert len(walked) >= 10  # the walk sees the routers' routes, not just the app's own


CASES = [
    # (service, method, path, caller, why it is refused)
    ("entitlement", "POST", "/v1/holds", {"roles": ("admin",)}, "holds are the claims service's alone"),
    ("entitlement", "POST", "/v1/holds", {"subject": "payments", "kind": "system"}, "not the claims service"),
    ("entitlement", "POST", "/v1/holds/k/commit", {"roles": ("reviewer",), "province": "11"}, "people never"),
    ("entitlement", "POST", "/v1/donors/contact", {"subject": "claims", "kind": "system"}, "the gateway only"),
    ("entitlement", "POST", "/v1/quotes", {"subject": "claims", "kind": "system"}, "staff only"),
    ("entitlement", "POST", "/v1/donations", {"roles": ("reviewer",), "province": "11"}, "stations import"),
    ("entitlement", "GET", "/v1/me/certificate", {"roles": ("admin",)}, "the donor's own"),
    ("claims", "POST", "/v1/payment-events", {"subject": "entitlement", "kind": "system"}, "payments only"),
    ("claims", "POST", "/v1/payment-events", {"roles": ("admin",)}, "payments only"),
    ("claims", "GET", "/v1/claims", {"subject": "payments", "kind": "system"}, "people only"),
    ("claims", "GET", "/v1/hospitals", {"subject": "payments", "kind": "system"}, "the gateway lookup only"),
    ("claims", "GET", "/v1/calendar/alarms", {"roles": ("finance",), "province": "11"}, "reviewers and admin"),
    ("claims", "POST", "/v1/simulations", {"roles": ("reviewer", "senior_reviewer"), "province": "11"}, "admin only"),
    ("entitlement", "POST", "/v1/rule-sets/simulate", {"roles": ("admin",)}, "the claims service only"),
    ("payments", "POST", "/v1/disbursements", {"roles": ("admin",)}, "the claims service owes money"),
    ("payments", "POST", "/v1/disbursements", {"subject": "entitlement", "kind": "system"}, "not entitlement"),
    ("payments", "GET", "/v1/disbursements", {"subject": "claims", "kind": "system"}, "finance browses"),
    ("payments", "GET", "/v1/reconciliation", {"roles": ("reviewer",), "province": "11"}, "finance only"),
    # issue 12: money alarms, attention, dead letters, hospital accounts
    ("claims", "GET", "/v1/outbox/dead-letters", {"roles": ("finance",), "province": "11"}, "admin: plumbing"),
    ("claims", "POST", f"/v1/outbox/{NO_ID}/retry", {"roles": ("finance",), "province": "11"}, "admin only"),
    ("payments", "GET", "/v1/outbox/stats", {"roles": ("finance",), "province": "11"}, "admin: plumbing"),
    ("payments", "POST", f"/v1/outbox/{NO_ID}/discard", {"subject": "claims", "kind": "system"}, "people only"),
    ("claims", "PUT", "/v1/hospitals/H110105001/account", {"roles": ("finance",), "province": "11"}, "admin only"),
    ("claims", "POST", f"/v1/claims/{NO_ID}/attention", {"roles": ("reviewer",), "province": "11"}, "seniors only"),
    ("claims", "GET", "/v1/alarms/payments", {"roles": ("reviewer",), "province": "11"}, "finance, seniors"),
    ("payments", "GET", "/v1/alarms/transfers", {"subject": "claims", "kind": "system"}, "finance reads"),
]


@pytest.mark.parametrize(("service", "method", "path", "caller", "why"), CASES,
                         ids=[f"{c[0]}-{c[1]}-{c[2]}-{c[4]}" for c in CASES])
async def test_a_caller_the_route_does_not_name_is_refused(stack: AppStack, keys: devkeys.DevKeys, service: str,
                                                           method: str, path: str, caller: dict, why: str) -> None:
    headers = {**caller_headers(keys, **caller), "Idempotency-Key": "k"}
    response = await stack.services[service].request(method, path, headers=headers, json={})
    assert response.status_code == 403, (why, response.status_code, response.text)
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_donor_reaches_only_the_donor_routes(stack: AppStack, keys: devkeys.DevKeys) -> None:
    donor = donor_headers(keys, "acct:x", resident_id("19800101"))
    assert (await stack.services["entitlement"].post("/v1/quotes", headers=donor, json={})).status_code == 403
    assert (await stack.services["payments"].get("/v1/disbursements", headers=donor)).status_code == 403
    assert (await stack.services["claims"].get("/v1/claims", headers=donor)).status_code == 200


async def test_the_gateway_cannot_speak_for_a_service(stack: AppStack, keys: devkeys.DevKeys) -> None:
    forged = IdentitySigner(keys.identity_private_pem).sign(Caller(subject="claims", kind="system", roles=["system"]))
    response = await stack.services["entitlement"].get("/v1/holds/k", headers={HEADER: forged})
    assert response.status_code == 401 and "cannot speak for the service" in response.json()["detail"]
    own = await stack.services["entitlement"].get("/v1/holds/k", headers=service_headers(keys, "claims"))
    assert own.status_code == 404  # the claims service itself gets through (no such hold)


async def test_a_peer_service_may_call_only_the_routes_that_name_it(stack: AppStack, keys: devkeys.DevKeys) -> None:
    entitlement: httpx.AsyncClient = stack.services["entitlement"]
    payments_as_itself = service_headers(keys, "payments")
    assert (await entitlement.get("/v1/whoami", headers=payments_as_itself)).status_code == 200
    assert (await entitlement.get("/v1/holds/k", headers=payments_as_itself)).status_code == 403
