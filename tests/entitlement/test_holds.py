"""Holds: reserve, replay, commit, release, expire; and the race for the last millilitre."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from stack import keys as devkeys
from tests.entitlement.helpers import quote_body, record
from tests.support.apps import service_app
from tests.support.callers import caller_headers, service_headers
from tests.support.people import resident_id

DONOR = resident_id("19800101")
FATHER = resident_id("19500101", seq=7)
MOTHER = resident_id("19520101", seq=8)


@pytest.fixture
async def entitlement(db, database_url: str, keys: devkeys.DevKeys):
    app = service_app("entitlement", database_url, keys, db_pool_size=20, db_max_overflow=0, db_pool_timeout_s=60)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://entitlement.test",
        headers=service_headers(keys, "claims"),  # holds are the claims service's alone
    ) as client:
        yield client


async def seed(client: httpx.AsyncClient, keys: devkeys.DevKeys, records: list[dict[str, Any]]) -> None:
    response = await client.post("/v1/donations", json={"records": records}, headers=caller_headers(keys))
    assert response.status_code == 200 and not response.json()["rejected"], response.text


def hold_body(items: list[dict[str, Any]], *, beneficiary: str = FATHER, relationship: str = "parent",
              reference: str = "claim:1", ttl_hours: int = 720) -> dict[str, Any]:
    return {"purpose": "claim", "reference": reference, "ttl_hours": ttl_hours,
            "quote": quote_body(DONOR, beneficiary=beneficiary, relationship=relationship, items=items,
                                blood_fee_fen=10_000_000)}


async def test_a_hold_reserves_and_a_replay_returns_the_first(entitlement, keys) -> None:
    await seed(entitlement, keys, [record("D1", DONOR, donated_on="2020-05-01")])
    body = hold_body([{"product": "red_cells", "quantity": 1}])
    first = await entitlement.post("/v1/holds", json=body, headers={"Idempotency-Key": "claim-1"})
    assert first.status_code == 201, first.text
    assert (first.json()["state"], first.json()["ml"], first.json()["reducible_fen"]) == ("held", 200, 22000)
    replay = await entitlement.post("/v1/holds", json=body, headers={"Idempotency-Key": "claim-1"})
    assert replay.status_code == 200
    assert replay.json()["id"] == first.json()["id"]
    # The hold counts against the pool: 400 mL relatives pool, 200 held.
    quote = await entitlement.post("/v1/quotes", json=hold_body([{"product": "red_cells", "quantity": 2}])["quote"],
                                   headers=caller_headers(keys))
    assert quote.json()["remaining_ml_before"] == 200


async def test_the_same_key_with_another_body_is_a_409(entitlement, keys) -> None:
    await seed(entitlement, keys, [record("D1", DONOR, donated_on="2020-05-01")])
    await entitlement.post("/v1/holds", json=hold_body([{"product": "plasma", "quantity": 1}]),
                           headers={"Idempotency-Key": "k"})
    other = await entitlement.post("/v1/holds", json=hold_body([{"product": "plasma", "quantity": 2}]),
                                   headers={"Idempotency-Key": "k"})
    assert other.status_code == 409
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"


async def test_commit_consumes_release_returns_and_both_repeat_safely(entitlement, keys) -> None:
    await seed(entitlement, keys, [record("D1", DONOR, donated_on="2020-05-01")])
    for key in ("a", "b"):
        r = await entitlement.post("/v1/holds", json=hold_body([{"product": "plasma", "quantity": 1}], reference=key),
                                   headers={"Idempotency-Key": key})
        assert r.status_code == 201
    committed = await entitlement.post("/v1/holds/a/commit", json={"reason": "claim approved"})
    assert committed.json()["state"] == "committed"
    assert (await entitlement.post("/v1/holds/a/commit", json={"reason": "retry"})).json()["state"] == "committed"
    released = await entitlement.post("/v1/holds/b/release", json={"reason": "claim withdrawn"})
    assert released.json()["state"] == "released"
    assert (await entitlement.post("/v1/holds/a/release", json={"reason": "late"})).status_code == 409
    assert (await entitlement.post("/v1/holds/b/commit", json={"reason": "late"})).status_code == 409
    quote = await entitlement.post("/v1/quotes", json=hold_body([{"product": "plasma", "quantity": 1}])["quote"],
                                   headers=caller_headers(keys))
    assert quote.json()["remaining_ml_before"] == 300  # 400 - 100 committed; the released 100 came back


async def test_a_commit_may_consume_less_than_was_held(entitlement, keys) -> None:
    await seed(entitlement, keys, [record("D1", DONOR, donated_on="2020-05-01")])
    await entitlement.post("/v1/holds", json=hold_body([{"product": "red_cells", "quantity": 2}]),
                           headers={"Idempotency-Key": "a"})
    too_much = await entitlement.post("/v1/holds/a/commit", json={"reason": "approved", "ml": 500})
    assert too_much.status_code == 409
    done = await entitlement.post("/v1/holds/a/commit", json={"reason": "approved lower", "ml": 300})
    assert done.json()["ml"] == 300


async def test_an_expired_hold_no_longer_counts_and_cannot_be_committed(entitlement, keys, db) -> None:
    await seed(entitlement, keys, [record("D1", DONOR, donated_on="2020-05-01")])
    await entitlement.post("/v1/holds", json=hold_body([{"product": "red_cells", "quantity": 2}]),
                           headers={"Idempotency-Key": "old"})
    async with db.begin() as conn:
        await conn.execute(text("UPDATE entitlement.holds SET expires_at = :t"),
                           {"t": datetime.now(UTC) - timedelta(minutes=1)})
    quote = await entitlement.post("/v1/quotes", json=hold_body([{"product": "plasma", "quantity": 1}])["quote"],
                                   headers=caller_headers(keys))
    assert quote.json()["remaining_ml_before"] == 400
    late = await entitlement.post("/v1/holds/old/commit", json={"reason": "approved too late"})
    assert late.status_code == 409
    assert (await entitlement.get("/v1/holds/old")).json()["state"] == "expired"


@pytest.mark.parametrize("lapse", ["expired", "released"])
async def test_a_replayed_lapsed_hold_is_never_reported_as_placed(entitlement, keys, db, lapse) -> None:
    await seed(entitlement, keys, [record("D1", DONOR, donated_on="2020-05-01")])
    body = hold_body([{"product": "red_cells", "quantity": 2}])
    first = await entitlement.post("/v1/holds", json=body, headers={"Idempotency-Key": "lapsing"})
    assert (first.status_code, first.json()["state"]) == (201, "held")
    if lapse == "expired":
        async with db.begin() as conn:
            await conn.execute(text("UPDATE entitlement.holds SET expires_at = :t"),
                               {"t": datetime.now(UTC) - timedelta(minutes=1)})
    else:
        await entitlement.post("/v1/holds/lapsing/release", json={"reason": "withdrawn"})
    # Another relative takes the whole pool meanwhile.
    other = await entitlement.post("/v1/holds", json=hold_body([{"product": "red_cells", "quantity": 2}],
                                                               beneficiary=MOTHER, reference="claim:2"),
                                   headers={"Idempotency-Key": "mother"})
    assert other.json()["ml"] == 400
    replay = await entitlement.post("/v1/holds", json=body, headers={"Idempotency-Key": "lapsing"})
    assert replay.status_code == 409, replay.text
    assert replay.json()["type"].endswith("/hold-not-live") and replay.json()["state"] == lapse


async def test_a_hold_without_expiry_lasts_until_its_owner_settles_it(entitlement, keys, db) -> None:
    await seed(entitlement, keys, [record("D1", DONOR, donated_on="2020-05-01")])
    body = hold_body([{"product": "red_cells", "quantity": 2}]) | {"ttl_hours": None}
    placed = (await entitlement.post("/v1/holds", json=body, headers={"Idempotency-Key": "open-claim"})).json()
    assert (placed["state"], placed["expires_at"]) == ("held", None)
    async with db.begin() as conn:  # the claim sat in review (or 补充材料) for over a year
        await conn.execute(text("UPDATE entitlement.holds SET created_at = created_at - interval '400 days'"))
    quote = await entitlement.post("/v1/quotes", json=hold_body([{"product": "plasma", "quantity": 1}])["quote"],
                                   headers=caller_headers(keys))  # quotes are staff's (issue 11)
    assert quote.json()["remaining_ml_before"] == 0  # still held: nobody else can take it
    assert (await entitlement.post("/v1/holds", json=body, headers={"Idempotency-Key": "open-claim"})).status_code == 200
    committed = await entitlement.post("/v1/holds/open-claim/commit", json={"reason": "approved"})
    assert committed.json()["state"] == "committed"


async def test_nothing_left_to_hold_is_a_409_with_the_quote(entitlement, keys) -> None:
    await seed(entitlement, keys, [record("D1", DONOR, donated_on="2020-05-01", volume_ml=200)])
    first = await entitlement.post("/v1/holds", json=hold_body([{"product": "red_cells", "quantity": 1}]),
                                   headers={"Idempotency-Key": "father"})
    assert first.status_code == 201
    mother = await entitlement.post(
        "/v1/holds", json=hold_body([{"product": "red_cells", "quantity": 1}], beneficiary=MOTHER),
        headers={"Idempotency-Key": "mother"})
    assert mother.status_code == 409
    assert mother.json()["quote"]["remaining_ml_before"] == 0


async def test_200_concurrent_holds_of_100_ml_on_a_10000_ml_pool_exactly_100_succeed(entitlement, keys) -> None:
    # 25 donations of 400 mL within 10 years: relatives' pool 10,000 mL (1x) in Beijing.
    await seed(entitlement, keys, [record(f"D{i:02d}", DONOR, donated_on=f"20{16 + i // 10}-0{1 + i % 9}-0{1 + i % 7}")
                                   for i in range(25)])
    quote = await entitlement.post("/v1/quotes", json=hold_body([{"product": "plasma", "quantity": 1}])["quote"],
                                   headers=caller_headers(keys))
    assert quote.json()["remaining_ml_before"] == 10_000

    async def one(i: int) -> int:
        # A 503 (no pooled connection in time on a busy machine) is retried with the same key, as
        # every client does: the key makes the retry safe, and the count below must still be exact.
        body = hold_body([{"product": "plasma", "quantity": 1}], reference=f"claim:{i}")
        for _ in range(20):
            response = await entitlement.post("/v1/holds", json=body, headers={"Idempotency-Key": f"race-{i}"})
            if response.status_code != 503:
                break
            await asyncio.sleep(float(response.headers.get("Retry-After", "1")))
        return response.status_code

    statuses = Counter(await asyncio.gather(*(one(i) for i in range(200))))
    assert statuses == Counter({201: 100, 409: 100})
    after = await entitlement.post("/v1/quotes", json=hold_body([{"product": "plasma", "quantity": 1}])["quote"],
                                   headers=caller_headers(keys))
    assert after.json()["remaining_ml_before"] == 0


async def test_a_service_caller_without_a_role_is_refused(entitlement, keys) -> None:
    response = await entitlement.post(
        "/v1/holds", json=hold_body([{"product": "plasma", "quantity": 1}]),
        headers={"Idempotency-Key": "x", **caller_headers(keys, roles=("finance",))})
    assert response.status_code == 403


async def test_a_several_donor_hold_without_expiry_keeps_every_part_until_it_commits_together(
        entitlement, keys, db) -> None:
    """Issue 12's open-ended claim hold over issue 13's donor parts: none lapses, all commit at once."""
    await seed(entitlement, keys, [record("D1", DONOR, donated_on="2020-05-01", volume_ml=200),
                                   record("M1", MOTHER, donated_on="2020-06-01", volume_ml=200)])
    body = hold_body([{"product": "red_cells", "quantity": 2}]) | {"ttl_hours": None}
    body["quote"]["additional_donors"] = [{"donor": {"cert_type": "resident_id", "cert_number": MOTHER},
                                           "relationship": "spouse"}]
    placed = await entitlement.post("/v1/holds", json=body, headers={"Idempotency-Key": "two-donors"})
    assert placed.status_code == 201, placed.text
    assert (placed.json()["expires_at"], [p["ml"] for p in placed.json()["parts"]]) == (None, [200, 200])
    async with db.begin() as conn:  # a year and more in review
        await conn.execute(text("UPDATE entitlement.holds SET created_at = created_at - interval '400 days'"))
    replay = await entitlement.post("/v1/holds", json=body, headers={"Idempotency-Key": "two-donors"})
    assert (replay.status_code, replay.json()["state"]) == (200, "held")
    committed = await entitlement.post("/v1/holds/two-donors/commit", json={"reason": "approved"})
    assert committed.json()["state"] == "committed"
    async with db.begin() as conn:
        states = (await conn.execute(text("SELECT part, state, expires_at FROM entitlement.holds "
                                          "WHERE idempotency_key = 'two-donors' ORDER BY part"))).all()
    assert [tuple(s) for s in states] == [(0, "committed", None), (1, "committed", None)]
