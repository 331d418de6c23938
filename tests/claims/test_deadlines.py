"""报销时限 at submit by the Civil Code (arts. 201-203, DOMAIN 3 and 7). Dates are fixed past days
where the calendar is the point (the 2025 National Day holiday), under `travel`."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import httpx
import pytest

from tests.claims.helpers import SELF_DOCUMENTS, claim_body, ready_claim, seed_donor
from tests.entitlement.helpers import record
from tests.support.apps import AppStack
from tests.support.dates import iso_days_ago, today, travel

PASSWORD = "correct horse battery"


@pytest.fixture
async def accounts(gateway: httpx.AsyncClient, admin_headers: dict[str, str]) -> None:
    await gateway.post("/ops/v1/users", headers=admin_headers, json={
        "username": "bj_op", "password": PASSWORD, "roles": ["station_operator"], "province": "11"})
    await seed_donor(gateway, admin_headers, donated_on="2023-01-01")  # 5 x 400 mL until 2033


async def submit_on(stack: AppStack, day: date, *, paid_on: date, issued_on: date | None = None,
                    channel: str = "counter", postmarked_on: date | None = None) -> httpx.Response:
    """Register the claim and submit it on ``day`` (the clock of every app moved there)."""
    with travel(day):
        operator = await stack.login("bj_op", PASSWORD)
        used_on = paid_on - timedelta(days=3)
        extra = {"postmarked_on": postmarked_on.isoformat()} if postmarked_on else {}
        claim = await ready_claim(stack.gateway, operator, documents=SELF_DOCUMENTS, channel=channel,
                                  invoice_number=uuid.uuid4().hex[:12],
                                  used_on=used_on.isoformat(), paid_on=paid_on.isoformat(),
                                  issued_on=(issued_on or paid_on).isoformat(), **extra)
        return await stack.gateway.post(f"/ops/v1/claims/{claim['id']}/submit", headers=operator)


async def test_a_claim_paid_exactly_one_year_ago_today_is_in_time(stack, accounts) -> None:
    """Seed 001 三（二）2 "自用血缴费之日起一年内" with 民法典 201-202 (issue 13 "Why": refused as late):
    paid 2024-03-12, the last day is 2025-03-12 itself; 2025-03-13 is late."""
    response = await submit_on(stack, date(2025, 3, 12), paid_on=date(2024, 3, 12))
    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["claim_deadline_on"]) == ("submitted", "2025-03-12")
    late = await submit_on(stack, date(2025, 3, 13), paid_on=date(2024, 3, 12))
    assert late.status_code == 422
    assert late.json()["errors"][0]["field"] == "usage.paid_on"


async def test_a_last_day_in_a_holiday_moves_to_the_next_working_day(stack, accounts) -> None:
    """民法典 203 by the official calendar the review clock uses: paid 2024-10-01, the anniversary
    2025-10-01 falls in the National Day holiday (2025-10-01 to 10-08), so the last day is Thursday
    2025-10-09; a claim on 2025-10-10 is late and says which day was the last."""
    in_time = await submit_on(stack, date(2025, 10, 9), paid_on=date(2024, 10, 1))
    assert in_time.status_code == 200, in_time.text
    assert in_time.json()["claim_deadline_on"] == "2025-10-09"
    late = await submit_on(stack, date(2025, 10, 10), paid_on=date(2024, 10, 1))
    assert late.status_code == 422
    assert "2025-10-09" in late.json()["detail"]


async def test_the_deadline_counts_from_an_earlier_invoice_date(stack, accounts) -> None:
    """DOMAIN 7: from the earlier of paid_on and the invoice date. Invoice 2024-03-11, paid (said to
    be) 2024-03-12: the last day is Tuesday 2025-03-11, so 2025-03-12 is late."""
    late = await submit_on(stack, date(2025, 3, 12), paid_on=date(2024, 3, 12), issued_on=date(2024, 3, 11))
    assert late.status_code == 422
    assert "2025-03-11" in late.json()["detail"]


async def test_a_mailed_claim_is_judged_on_its_postmark(stack, accounts) -> None:
    """DOMAIN 7 (邮寄报销, seed 001 三（二）2(3)): registered on 2025-03-20, posted on the last day
    2025-03-10 (paid 2024-03-10): in time; posted 2025-03-11: late; no postmark: asked for."""
    posted = await submit_on(stack, date(2025, 3, 20), paid_on=date(2024, 3, 10), channel="mail",
                             postmarked_on=date(2025, 3, 10))
    assert posted.status_code == 200, posted.text
    late = await submit_on(stack, date(2025, 3, 20), paid_on=date(2024, 3, 10), channel="mail",
                           postmarked_on=date(2025, 3, 11))
    assert late.status_code == 422 and late.json()["errors"][0]["field"] == "usage.paid_on"
    unposted = await submit_on(stack, date(2025, 3, 20), paid_on=date(2024, 3, 10), channel="mail")
    assert unposted.status_code == 422 and unposted.json()["errors"][0]["field"] == "postmarked_on"


async def test_a_payment_date_in_the_future_is_refused(stack, accounts) -> None:
    operator = await stack.login("bj_op", PASSWORD)
    body = claim_body(used_on=iso_days_ago(2), paid_on=(today() + timedelta(days=1)).isoformat(),
                      issued_on=iso_days_ago(2))
    response = await stack.gateway.post("/ops/v1/claims", headers=operator, json=body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "usage.paid_on"


async def test_a_placeholder_deadline_warns_the_reviewer_and_refuses_nothing(stack, accounts, admin_headers) -> None:
    """Zhejiang's deadline is a placeholder (no source found): a claim paid 400 days ago is
    submitted, with a warning that says so."""
    imported = await stack.gateway.post("/ops/v1/donations", headers=admin_headers, json={"records": [
        record("Z1", "330106198001011171", donated_on="2020-01-01", province="33", station="330000-ZJBC")]})
    assert imported.json()["created"] == 1, imported.text
    await stack.gateway.post("/ops/v1/users", headers=admin_headers, json={  # staff register their own province's
        "username": "zj_op", "password": PASSWORD, "roles": ["station_operator"], "province": "33"})
    operator = await stack.login("zj_op", PASSWORD)
    claim = await ready_claim(stack.gateway, operator, donor="330106198001011171", used_on=iso_days_ago(407),
                              paid_on=iso_days_ago(400), province="33")
    response = await stack.gateway.post(f"/ops/v1/claims/{claim['id']}/submit", headers=operator)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "submitted"
    assert any("占位" in w and "请审核人员据实判断" in w for w in response.json()["warnings"])
