"""Ops sign-in and account management at the gateway."""

from __future__ import annotations

import httpx

from tests.conftest import ADMIN_PASSWORD

PROBLEM = "application/problem+json"


async def test_admin_signs_in_and_gets_a_bearer_token(gateway: httpx.AsyncClient) -> None:
    response = await gateway.post("/ops/v1/auth/token", data={"username": "admin", "password": ADMIN_PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    me = await gateway.get("/ops/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["username"] == "admin"
    assert me.json()["roles"] == ["admin"]


async def test_wrong_password_is_a_401_problem(gateway: httpx.AsyncClient) -> None:
    response = await gateway.post("/ops/v1/auth/token", data={"username": "admin", "password": "nope"})
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["status"] == 401
    assert response.json()["request_id"] == response.headers["x-request-id"]


async def test_unknown_user_is_the_same_401(gateway: httpx.AsyncClient) -> None:
    response = await gateway.post("/ops/v1/auth/token", data={"username": "ghost", "password": "whatever"})
    assert response.status_code == 401
    assert response.json()["detail"].startswith("用户名或密码错误")


async def test_repeated_failures_lock_the_account_for_a_while(gateway: httpx.AsyncClient) -> None:
    for _ in range(5):
        bad = await gateway.post("/ops/v1/auth/token", data={"username": "admin", "password": "wrong"})
        assert bad.status_code == 401
    # The sixth failure starts the lockout; even the right password now waits.
    await gateway.post("/ops/v1/auth/token", data={"username": "admin", "password": "wrong"})
    locked = await gateway.post("/ops/v1/auth/token", data={"username": "admin", "password": ADMIN_PASSWORD})
    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) >= 1


async def test_missing_form_field_names_the_field(gateway: httpx.AsyncClient) -> None:
    response = await gateway.post("/ops/v1/auth/token", data={"username": "admin"})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["password"]


async def test_admin_creates_a_reviewer_who_can_sign_in(gateway: httpx.AsyncClient, admin_headers: dict[str, str]) -> None:
    created = await gateway.post("/ops/v1/users", headers=admin_headers, json={
        "username": "bj_rev", "password": "correct horse battery", "roles": ["reviewer"], "province": "11"})
    assert created.status_code == 201, created.text
    assert created.json()["roles"] == ["reviewer"]
    assert created.json()["province"] == "11"
    login = await gateway.post("/ops/v1/auth/token", data={"username": "bj_rev", "password": "correct horse battery"})
    assert login.status_code == 200


async def test_a_reviewer_cannot_create_accounts(gateway: httpx.AsyncClient, admin_headers: dict[str, str], stack) -> None:
    await gateway.post("/ops/v1/users", headers=admin_headers, json={
        "username": "bj_rev", "password": "correct horse battery", "roles": ["reviewer"], "province": "11"})
    reviewer = await stack.login("bj_rev", "correct horse battery")
    response = await gateway.post("/ops/v1/users", headers=reviewer, json={
        "username": "sneaky", "password": "correct horse battery", "roles": ["admin"]})
    assert response.status_code == 403
    assert response.headers["content-type"] == PROBLEM


async def test_bad_account_body_names_each_field_and_creates_nothing(
    gateway: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    response = await gateway.post("/ops/v1/users", headers=admin_headers, json={
        "username": "x", "password": "short", "roles": ["pope"], "province": "Beijing"})
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"username", "password", "roles[0]", "province"}
    listing = await gateway.get("/ops/v1/users", headers=admin_headers)
    assert [u["username"] for u in listing.json()] == ["admin"]


async def test_duplicate_username_is_a_409(gateway: httpx.AsyncClient, admin_headers: dict[str, str]) -> None:
    body = {"username": "bj_fin", "password": "correct horse battery", "roles": ["finance"], "province": "11"}
    assert (await gateway.post("/ops/v1/users", headers=admin_headers, json=body)).status_code == 201
    again = await gateway.post("/ops/v1/users", headers=admin_headers, json=body)
    assert again.status_code == 409
    assert again.json()["errors"][0]["field"] == "username"


async def test_a_disabled_account_loses_access_at_once(gateway: httpx.AsyncClient, admin_headers: dict[str, str], stack) -> None:
    await gateway.post("/ops/v1/users", headers=admin_headers, json={
        "username": "bj_op", "password": "correct horse battery", "roles": ["station_operator"], "province": "11"})
    operator = await stack.login("bj_op", "correct horse battery")
    assert (await gateway.get("/ops/v1/me", headers=operator)).status_code == 200
    disabled = await gateway.post("/ops/v1/users/bj_op/disable", headers=admin_headers)
    assert disabled.status_code == 200
    assert disabled.json()["disabled"] is True
    assert (await gateway.get("/ops/v1/me", headers=operator)).status_code == 401
    relogin = await gateway.post("/ops/v1/auth/token", data={"username": "bj_op", "password": "correct horse battery"})
    assert relogin.status_code == 401


async def test_no_token_and_a_forged_token_are_refused(gateway: httpx.AsyncClient) -> None:
    assert (await gateway.get("/ops/v1/me")).status_code == 401
    forged = await gateway.get("/ops/v1/me", headers={"Authorization": "Bearer eyJhbGciOiJub25lIn0.e30."})
    assert forged.status_code == 401
    assert forged.headers["www-authenticate"] == "Bearer"
