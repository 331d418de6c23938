"""Issue 11.7: body limits in every app (413 before the body is read), per-address limits on the
sign-in routes, a lockout keyed by username and address, argon2 with nothing held, one 401."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest

from gateway.app import create_app as create_gateway
from gateway.staff import service as staff_service
from stack import keys as devkeys
from tests.conftest import ADMIN_PASSWORD
from tests.support.apps import AppStack, gateway_settings
from tests.support.dates import today, travel

MB = 1024 * 1024
PROBLEM = "application/problem+json"


async def test_a_12_mb_body_to_wx_login_is_refused_before_it_is_read(gateway: httpx.AsyncClient) -> None:
    body = json.dumps({"code": "x" * (12 * MB)})
    response = await gateway.post("/api/v1/auth/wx-login", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM and response.json()["status"] == 413
    assert response.json()["request_id"] == response.headers["x-request-id"]


async def test_a_body_without_a_length_is_cut_off_just_past_the_limit(stack: AppStack) -> None:
    """Raw ASGI, 64 KB chunks, no Content-Length: the app stops reading after about 1 MB."""
    app = stack.apps["gateway"]
    chunk, total, pulled = b"x" * 65_536, 12 * MB, 0
    sent: list[dict] = []

    async def receive() -> dict:
        nonlocal pulled
        pulled += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": pulled < total}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/api/v1/auth/wx-login", "raw_path": b"/api/v1/auth/wx-login",
             "query_string": b"", "headers": [(b"content-type", b"application/json")], "client": ("127.0.0.1", 1),
             "server": ("gateway.test", 80), "scheme": "http", "http_version": "1.1", "root_path": "", "app": app}
    await app(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    assert start["status"] == 413
    assert (b"content-type", PROBLEM.encode()) in start["headers"]
    assert pulled <= MB + 2 * len(chunk)  # not the 12 MB sent


@pytest.mark.parametrize("service", ["entitlement", "claims", "payments"])
async def test_every_service_refuses_a_body_over_1_mb(stack: AppStack, service: str) -> None:
    response = await stack.services[service].post("/v1/whoami", content=b"{" + b" " * (2 * MB) + b"}",
                                                  headers={"content-type": "application/json"})
    assert response.status_code == 413 and response.headers["content-type"] == PROBLEM


@pytest.fixture
async def strict_gateway(stack: AppStack, database_url: str, keys: devkeys.DevKeys
                         ) -> AsyncIterator[tuple[httpx.AsyncClient, object]]:
    """The gateway with a per-address limit of 3 sign-ins a minute, reached from two addresses."""
    from sandboxes.wechat.app import create_app as create_wechat_sandbox

    app = create_gateway(gateway_settings(database_url, keys, login_ip_limit_per_min=3),
                         transports={"wechat": httpx.ASGITransport(app=create_wechat_sandbox())})
    async with app.router.lifespan_context(app):
        yield app


def client_from(app: object, ip: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(ip, 4321)), base_url="http://gw")


async def test_each_address_has_a_sign_in_limit_on_staff_hospital_and_wechat_sign_in(strict_gateway) -> None:
    # Noon on a pinned clock: the one-minute windows cannot roll over in the middle of the test.
    with travel(today()):
        await _limits(strict_gateway)


async def _limits(strict_gateway: object) -> None:
    async with client_from(strict_gateway, "10.0.0.1") as one, client_from(strict_gateway, "10.0.0.2") as two:
        for path, data in (("/ops/v1/auth/token", {"username": "ghost", "password": "nope"}),
                           ("/his/v1/auth/token", {"grant_type": "client_credentials", "client_id": "x",
                                                   "client_secret": "y"})):
            statuses = [(await one.post(path, data=data)).status_code for _ in range(4)]
            assert statuses == [401, 401, 401, 429], path
            assert (await two.post(path, data=data)).status_code == 401  # another address is not limited
    async with client_from(strict_gateway, "10.0.0.3") as three:
        statuses = [(await three.post("/api/v1/auth/wx-login", json={"code": "bad"})).status_code for _ in range(31)]
        assert statuses[-1] == 429 and 429 not in statuses[:30]


async def test_a_stranger_elsewhere_cannot_lock_a_clerk_out(strict_gateway, stack: AppStack) -> None:
    async with client_from(strict_gateway, "10.1.0.1") as attacker, client_from(strict_gateway, "10.1.0.2") as clerk:
        codes = []
        for _ in range(3):
            codes.append((await attacker.post("/ops/v1/auth/token",
                                              data={"username": "admin", "password": "wrong"})).status_code)
        assert codes == [401, 401, 401]
        ok = await clerk.post("/ops/v1/auth/token", data={"username": "admin", "password": ADMIN_PASSWORD})
        assert ok.status_code == 200


async def test_repeated_failures_lock_that_username_from_that_address(gateway: httpx.AsyncClient) -> None:
    for _ in range(5):  # the fifth failure starts the lockout (login_free_failures)
        failed = await gateway.post("/ops/v1/auth/token", data={"username": "admin", "password": "wrong"})
        assert failed.status_code == 401
    locked = await gateway.post("/ops/v1/auth/token", data={"username": "admin", "password": ADMIN_PASSWORD})
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) >= 1


async def test_unknown_user_wrong_password_and_disabled_account_get_the_same_401(
        stack: AppStack, admin_headers) -> None:
    gw = stack.gateway
    await gw.post("/ops/v1/users", headers=admin_headers, json={
        "username": "gone", "password": "correct horse battery", "roles": ["reviewer"], "province": "11"})
    await gw.post("/ops/v1/users/gone/disable", headers=admin_headers)
    answers = [await gw.post("/ops/v1/auth/token", data={"username": u, "password": p})
               for u, p in (("nobody", "whatever-it-is"), ("admin", "wrong password"),
                            ("gone", "correct horse battery"))]
    assert {a.status_code for a in answers} == {401}
    bodies = [{k: v for k, v in a.json().items() if k != "request_id"} for a in answers]
    assert bodies[0] == bodies[1] == bodies[2]
    assert {a.headers["www-authenticate"] for a in answers} == {"Bearer"}


async def test_the_password_check_holds_no_pooled_connection(stack: AppStack, monkeypatch) -> None:
    pool = stack.apps["gateway"].state.engine.pool
    held: list[int] = []
    real = staff_service.hasher

    class Watching:
        def verify(self, hash_: str, password: str) -> bool:
            held.append(pool.checkedout())
            return real.verify(hash_, password)

    monkeypatch.setattr(staff_service, "hasher", Watching())
    for password in ("wrong", ADMIN_PASSWORD):
        await stack.gateway.post("/ops/v1/auth/token", data={"username": "admin", "password": password})
    assert held == [0, 0]
