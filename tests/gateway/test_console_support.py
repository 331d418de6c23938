"""What the ops console asks of the gateway: the routes a staff member may call (its menu), role
changes, a hospital's credentials, and its own files under /console/ (under the gateway's CSP)."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from gateway.proxy.routes import ROUTES
from gateway.staff.permissions import api_routes
from gateway.staff.schemas import Role
from kit.callers import policy_of
from kit.identity import Caller
from kit.security_headers import CSP
from tests.claims.helpers import PASSWORD, add_user
from tests.reductions.test_direct_reduction import hospital_credentials


async def me(gateway: httpx.AsyncClient, headers: dict[str, str]) -> dict:
    response = await gateway.get("/ops/v1/me", headers=headers)
    assert response.status_code == 200
    return dict(response.json())


async def test_me_lists_exactly_the_ops_routes_the_roles_allow(gateway, admin_headers, stack) -> None:
    reviewer = await me(gateway, await add_user(gateway, admin_headers, stack, "bj_rev", ["reviewer"]))
    routes = set(reviewer["routes"])
    # From the proxy table: reviewers' routes, and none of finance's or admin's.
    assert {"GET /ops/v1/review/queue", "POST /ops/v1/claims/{claim_id}/decision",
            "POST /ops/v1/claims/{claim_id}/lock", "GET /ops/v1/dashboard"} <= routes
    assert not routes & {"GET /ops/v1/payments/disbursements", "POST /ops/v1/users", "GET /ops/v1/audit/events"}
    # The gateway's own routes, by their role dependency: any signed-in staff, or admin only.
    assert "GET /ops/v1/me" in routes and "POST /ops/v1/users" not in routes
    assert {"POST /ops/v1/auth/logout", "GET /ops/v1/claims/{claim_id}/documents/{document_id}"} <= routes
    admin = set((await me(gateway, admin_headers))["routes"])
    assert {"POST /ops/v1/users", "PUT /ops/v1/users/{username}", "GET /ops/v1/hospitals/{code}/credentials",
            "GET /ops/v1/audit/events", "GET /ops/v1/payments/disbursements"} <= admin
    assert "POST /ops/v1/claims/{claim_id}/decision" not in admin  # admin does not review
    # Issue 11's policies: admin files no hospital's notices (the hospital's own), finance opens no photo.
    assert "POST /ops/v1/reduction-notices" not in admin
    finance = set((await me(gateway, await add_user(gateway, admin_headers, stack, "bj_fin", ["finance"])))["routes"])
    assert "GET /ops/v1/claims/{claim_id}/documents/{document_id}" not in finance
    assert "GET /ops/v1/hospital-settlements/{statement_id}" in finance
    assert "POST /ops/v1/users/{username}/password" in admin


STAFF_ROLES = [role.value for role in Role]


@pytest.mark.parametrize("role", STAFF_ROLES)
async def test_the_menu_offers_no_route_the_service_refuses_the_role(stack, role: str) -> None:
    """/ops/v1/me lists a proxied route for every role the gateway's table names on it; the
    service behind must admit that role too (its kit.callers policy, issue 11), or the console
    would show a page that can only answer 403."""
    caller = Caller(subject="someone", kind="staff", roles=[role], province="11",
                    hospital_code="H110105001" if role == "hospital_operator" else None)
    offered = []
    for route in ROUTES:
        if route.surface != "ops" or (route.roles and role not in route.roles):
            continue
        service = [r for path, r in api_routes(stack.apps[route.service])
                   if path == route.upstream and route.method in r.methods]
        assert len(service) == 1, f"{route.method} {route.path}: no {route.service} route {route.upstream}"
        policy = policy_of(service[0].dependencies)
        assert policy is not None and policy.permits(caller), (
            f"{route.method} /ops/v1{route.path} is offered to {role}, whom {route.service} refuses")
        offered.append(route.path)
    assert offered  # every role has something to do


async def test_an_admin_changes_roles_and_the_menu_follows(gateway, admin_headers, stack) -> None:
    headers = await add_user(gateway, admin_headers, stack, "bj_clerk", ["station_operator"])
    assert "GET /ops/v1/payments/reconciliation" not in (await me(gateway, headers))["routes"]
    changed = await gateway.put("/ops/v1/users/bj_clerk", headers=admin_headers,
                                json={"roles": ["station_operator", "finance"], "province": "11"})
    assert changed.status_code == 200 and changed.json()["roles"] == ["finance", "station_operator"]
    assert "GET /ops/v1/payments/reconciliation" in (await me(gateway, headers))["routes"]
    bad = await gateway.put("/ops/v1/users/bj_clerk", headers=admin_headers, json={"roles": ["cashier"]})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"].startswith("roles")
    missing = await gateway.put("/ops/v1/users/ghost", headers=admin_headers, json={"roles": ["finance"]})
    assert missing.status_code == 404
    nowhere = await gateway.put("/ops/v1/users/bj_clerk", headers=admin_headers, json={"roles": ["finance"]})
    assert nowhere.status_code == 422 and nowhere.json()["errors"][0]["field"] == "province"  # issue 11's rule
    own = await gateway.put("/ops/v1/users/admin", headers=admin_headers,
                            json={"roles": ["finance"], "province": "11"})
    assert own.status_code == 409 and own.json()["errors"][0]["field"] == "roles"
    assert (await gateway.put("/ops/v1/users/bj_clerk", headers=headers, json={"roles": ["admin"]})).status_code == 403
    login = await gateway.post("/ops/v1/auth/token", data={"username": "bj_clerk", "password": PASSWORD})
    assert login.status_code == 200  # a role change keeps the password


async def test_a_hospitals_credentials_are_listed_without_secrets(gateway, admin_headers) -> None:
    client_id, _secret = await hospital_credentials(gateway, admin_headers)
    second = (await gateway.post("/ops/v1/hospitals/H110105001/credentials", headers=admin_headers)).json()
    await gateway.post(f"/ops/v1/hospitals/H110105001/credentials/{client_id}/revoke", headers=admin_headers)
    listed = (await gateway.get("/ops/v1/hospitals/H110105001/credentials", headers=admin_headers)).json()
    assert {c["client_id"]: c["revoked_at"] is not None for c in listed} == {client_id: True,
                                                                            second["client_id"]: False}
    assert all("secret" not in key for c in listed for key in c)


async def test_the_console_is_served_from_the_gateway(gateway) -> None:
    page = await gateway.get("/console/")
    assert page.status_code == 200 and "运营后台" in page.text
    assert page.headers["content-security-policy"] == CSP  # the gateway's: no inline script or style
    assert page.headers["x-frame-options"] == "DENY"
    assert '<script type="module" src="/console/console.js"></script>' in page.text
    script = await gateway.get("/console/console.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]


# What a Content-Security-Policy without 'unsafe-inline' refuses, and HTML injection besides.
FORBIDDEN_IN_JS = {
    r"\.(inner|outer)HTML\b|insertAdjacentHTML|document\.write": "HTML from strings",
    r"\beval\(|new Function\(": "code from strings",
    r"javascript:": "javascript: URLs",
    r"setAttribute\(\s*[\"']style|\bstyle:\s|\bhtml:\s": "style attributes or innerHTML through h()",
}
FORBIDDEN_IN_HTML = {r"<script(?![^>]*\bsrc=)": "inline script", r"\sstyle=": "style attribute",
                     r"\son[a-z]+\s*=": "inline event handler"}


def test_the_console_needs_no_unsafe_inline_and_builds_no_html_from_strings() -> None:
    root = Path(__file__).resolve().parents[2] / "gateway" / "static" / "console"
    found = []
    for path in sorted(root.rglob("*")):
        rules = FORBIDDEN_IN_JS if path.suffix == ".js" else FORBIDDEN_IN_HTML if path.suffix == ".html" else {}
        if not rules:
            continue
        text = path.read_text(encoding="utf-8")
        found += [f"{path.relative_to(root)}: {why}" for pattern, why in rules.items() if re.search(pattern, text)]
    assert len(list(root.rglob("*.js"))) > 10
    assert found == []
