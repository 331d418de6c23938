"""Issue 16: the gateway keeps staff accounts in memory (gateway/staff/accounts.py) and a change to an
account still ends its tokens at once, on every replica, whoever makes the change."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import SimpleNamespace

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.app import create_app
from gateway.staff import accounts as accounts_module
from gateway.staff.accounts import CHANNEL, StaffAccounts
from stack import keys as devkeys
from tests.support.apps import AppStack, gateway_settings

PASSWORD = "correct horse battery"


@asynccontextmanager
async def second_replica(database_url: str, keys: devkeys.DevKeys) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """Another gateway process in all but name: its own app, pool, memory and listening connection."""
    app = create_app(gateway_settings(database_url, keys))
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://replica-b.test") as client:
        yield app, client


async def until(condition, what: str) -> None:  # noqa: ANN001 - a zero-argument predicate
    """Notifications arrive a moment after the commit: wait for one, boundedly."""
    for _ in range(200):
        if condition():
            return
        await asyncio.sleep(0.025)
    raise AssertionError(f"not within 5 s: {what}")


async def operator(stack: AppStack, admin: dict[str, str]) -> dict[str, str]:
    created = await stack.gateway.post("/ops/v1/users", headers=admin, json={
        "username": "bj_op", "password": PASSWORD, "roles": ["station_operator"], "province": "11"})
    assert created.status_code == 201, created.text
    return await stack.login("bj_op", PASSWORD)


@asynccontextmanager
async def remembered_on_replica_b(stack: AppStack, admin: dict[str, str], database_url: str, keys: devkeys.DevKeys,
                                  ) -> AsyncIterator[tuple[dict[str, str], StaffAccounts, httpx.AsyncClient]]:
    """bj_op signed in, and replica B answering bj_op's requests from memory."""
    token = await operator(stack, admin)
    async with second_replica(database_url, keys) as (app_b, replica_b):
        memory: StaffAccounts = app_b.state.staff_accounts
        await until(lambda: memory.trusted, "replica B listening")
        assert (await replica_b.get("/ops/v1/me", headers=token)).json()["roles"] == ["station_operator"]
        assert memory.holds("bj_op")  # the next request is answered from memory
        yield token, memory, replica_b


async def test_a_replica_that_did_not_make_the_change_forgets_the_account_when_postgres_notifies(
        stack: AppStack, admin_headers: dict[str, str], database_url: str, keys: devkeys.DevKeys) -> None:
    async with remembered_on_replica_b(stack, admin_headers, database_url, keys) as (token, memory, replica_b):
        assert (await replica_b.get("/ops/v1/me", headers=token)).status_code == 200
        disabled = await stack.gateway.post("/ops/v1/users/bj_op/disable", headers=admin_headers)  # on replica A
        assert disabled.status_code == 200 and disabled.json()["disabled"] is True
        await until(lambda: not memory.holds("bj_op"), "replica B forgot bj_op")
        refused = await replica_b.get("/ops/v1/me", headers=token)
        assert refused.status_code == 401 and refused.headers["content-type"] == "application/problem+json"


async def test_a_role_change_reaches_the_other_replica(
        stack: AppStack, admin_headers: dict[str, str], database_url: str, keys: devkeys.DevKeys) -> None:
    async with remembered_on_replica_b(stack, admin_headers, database_url, keys) as (token, memory, replica_b):
        changed = await stack.gateway.put("/ops/v1/users/bj_op", headers=admin_headers,
                                          json={"roles": ["finance"], "province": "11"})
        assert changed.status_code == 200, changed.text
        await until(lambda: not memory.holds("bj_op"), "replica B forgot bj_op")
        me = await replica_b.get("/ops/v1/me", headers=token)
        assert me.status_code == 200 and me.json()["roles"] == ["finance"]


async def test_a_change_made_in_psql_ends_the_tokens_too(
        stack: AppStack, admin_headers: dict[str, str], db: AsyncEngine) -> None:
    token = await operator(stack, admin_headers)
    memory: StaffAccounts = stack.apps["gateway"].state.staff_accounts
    await until(lambda: memory.trusted, "the gateway listening")
    assert (await stack.gateway.get("/ops/v1/me", headers=token)).status_code == 200
    assert memory.holds("bj_op")
    async with db.begin() as conn:  # an engineer at 3 a.m., not through the API
        await conn.execute(text("UPDATE gateway.staff_users SET disabled_at = now() WHERE username = 'bj_op'"))
    await until(lambda: not memory.holds("bj_op"), "the gateway forgot bj_op")
    assert (await stack.gateway.get("/ops/v1/me", headers=token)).status_code == 401


async def test_while_not_listening_nothing_is_kept_and_memory_starts_empty_when_back(
        stack: AppStack, admin_headers: dict[str, str], db: AsyncEngine) -> None:
    token = await operator(stack, admin_headers)
    memory: StaffAccounts = stack.apps["gateway"].state.staff_accounts
    await until(lambda: memory.trusted, "the gateway listening")
    assert (await stack.gateway.get("/ops/v1/me", headers=token)).status_code == 200
    assert memory.holds("bj_op")

    async with db.begin() as conn:  # the listening session dies (a failover, a killed backend)
        ended = (await conn.execute(text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE application_name = 'gateway-staff-listener'"))).scalar_one()
    assert ended >= 1
    await until(lambda: not memory.trusted, "the gateway noticed it is not listening")
    assert not memory.holds("bj_op")
    assert (await stack.gateway.get("/ops/v1/me", headers=token)).status_code == 200
    assert not memory.holds("bj_op")  # read, not kept: a change now would not be notified to us

    await until(lambda: memory.trusted, "the gateway listening again")
    assert (await stack.gateway.get("/ops/v1/me", headers=token)).status_code == 200
    assert memory.holds("bj_op")
    await stack.gateway.post("/ops/v1/users/bj_op/disable", headers=admin_headers)
    assert (await stack.gateway.get("/ops/v1/me", headers=token)).status_code == 401


async def test_the_trigger_names_the_account_on_every_change_and_everyone_on_truncate(
        db: AsyncEngine, database_url: str) -> None:
    args, kwargs = db.dialect.create_connect_args(db.url)
    kwargs.pop("prepared_statement_cache_size", None)
    listening = await asyncpg.connect(*args, **kwargs)
    heard: asyncio.Queue[str] = asyncio.Queue()
    try:
        await listening.add_listener(CHANNEL, lambda _c, _pid, _ch, payload: heard.put_nowait(payload))
        async with db.begin() as conn:
            await conn.execute(text(
                "INSERT INTO gateway.staff_users (id, username, password_hash, roles, province) VALUES "
                "(gen_random_uuid(), 'a', 'x', ARRAY['reviewer'], '11'), "
                "(gen_random_uuid(), 'b', 'x', ARRAY['reviewer'], '11')"))
            await conn.execute(text("UPDATE gateway.staff_users SET token_version = token_version + 1 "
                                    "WHERE username = 'a'"))
            await conn.execute(text("UPDATE gateway.staff_users SET username = 'c' WHERE username = 'b'"))
            await conn.execute(text("DELETE FROM gateway.staff_users WHERE username = 'a'"))
        async with db.begin() as conn:
            await conn.execute(text("TRUNCATE gateway.staff_users CASCADE"))
        # One transaction's identical notifications arrive once, in the order first sent: "a" (insert,
        # update, delete), "b" (insert, its rename), "c" (the rename); then "" for the TRUNCATE.
        payloads = [await asyncio.wait_for(heard.get(), 5) for _ in range(4)]
        assert payloads == ["a", "b", "c", ""]
        await asyncio.sleep(0.2)
        assert heard.empty()
    finally:
        await listening.close()


async def test_a_read_under_way_when_the_account_changes_is_not_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    """The read started before the change; the notification came while it was on the wire. Keeping
    its (older) row would undo the change until the next notification."""
    release = asyncio.Event()
    row = SimpleNamespace(username="bj_op", roles=["reviewer"], province="11", hospital_code=None,
                          token_version=1, disabled_at=None)

    async def slow_read(_session: object, username: str) -> SimpleNamespace:
        await release.wait()
        return row

    @asynccontextmanager
    async def no_session() -> AsyncIterator[None]:
        yield None

    monkeypatch.setattr(accounts_module.repository, "signed_in", slow_read)
    memory = StaffAccounts(no_session)  # type: ignore[arg-type]
    memory.trust(True)
    reading = asyncio.create_task(memory.get("bj_op"))
    await asyncio.sleep(0)
    memory.forget("bj_op")
    release.set()
    account = await reading
    assert account is not None and account.token_version == 1 and account.caller.roles == ["reviewer"]
    assert not memory.holds("bj_op")
    assert (await memory.get("bj_op")) is not None
    assert memory.holds("bj_op")  # a read that started after the change is kept
    memory.forget("")  # TRUNCATE: everyone
    assert not memory.holds("bj_op")
