"""50 concurrent creates with one idempotency key make one disbursement."""

from __future__ import annotations

import asyncio
from collections import Counter

from sqlalchemy import text

from tests.payments.support import body


async def test_fifty_concurrent_creates_with_one_key_make_one_disbursement(rig, db) -> None:
    responses = await asyncio.gather(*(
        rig.api.post("/v1/disbursements", json=body(), headers={"Idempotency-Key": "claim-race"})
        for _ in range(50)))
    assert Counter(r.status_code for r in responses) == {201: 1, 200: 49}, [r.text for r in responses][:3]
    assert len({r.json()["id"] for r in responses}) == 1
    async with db.connect() as conn:
        counts = (await conn.execute(text(
            "SELECT (SELECT count(*) FROM payments.disbursements), (SELECT count(*) FROM payments.transfer_attempts),"
            " (SELECT count(*) FROM payments.funding_lines), (SELECT count(*) FROM payments.disbursement_history)"
        ))).one()
    assert tuple(counts) == (1, 1, 1, 1)


async def test_concurrent_creates_for_one_source_under_different_keys_make_one(rig, db) -> None:
    responses = await asyncio.gather(*(
        rig.api.post("/v1/disbursements", json=body(), headers={"Idempotency-Key": f"key-{n}"})
        for n in range(20)))
    assert Counter(r.status_code for r in responses) == {201: 1, 409: 19}
    assert {r.json()["errors"][0]["field"] for r in responses if r.status_code == 409} == {"source_ref"}
    async with db.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM payments.disbursements"))).scalar_one() == 1
