"""The working-day clock on a real claim, and the outbox when a peer is down."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import httpx
import pytest
from sqlalchemy import text

from kit import clock
from services.claims.calendar.workdays import PACKAGE_YEARS
from services.claims.outbox.deliver import Peers, deliver_once
from tests.claims.helpers import ready_claim, seed_donor
from tests.conftest import ADMIN_PASSWORD
from tests.support.apps import AppStack
from tests.support.calendar import years_to_cover
from tests.support.dates import travel


def uncovered_year() -> int:
    """A year neither the package nor the suite's stand-in schedule covers."""
    return max(*PACKAGE_YEARS, *years_to_cover(clock.today()), clock.today().year) + 1


@pytest.fixture
def on_2025_09_26() -> Iterator[date]:
    with travel(date(2025, 9, 26)) as day:  # the Friday before the 2025 National Day holiday
        yield day


async def test_ten_working_days_across_national_day_and_a_make_up_saturday(stack: AppStack, on_2025_09_26) -> None:
    admin_headers = await stack.login("admin", ADMIN_PASSWORD)  # a token of the travelled-to day
    await seed_donor(stack.gateway, admin_headers)
    claim = await ready_claim(stack.gateway, admin_headers, used_on="2025-09-01", paid_on="2025-09-10",
                              issued_on="2025-09-10")
    body = (await stack.gateway.post(f"/ops/v1/claims/{claim['id']}/submit", headers=admin_headers)).json()
    # Working days after Fri 9-26: Sun 9-28 (make-up) 1, Mon 9-29 2, Tue 9-30 3; 10-01..10-08 off;
    # Thu 10-09 4, Fri 10-10 5, Sat 10-11 (make-up) 6, Mon 10-13 7, Tue 10-14 8, Wed 10-15 9, Thu 10-16 10.
    assert (body["submitted_on"], body["due_on"]) == ("2025-09-26", "2025-10-16")


async def test_a_clock_in_an_uncovered_year_raises_an_alarm_instead_of_guessing(stack: AppStack) -> None:
    year = uncovered_year()
    with travel(date(year, 3, 2)):  # early spring: ten working days later is still that year
        admin_headers = await stack.login("admin", ADMIN_PASSWORD)
        await seed_donor(stack.gateway, admin_headers)
        claim = await ready_claim(stack.gateway, admin_headers)
        body = (await stack.gateway.post(f"/ops/v1/claims/{claim['id']}/submit", headers=admin_headers)).json()
        alarms = (await stack.gateway.get("/ops/v1/calendar/alarms", headers=admin_headers)).json()
    assert (body["status"], body["submitted_on"], body["due_on"]) == ("submitted", f"{year}-03-02", None)
    assert [(a["claim_id"], a["year"]) for a in alarms] == [(claim["id"], year)]


async def test_ops_enter_next_years_schedule_and_declare_it(stack: AppStack, admin_headers) -> None:
    year = uncovered_year()
    refused = await stack.gateway.post(f"/ops/v1/calendar/years/{year}", headers=admin_headers)
    assert refused.status_code == 422  # no day entered yet
    day = await stack.gateway.put(f"/ops/v1/calendar/days/{year}-01-01", headers=admin_headers,
                                  json={"working": False, "note": "元旦"})
    assert day.status_code == 200
    declared = await stack.gateway.post(f"/ops/v1/calendar/years/{year}", headers=admin_headers)
    assert declared.json() == {"year": year, "covered": True}


async def test_approval_survives_a_payments_service_that_is_down(stack: AppStack, admin_headers, db) -> None:
    await seed_donor(stack.gateway, admin_headers)
    await stack.gateway.post("/ops/v1/users", headers=admin_headers, json={
        "username": "bj_rev", "password": "correct horse battery", "roles": ["reviewer"], "province": "11"})
    reviewer = await stack.login("bj_rev", "correct horse battery")
    claim = await ready_claim(stack.gateway, admin_headers)
    await stack.gateway.post(f"/ops/v1/claims/{claim['id']}/submit", headers=admin_headers)
    approved = await stack.gateway.post(f"/ops/v1/claims/{claim['id']}/decision", headers=reviewer,
                                        json={"decision": "approve", "note": "同意"})
    assert approved.json()["status"] == "approved"

    claims_state = stack.apps["claims"].state
    async with httpx.AsyncClient(base_url="http://127.0.0.1:9") as dead:  # nothing listens there
        down = Peers(entitlement=claims_state.entitlement_http, payments=dead,
                     signer=claims_state.service_signer, cipher=claims_state.cipher)
        await deliver_once(claims_state.sessionmaker, down)  # the hold is committed: the payment is written
        await deliver_once(claims_state.sessionmaker, down)  # (and tried at once, while payments is down: once)
    async with db.connect() as conn:
        row = (await conn.execute(text("SELECT attempts, delivered_at, last_error FROM claims.outbox "
                                       "WHERE kind = 'payment_request'"))).one()
    assert row.attempts == 1 and row.delivered_at is None and "ConnectError" in row.last_error

    # Payments is back: the row is retried (made due now) and delivered; the claim learns its disbursement.
    async with db.begin() as conn:
        await conn.execute(text("UPDATE claims.outbox SET next_attempt_at = now()"))
    await stack.drain_outbox()
    async with db.connect() as conn:
        row = (await conn.execute(text("SELECT attempts, delivered_at FROM claims.outbox "
                                       "WHERE kind = 'payment_request'"))).one()
        disbursement = (await conn.execute(text("SELECT disbursement_id FROM claims.claims"))).scalar_one()
    assert row.delivered_at is not None
    assert disbursement is not None
