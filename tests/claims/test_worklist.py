"""The console's review queue and review sheet: due-date order with working days left, filters,
search by reference, province scoping, cursor paging, flags and documents opened."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import text

from tests.claims.helpers import decide, submitted
from tests.support.dates import iso_days_ago, today


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
    mail = await submitted(gateway, team, invoice_number="F2", channel="mail", blood_fee_fen=44_000,
                           postmarked_on=iso_days_ago(50))
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
    # Another province's filter lists nothing (issue 11: no oracle), not even a refusal.
    assert await queue(gateway, team["zj_reviewer"], province="11") == []
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


async def test_the_review_sheet_flags_a_luhn_failure_and_an_earlier_claim_on_the_invoice(gateway, team,
                                                                                          admin_headers) -> None:
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
    assert sheet["second_review_threshold_fen"] == 500_000 and sheet["documents_readable"] is True
    # The registering operator reads it (photos too) but cannot decide it; admin, who did not
    # register it, reads the sheet but not the photos (issue 11's document rule).
    desk = (await gateway.get(f"/ops/v1/review/claims/{again['id']}", headers=team["operator"])).json()
    assert (desk["can_decide"], desk["documents_readable"]) == (False, True)
    admin = (await gateway.get(f"/ops/v1/review/claims/{again['id']}", headers=admin_headers)).json()
    assert (admin["can_decide"], admin["documents_readable"]) == (False, False)
    other = await gateway.get(f"/ops/v1/review/claims/{again['id']}", headers=team["zj_reviewer"])
    assert other.status_code == 404


async def test_documents_opened_are_the_audited_downloads_of_each_reviewer(gateway, team) -> None:
    """One mechanism (issue 11): the documents route records every staff download with its reason;
    the review sheet's "opened" is read from those records, per reviewer."""
    claim = await submitted(gateway, team, invoice_number="OP1")
    documents = {d["kind"]: d["id"] for d in claim["documents"]}
    base = f"/ops/v1/claims/{claim['id']}/documents"
    assert (await gateway.get(f"{base}/{documents['invoice']}", headers=team["reviewer"])).status_code == 200
    refused = await gateway.get(f"{base}/{documents['donor_id_front']}", headers=team["reviewer"])
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "reason"  # an ID photo: say why
    opened = await gateway.get(f"{base}/{documents['donor_id_front']}", headers=team["reviewer"],
                               params={"reason": "核对身份证"})
    assert opened.status_code == 200 and opened.content[:2] == b"\xff\xd8"  # decrypted back to the JPEG
    mine = (await gateway.get(f"/ops/v1/review/claims/{claim['id']}", headers=team["reviewer"])).json()
    theirs = (await gateway.get(f"/ops/v1/review/claims/{claim['id']}", headers=team["senior"])).json()
    assert sorted(mine["opened_documents"]) == sorted([documents["invoice"], documents["donor_id_front"]])
    assert theirs["opened_documents"] == []
    history = (await gateway.get(f"/ops/v1/claims/{claim['id']}/history", headers=team["reviewer"])).json()
    assert [(e["action"], e["actor"], e["reason"]) for e in history][-2:] == [
        ("document_viewed", "bj_rev", None), ("document_viewed", "bj_rev", "核对身份证")]
