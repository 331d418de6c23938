"""What claims shows Prometheus, read from its own tables: outbox, overdue reviews and payouts."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from kit import clock
from tests.claims.helpers import ready_claim, seed_donor
from tests.support.apps import AppStack
from tests.support.calendar import enter_stand_in_schedule, years_to_cover
from tests.support.metrics import value
from tests.support.people import resident_id


async def scrape(stack: AppStack) -> str:
    stack.apps["claims"].state.metrics.invalidate()  # read the tables again now
    return (await stack.services["claims"].get("/metrics")).text


async def submitted_claim(stack: AppStack, headers: dict[str, str], **body: object) -> str:
    claim = await ready_claim(stack.gateway, headers, **body)
    submitted = await stack.gateway.post(f"/ops/v1/claims/{claim['id']}/submit", headers=headers)
    assert submitted.status_code == 200, submitted.text
    return str(claim["id"])


async def test_the_outbox_gauges_follow_the_table(stack: AppStack, admin_headers, db) -> None:
    await seed_donor(stack.gateway, admin_headers)
    await submitted_claim(stack, admin_headers)
    async with db.connect() as conn:
        waiting = (await conn.execute(text("SELECT count(*) FROM claims.outbox WHERE status = 'pending'"))).scalar()
    assert waiting >= 1
    before = await scrape(stack)
    assert value(before, "xuefei_outbox_depth", outbox="claims") == waiting
    assert 0 <= value(before, "xuefei_outbox_oldest_age_seconds", outbox="claims") < 600
    assert value(before, "xuefei_outbox_dead_letters", outbox="claims") == 0

    oldest = "(SELECT id FROM claims.outbox WHERE status = 'pending' ORDER BY seq LIMIT 1)"
    async with db.begin() as conn:
        await conn.execute(text(f"UPDATE claims.outbox SET created_at = now() - interval '2 hours' "
                                f"WHERE id = {oldest}"))
    assert value(await scrape(stack), "xuefei_outbox_oldest_age_seconds", outbox="claims") >= 7200
    async with db.begin() as conn:
        await conn.execute(text(f"UPDATE claims.outbox SET status = 'dead', attempts = 20, dead_at = now() "
                                f"WHERE id = {oldest}"))
    stuck = await scrape(stack)
    assert value(stuck, "xuefei_outbox_dead_letters", outbox="claims") == 1
    assert value(stuck, "xuefei_outbox_depth", outbox="claims") == waiting - 1

    async with db.begin() as conn:
        await conn.execute(text("UPDATE claims.outbox SET status = 'pending', attempts = 0, dead_at = NULL, "
                                "next_attempt_at = now() WHERE status IN ('pending', 'dead')"))
    await stack.drain_outbox()
    after = await scrape(stack)
    assert value(after, "xuefei_outbox_depth", outbox="claims") == 0
    assert value(after, "xuefei_outbox_oldest_age_seconds", outbox="claims") == 0
    assert value(after, "xuefei_metrics_probe_up", probe="xuefei_outbox_depth") == 1


async def test_reviews_past_their_due_date_are_counted(stack: AppStack, admin_headers, db) -> None:
    await seed_donor(stack.gateway, admin_headers)
    late = await submitted_claim(stack, admin_headers, invoice_number="M0000001")
    await submitted_claim(stack, admin_headers, invoice_number="M0000002")
    assert value(await scrape(stack), "xuefei_claims_overdue") == 0
    async with db.begin() as conn:
        await conn.execute(text("UPDATE claims.claims SET due_on = :day WHERE id = :id"),
                           {"day": clock.today() - timedelta(days=1), "id": late})
    assert value(await scrape(stack), "xuefei_claims_overdue") == 1


async def test_approved_claims_unpaid_ten_working_days_after_approval_are_counted(
        stack: AppStack, admin_headers, db) -> None:
    long_ago, lately = clock.now() - timedelta(days=40), clock.now() - timedelta(days=1)
    await enter_stand_in_schedule(db, years_to_cover(long_ago.date()))
    await seed_donor(stack.gateway, admin_headers)
    await seed_donor(stack.gateway, admin_headers, cert=resident_id("19700101", seq=5), no="D2")
    first = await submitted_claim(stack, admin_headers, invoice_number="P0000001")
    second = await submitted_claim(stack, admin_headers, invoice_number="P0000002",
                                   donor=resident_id("19700101", seq=5))
    for claim_id, approved_at in ((first, long_ago), (second, lately)):
        async with db.begin() as conn:
            await conn.execute(text("UPDATE claims.claims SET status = 'approved' WHERE id = :id"), {"id": claim_id})
            await conn.execute(text(
                "INSERT INTO claims.claim_events (claim_id, at, actor, actor_kind, channel, action, from_status, "
                "to_status) VALUES (:id, :at, 'reviewer', 'staff', 'ops', 'approved', 'under_review', 'approved')"),
                {"id": claim_id, "at": approved_at})
    assert value(await scrape(stack), "xuefei_claims_payout_overdue") == 1
