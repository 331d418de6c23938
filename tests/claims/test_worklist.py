"""The console's review queue and review sheet: due-date order with working days left, filters,
search by reference, province scoping, cursor paging, flags and documents opened."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from sqlalchemy import text

from tests.claims.helpers import decide, submitted
from tests.support.dates import today


async def make_overdue(db, claim_id: str, days: int = 14) -> date:
    """Arrange a claim submitted long ago: its due date `days` calendar days back."""
    due = today() - timedelta(days=days)
    async with db.begin() as conn:
        await conn.execute(text("UPDATE claims.claims SET due_on = :d, submitted_on = :s WHERE id = :c"),
                           {"d": due, "s": due - timedelta(days=14), "c": claim_id})
    return due


async def queue(gateway, headers, **params) -> list[dict]:
    response = await gateway.get("/ops/v1/review/queue", headers=headers, params=params)
    assert response.status_code == 200, response.text
    return list(response.json())


async def test_the_queue_is_sorted_by_due_date_and_shows_working_days_left_and_overdue(gateway, team, db) -> None:
    fresh = await submitted(gateway, team, invoice_number="Q1")
    late = await submitted(gateway, team, invoice_number="Q2")
    await make_overdue(db, late["id"])
    rows = await queue(gateway, team["reviewer"])
    assert [r["reference"] for r in rows] == [late["reference"], fresh["reference"]]
    overdue, current = rows
    assert overdue["clock"]["overdue"] is True and overdue["clock"]["working_days_left"] <= -5
    assert "overdue" in [f["code"] for f in overdue["flags"]]
    # Submitted today: due on the 10th working day after today, so exactly 10 are left.
    assert current["clock"] == {"due_on": fresh["due_on"], "working_days_left": 10, "overdue": False, "paused": False}
    assert current["donor_name_masked"] == "张*" and current["requested_fen"] == 88_000
    assert current["lock"] is None


async def test_filters_narrow_the_queue_and_search_finds_a_reference(gateway, team, db) -> None:
    counter = await submitted(gateway, team, invoice_number="F1")
    mail = await submitted(gateway, team, invoice_number="F2", channel="mail", blood_fee_fen=44_000)
    await make_overdue(db, mail["id"])
    assert [r["id"] for r in await queue(gateway, team["reviewer"], channel="mail")] == [mail["id"]]
    assert [r["id"] for r in await queue(gateway, team["reviewer"], min_fen=50_000)] == [counter["id"]]
    assert [r["id"] for r in await queue(gateway, team["reviewer"], max_fen=44_000)] == [mail["id"]]
    assert [r["id"] for r in await queue(gateway, team["reviewer"], overdue="true")] == [mail["id"]]
    assert [r["id"] for r in await queue(gateway, team["reviewer"], q=counter["reference"][-6:].lower())] == [
        counter["id"]]
    by_amount = await queue(gateway, team["reviewer"], sort="-requested_fen")
    assert [r["id"] for r in by_amount] == [counter["id"], mail["id"]]
    await decide(gateway, team["reviewer"], counter["id"], decision="request_info", note="请补充发票")
    waiting = await queue(gateway, team["reviewer"], status="needs_more_info")
    assert [(r["id"], r["clock"]["paused"], r["clock"]["working_days_left"]) for r in waiting] == [
        (counter["id"], True, None)]


async def test_the_queue_is_scoped_to_the_callers_province(gateway, team, admin_headers) -> None:
    claim = await submitted(gateway, team, invoice_number="P1")
    assert await queue(gateway, team["zj_reviewer"]) == []
    refused = await gateway.get("/ops/v1/review/queue", headers=team["zj_reviewer"], params={"province": "11"})
    assert refused.status_code == 403 and refused.headers["content-type"] == "application/problem+json"
    assert [r["id"] for r in await queue(gateway, admin_headers, province="11")] == [claim["id"]]
    assert await queue(gateway, admin_headers, province="33") == []


async def test_the_queue_pages_with_a_cursor(gateway, team) -> None:
    claims = [await submitted(gateway, team, invoice_number=f"PG{i}") for i in range(3)]
    first = await gateway.get("/ops/v1/review/queue", headers=team["reviewer"], params={"limit": 2})
    assert len(first.json()) == 2
    cursor = first.headers["x-next-cursor"]
    assert first.headers["link"] == f'<?limit=2&cursor={cursor}>; rel="next"'
    second = await gateway.get("/ops/v1/review/queue", headers=team["reviewer"], params={"limit": 2, "cursor": cursor})
    assert "x-next-cursor" not in second.headers and "link" not in second.headers
    assert [r["id"] for r in first.json() + second.json()] == [c["id"] for c in claims]
    bad = await gateway.get("/ops/v1/review/queue", headers=team["reviewer"], params={"cursor": "not-a-cursor"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "cursor"


async def test_the_review_sheet_flags_a_luhn_failure_and_an_earlier_claim_on_the_invoice(gateway, team) -> None:
    earlier = await submitted(gateway, team, invoice_number="DUP1")
    rejected = await decide(gateway, team["reviewer"], earlier["id"], decision="reject", reason_code="not_eligible",
                            note="材料不全")
    assert rejected.json()["status"] == "rejected"
    again = await submitted(gateway, team, invoice_number="DUP1", card="6222021234567891235")
    sheet = (await gateway.get(f"/ops/v1/review/claims/{again['id']}", headers=team["reviewer"])).json()
    codes = {f["code"]: f["message"] for f in sheet["flags"]}
    assert set(codes) == {"luhn", "duplicate_invoice"}
    assert earlier["reference"] in codes["duplicate_invoice"]
    assert sheet["quote"]["covered_ml"] == 400 and sheet["quote"]["reducible_fen"] == 44_000
    assert sheet["quote"]["rule_set"] == "BJ-2009"
    assert sheet["claim"]["explanation"] and sheet["clock"]["working_days_left"] == 10
    assert sheet["can_decide"] is True and sheet["lock"] is None and sheet["opened_documents"] == []
    assert sheet["second_review_threshold_fen"] == 500_000
    # The registering operator reads it but cannot decide it.
    assert (await gateway.get(f"/ops/v1/review/claims/{again['id']}", headers=team["operator"])).json()[
        "can_decide"] is False
    other = await gateway.get(f"/ops/v1/review/claims/{again['id']}", headers=team["zj_reviewer"])
    assert other.status_code == 404


async def test_documents_opened_are_recorded_per_reviewer_and_audited(gateway, team) -> None:
    claim = await submitted(gateway, team, invoice_number="OP1")
    invoice = next(d for d in claim["documents"] if d["kind"] == "invoice")
    path = f"/ops/v1/claims/{claim['id']}/documents/{invoice['id']}/opened"
    assert (await gateway.post(path, headers=team["reviewer"])).status_code == 204
    mine = (await gateway.get(f"/ops/v1/review/claims/{claim['id']}", headers=team["reviewer"])).json()
    theirs = (await gateway.get(f"/ops/v1/review/claims/{claim['id']}", headers=team["senior"])).json()
    assert mine["opened_documents"] == [invoice["id"]] and theirs["opened_documents"] == []
    history = (await gateway.get(f"/ops/v1/claims/{claim['id']}/history", headers=team["reviewer"])).json()
    assert [(e["action"], e["actor"], e["reason"]) for e in history][-1] == ("document_opened", "bj_rev", "invoice")
    unknown = await gateway.post(f"/ops/v1/claims/{claim['id']}/documents/{uuid.uuid4()}/opened",
                                 headers=team["reviewer"])
    assert unknown.status_code == 404
