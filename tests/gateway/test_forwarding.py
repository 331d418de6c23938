"""The gateway forwards to services with a signed caller; services refuse anything else."""

from __future__ import annotations

import httpx
import jwt
import pytest

from gateway.app import create_app as create_gateway
from kit.identity import HEADER, Caller, IdentitySigner, generate_identity_keypair
from stack import keys as devkeys
from tests.support.apps import AppStack, gateway_settings


@pytest.mark.parametrize("service", ["entitlement", "claims", "payments"])
async def test_services_see_the_staff_member_the_gateway_signed_in(
    gateway: httpx.AsyncClient, admin_headers: dict[str, str], service: str
) -> None:
    response = await gateway.get(f"/ops/v1/whoami/{service}", headers=admin_headers)
    assert response.status_code == 200, response.text
    assert response.json() == {"subject": "admin", "kind": "staff", "roles": ["admin"], "channel": "ops"}


@pytest.mark.parametrize("service", ["entitlement", "claims", "payments"])
async def test_a_service_reached_directly_without_a_caller_token_refuses(stack: AppStack, service: str) -> None:
    response = await stack.services[service].get("/v1/whoami")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_caller_token_signed_by_another_key_is_refused(stack: AppStack) -> None:
    other_private, _ = generate_identity_keypair()
    forged = IdentitySigner(other_private).sign(Caller(subject="x", kind="staff", roles=["admin"]))
    response = await stack.services["entitlement"].get("/v1/whoami", headers={HEADER: forged})
    assert response.status_code == 401


async def test_an_expired_caller_token_is_refused(stack: AppStack, keys: devkeys.DevKeys) -> None:
    expired = jwt.encode({"iss": "xuefei-gateway", "aud": "xuefei-services", "iat": 1, "exp": 2,
                          "caller": {"subject": "admin", "kind": "staff"}},
                         keys.identity_private_pem, algorithm="EdDSA")
    response = await stack.services["claims"].get("/v1/whoami", headers={HEADER: expired})
    assert response.status_code == 401


async def test_request_id_is_accepted_forwarded_and_returned(
    database_url: str, keys: devkeys.DevKeys, stack: AppStack, admin_headers: dict[str, str]
) -> None:
    seen: list[str | None] = []
    service_transport = httpx.ASGITransport(app=stack.apps["entitlement"])

    class Recording(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            seen.append(request.headers.get("x-request-id"))
            return await service_transport.handle_async_request(request)

    app = create_gateway(gateway_settings(database_url, keys), transports={"entitlement": Recording()})
    async with app.router.lifespan_context(app), httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://gw"
    ) as client:
        given = await client.get("/ops/v1/whoami/entitlement", headers={**admin_headers, "X-Request-ID": "abc-123"})
        minted = await client.get("/ops/v1/whoami/entitlement", headers=admin_headers)
    assert given.headers["x-request-id"] == "abc-123"
    assert minted.headers["x-request-id"] and minted.headers["x-request-id"] != "abc-123"
    assert seen == ["abc-123", minted.headers["x-request-id"]]


async def test_a_service_that_is_down_gives_a_503_problem_not_a_hang(
    database_url: str, keys: devkeys.DevKeys, stack: AppStack, admin_headers: dict[str, str]
) -> None:
    # Nothing listens on port 9 (discard) on loopback: connection refused, retried, then 503.
    app = create_gateway(gateway_settings(database_url, keys, claims_url="http://127.0.0.1:9"))
    async with app.router.lifespan_context(app), httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://gw"
    ) as client:
        response = await client.get("/ops/v1/whoami/claims", headers=admin_headers)
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"]
    assert "claims" in response.json()["detail"]


async def test_unknown_paths_are_problem_json_404(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/ops/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_peer_service_may_call_as_itself(stack: AppStack) -> None:
    claims_signer = stack.apps["claims"].state.service_signer
    response = await stack.services["entitlement"].get("/v1/whoami", headers=claims_signer.headers())
    assert response.status_code == 200
    assert response.json()["kind"] == "system" and response.json()["subject"] == "claims"


async def test_a_peer_service_cannot_speak_for_a_staff_member(stack: AppStack, keys: devkeys.DevKeys) -> None:
    claims_private = keys.service_keypairs["claims"][0]
    forged = IdentitySigner(claims_private, issuer="xuefei-service-claims").sign(
        Caller(subject="admin", kind="staff", roles=["admin"]))
    response = await stack.services["entitlement"].get("/v1/whoami", headers={HEADER: forged})
    assert response.status_code == 401
    assert "only speak for itself" in response.json()["detail"]
