"""Idempotency-Key end to end, through the gateway: the same key and request are answered once,
another request under the key is a 422, two at once have one effect, a 503 is not kept, keys last
at least a day, and a key whose effect committed is never run twice."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest
import time_machine
from sqlalchemy import text

from kit import clock, idempotency
from tests.claims.helpers import claim_body, ready_claim, seed_donor
from tests.entitlement.helpers import record
from tests.support.apps import AppStack
from tests.support.dates import iso_days_ago
from tests.support.donors import signed_in_donor

KEY = {"Idempotency-Key": "create-claim-0001"}


async def count(db, sql: str) -> int:
    async with db.connect() as conn:
        return int((await conn.execute(text(sql))).scalar_one())


async def test_the_same_key_and_body_get_the_first_answer_and_change_nothing(stack: AppStack, admin_headers,
                                                                          db) -> None:
    first = await stack.gateway.post("/ops/v1/claims", headers=admin_headers | KEY, json=claim_body())
    again = await stack.gateway.post("/ops/v1/claims", headers=admin_headers | KEY, json=claim_body())
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true" and "idempotent-replayed" not in first.headers
    assert again.headers["x-request-id"] != first.headers["x-request-id"]  # the replay is its own request
    assert await count(db, "SELECT count(*) FROM claims.claims") == 1
    # The same data in another key order and spacing is the same request.
    reordered = httpx.Response(200, json=dict(reversed(list(claim_body().items())))).content
    replayed = await stack.gateway.post("/ops/v1/claims", headers=admin_headers | KEY | {
        "Content-Type": "application/json"}, content=reordered)
    assert replayed.json()["id"] == first.json()["id"]


async def test_the_same_key_with_another_body_is_a_422(stack: AppStack, admin_headers, db) -> None:
    await stack.gateway.post("/ops/v1/claims", headers=admin_headers | KEY, json=claim_body())
    other = await stack.gateway.post("/ops/v1/claims", headers=admin_headers | KEY,
                                     json=claim_body(invoice_number="OTHER"))
    assert other.status_code == 422
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"
    assert await count(db, "SELECT count(*) FROM claims.claims") == 1
    elsewhere = await stack.gateway.post("/ops/v1/claims/00000000-0000-0000-0000-000000000000/withdraw",
                                         headers=admin_headers | KEY, json={"reason": "x"})
    assert elsewhere.status_code == 422  # a key is one request: not reusable on another route either


async def test_two_identical_requests_at_once_have_one_effect(stack: AppStack, admin_headers, db) -> None:
    async def create() -> httpx.Response:
        return await stack.gateway.post("/ops/v1/claims", headers=admin_headers | KEY, json=claim_body())

    responses = await asyncio.gather(*(create() for _ in range(4)))
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    assert sorted(r.headers.get("idempotent-replayed", "first") for r in responses) == [
        "first", "true", "true", "true"]
    assert await count(db, "SELECT count(*) FROM claims.claims") == 1


async def test_keys_belong_to_their_caller(stack: AppStack, admin_headers, db) -> None:
    await stack.gateway.post("/ops/v1/users", headers=admin_headers, json={
        "username": "bj_op", "password": "correct horse battery", "roles": ["station_operator"], "province": "11"})
    operator = await stack.login("bj_op", "correct horse battery")
    mine = await stack.gateway.post("/ops/v1/claims", headers=admin_headers | KEY, json=claim_body())
    theirs = await stack.gateway.post("/ops/v1/claims", headers=operator | KEY, json=claim_body(invoice_number="X2"))
    assert theirs.status_code == 201 and theirs.json()["id"] != mine.json()["id"]
    assert await count(db, "SELECT count(*) FROM claims.claims") == 2


async def test_two_donors_sending_one_key_each_get_their_own_claim(stack: AppStack, admin_headers, db) -> None:
    """Keys belong to the signed-in donor (the caller token's subject, issue 11), not to the key alone:
    a client library that numbers its keys from 1 must never hand one donor another's answer."""
    zhang, li = ("张三", "110105198503120215"), ("李四", "110108199007080326")
    await stack.gateway.post("/ops/v1/donations", headers=admin_headers, json={"records": [
        record("Z1", zhang[1], name=zhang[0], donated_on=iso_days_ago(900), phone="13800138000"),
        record("L1", li[1], name=li[0], donated_on=iso_days_ago(800), phone="13900139000")]})
    zhang_headers = await signed_in_donor(stack.gateway, "wx-zhang", *zhang)
    li_headers = await signed_in_donor(stack.gateway, "wx-li", *li)
    key = {"Idempotency-Key": "claim-1"}
    zhang_body = claim_body(donor=zhang[1], name=zhang[0], channel=None, invoice_number="ZH-1")
    mine = await stack.gateway.post("/api/v1/claims", headers=zhang_headers | key, json=zhang_body)
    theirs = await stack.gateway.post("/api/v1/claims", headers=li_headers | key,
                                      json=claim_body(donor=li[1], name=li[0], channel=None, invoice_number="LI-1"))
    assert (mine.status_code, theirs.status_code) == (201, 201), theirs.text
    assert "idempotent-replayed" not in theirs.headers and theirs.json()["id"] != mine.json()["id"]
    assert theirs.json()["donor"]["cert_number_masked"].endswith(li[1][-4:])
    again = await stack.gateway.post("/api/v1/claims", headers=zhang_headers | key, json=zhang_body)
    assert (again.headers["idempotent-replayed"], again.json()["id"]) == ("true", mine.json()["id"])
    assert await count(db, "SELECT count(*) FROM claims.claims") == 2
    assert await count(db, "SELECT count(*) FROM claims.idempotency_keys") == 2


async def test_a_gateway_key_belongs_to_the_session_cookie_that_sent_it(stack: AppStack, db) -> None:
    """The browser client signs in with an HttpOnly cookie and no bearer header: the gateway's own
    routes key its requests by that session, one donor's key never answering another."""
    sessions = []
    for openid in ("wx-a", "wx-b"):
        code = (await stack.gateway.post("/api/v1/dev/wx-code", json={"openid": openid})).json()["code"]
        login = await stack.gateway.post("/api/v1/auth/wx-login", json={"code": code, "session": "cookie"})
        assert login.status_code == 200 and login.json()["access_token"] is None, login.text
        sessions.append({"Cookie": f"xf_session={login.cookies['xf_session']}"})
        stack.gateway.cookies.clear()  # each request below names its session itself
    key = {"Idempotency-Key": "bind-1"}
    body = {"name": "张三", "cert_type": "resident_id", "cert_number": "110105198503120215"}
    first = await stack.gateway.post("/api/v1/auth/bind/start", headers=sessions[0] | key, json=body)
    other = await stack.gateway.post("/api/v1/auth/bind/start", headers=sessions[1] | key, json=body)
    assert (first.status_code, other.status_code) == (200, 200), other.text
    assert "idempotent-replayed" not in other.headers
    assert other.json()["challenge_id"] != first.json()["challenge_id"]
    again = await stack.gateway.post("/api/v1/auth/bind/start", headers=sessions[0] | key, json=body)
    assert (again.headers["idempotent-replayed"], again.json()) == ("true", first.json())
    assert await count(db, "SELECT count(*) FROM gateway.idempotency_keys") == 2


def test_a_gateway_key_is_scoped_as_the_sign_in_reads_the_request() -> None:
    scope_of = idempotency.bearer_or_cookie("xf_session")

    def scoped(**headers: str) -> str | None:
        return scope_of({}, httpx.Headers(headers))  # type: ignore[arg-type]

    assert scoped(authorization="Bearer t1") == scoped(authorization="bearer t1", cookie="xf_session=c1")
    assert scoped(authorization="Bearer t1") != scoped(authorization="Bearer t2")
    # Not a bearer header: the gateway signs the cookie's session in, so the key is the cookie's.
    assert scoped(authorization="Basic x", cookie="xf_session=c1") == scoped(cookie="a=b; xf_session=c1")
    assert scoped(authorization="Basic x", cookie="xf_session=c1") != scoped(authorization="Basic x",
                                                                             cookie="xf_session=c2")
    assert scoped(authorization="Basic x") is None and scoped() is None


async def test_a_503_is_not_kept_and_the_retry_does_the_work(stack: AppStack, admin_headers, db) -> None:
    await seed_donor(stack.gateway, admin_headers)
    claim = await ready_claim(stack.gateway, admin_headers)
    claims = stack.apps["claims"].state
    path, key = f"/ops/v1/claims/{claim['id']}/submit", {"Idempotency-Key": "submit-1"}
    healthy = claims.entitlement._client
    async with httpx.AsyncClient(base_url="http://127.0.0.1:9") as down:  # entitlement unreachable
        claims.entitlement._client = down
        try:
            unavailable = await stack.gateway.post(path, headers=admin_headers | key)
        finally:
            claims.entitlement._client = healthy
    assert unavailable.status_code == 503 and unavailable.headers["retry-after"]
    retried = await stack.gateway.post(path, headers=admin_headers | key)
    assert (retried.status_code, retried.json()["status"]) == (200, "submitted")
    assert "idempotent-replayed" not in retried.headers


async def test_a_key_is_kept_for_at_least_a_day(stack: AppStack, admin_headers, db) -> None:
    body = claim_body()  # the very same request (its dates are computed once)
    first = await stack.gateway.post("/ops/v1/claims", headers=admin_headers | KEY, json=body)
    with time_machine.travel(clock.now() + timedelta(hours=25), tick=True):  # more than a day later
        later = await stack.login("admin", "admin-test-password")
        replay = await stack.gateway.post("/ops/v1/claims", headers=later | KEY, json=body)
    assert replay.json().get("id") == first.json()["id"], replay.text
    assert await count(db, "SELECT count(*) FROM claims.claims") == 1


async def test_a_key_whose_effect_committed_is_never_run_again_even_if_its_answer_was_lost(
        stack: AppStack, admin_headers, db, monkeypatch: pytest.MonkeyPatch) -> None:
    async def crash_before_storing(*args: object, **kwargs: object) -> bool:
        raise RuntimeError("the process died after committing, before storing the answer")

    with monkeypatch.context() as patch:
        patch.setattr(idempotency._Store, "finish", crash_before_storing)
        first = await stack.gateway.post("/ops/v1/claims", headers=admin_headers | KEY, json=claim_body())
    assert first.status_code == 201  # the client lost this answer
    async with db.begin() as conn:  # the dead process's lease has run out
        await conn.execute(text("UPDATE claims.idempotency_keys SET locked_until = now() - interval '1 minute'"))
    retry = await stack.gateway.post("/ops/v1/claims", headers=admin_headers | KEY, json=claim_body())
    assert retry.status_code == 409 and retry.json()["type"].endswith("/idempotency-outcome-unknown")
    assert await count(db, "SELECT count(*) FROM claims.claims") == 1


async def test_a_key_whose_effect_never_committed_runs_again_once_its_lease_lapses(
        stack: AppStack, admin_headers, db) -> None:
    claims = stack.apps["claims"].state  # a process takes the key, then dies before its transaction commits
    owner = (await idempotency._Store(claims.engine, idempotency.Policy()).begin("k" * 64, "f" * 64))
    assert not isinstance(owner, (idempotency._Stored, idempotency._Refusal))
    busy = await idempotency._Store(claims.engine, idempotency.Policy(wait_s=0.3)).begin("k" * 64, "f" * 64)
    assert busy is idempotency._BUSY  # still leased: a second request waits, then hears "in progress"
    async with db.begin() as conn:
        await conn.execute(text("UPDATE claims.idempotency_keys SET locked_until = now() - interval '1 minute'"))
    taken = await idempotency._Store(claims.engine, idempotency.Policy()).begin("k" * 64, "f" * 64)
    assert not isinstance(taken, (idempotency._Stored, idempotency._Refusal)) and taken != owner


async def test_the_gateways_own_routes_honour_keys_too(stack: AppStack, admin_headers, db) -> None:
    body = {"username": "bj_fin", "password": "correct horse battery", "roles": ["finance"], "province": "11"}
    key = {"Idempotency-Key": "new-user-1"}
    first = await stack.gateway.post("/ops/v1/users", headers=admin_headers | key, json=body)
    again = await stack.gateway.post("/ops/v1/users", headers=admin_headers | key, json=body)
    assert (first.status_code, again.status_code, again.headers["idempotent-replayed"]) == (201, 201, "true")
    other = await stack.gateway.post("/ops/v1/users", headers=admin_headers | key, json=body | {"roles": ["admin"]})
    assert other.status_code == 422
    assert await count(db, "SELECT count(*) FROM gateway.staff_users WHERE username = 'bj_fin'") == 1
    assert await count(db, "SELECT count(*) FROM gateway.idempotency_keys") == 1
    assert await count(db, "SELECT count(*) FROM claims.idempotency_keys") == 0  # not forwarded: kept here


async def test_a_forwarded_route_keeps_its_record_at_the_service_that_acts(stack: AppStack, admin_headers, db) -> None:
    await stack.gateway.post("/ops/v1/claims", headers=admin_headers | KEY, json=claim_body())
    assert await count(db, "SELECT count(*) FROM claims.idempotency_keys WHERE executed AND state = 'done'") == 1
    assert await count(db, "SELECT count(*) FROM gateway.idempotency_keys") == 0


async def test_a_malformed_key_is_refused(stack: AppStack, admin_headers) -> None:
    response = await stack.gateway.post("/ops/v1/claims", headers=admin_headers | {"Idempotency-Key": "x" * 300},
                                        json=claim_body())
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "Idempotency-Key"
