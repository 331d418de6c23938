"""Issue 11.8: disabling an account, resetting its password or signing out ends its tokens at once."""

from __future__ import annotations

from tests.support.apps import AppStack

PASSWORD = "correct horse battery"


async def make_reviewer(stack: AppStack, admin: dict[str, str], username: str = "bj_rev") -> dict[str, str]:
    created = await stack.gateway.post("/ops/v1/users", headers=admin, json={
        "username": username, "password": PASSWORD, "roles": ["reviewer"], "province": "11"})
    assert created.status_code == 201, created.text
    return await stack.login(username, PASSWORD)


async def test_disabling_an_account_ends_its_tokens_at_once(stack: AppStack, admin_headers) -> None:
    token = await make_reviewer(stack, admin_headers)
    assert (await stack.gateway.get("/ops/v1/claims", headers=token)).status_code == 200
    assert (await stack.gateway.post("/ops/v1/users/bj_rev/disable", headers=admin_headers)).status_code == 200
    for path in ("/ops/v1/me", "/ops/v1/claims"):
        refused = await stack.gateway.get(path, headers=token)
        assert refused.status_code == 401 and refused.headers["content-type"] == "application/problem+json"


async def test_a_password_reset_ends_the_old_tokens_and_the_new_password_works(stack: AppStack, admin_headers) -> None:
    old = await make_reviewer(stack, admin_headers)
    reset = await stack.gateway.post("/ops/v1/users/bj_rev/password", headers=admin_headers,
                                     json={"password": "a brand new passphrase"})
    assert reset.status_code == 200, reset.text
    assert (await stack.gateway.get("/ops/v1/me", headers=old)).status_code == 401
    assert (await stack.gateway.post("/ops/v1/auth/token", data={"username": "bj_rev", "password": PASSWORD})
            ).status_code == 401
    new = await stack.login("bj_rev", "a brand new passphrase")
    assert (await stack.gateway.get("/ops/v1/me", headers=new)).json()["username"] == "bj_rev"
    too_short = await stack.gateway.post("/ops/v1/users/bj_rev/password", headers=admin_headers, json={"password": "x"})
    assert too_short.status_code == 422 and too_short.json()["errors"][0]["field"] == "password"
    assert (await stack.gateway.post("/ops/v1/users/bj_rev/password", headers=new,
                                     json={"password": "a brand new passphrase"})).status_code == 403


async def test_signing_out_ends_the_token(stack: AppStack, admin_headers) -> None:
    token = await make_reviewer(stack, admin_headers)
    assert (await stack.gateway.post("/ops/v1/auth/logout", headers=token)).json() == {"signed_out": True}
    assert (await stack.gateway.get("/ops/v1/me", headers=token)).status_code == 401
    again = await stack.login("bj_rev", PASSWORD)
    assert (await stack.gateway.get("/ops/v1/me", headers=again)).status_code == 200
    history = await stack.gateway.get("/ops/v1/users", headers=admin_headers)
    assert any(u["username"] == "bj_rev" for u in history.json())
