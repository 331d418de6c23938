"""The audit log searched by person, claim and time, newest first, within the caller's province."""

from __future__ import annotations

from datetime import timedelta

from tests.claims.helpers import add_user, decide, submitted
from tests.support.dates import today


async def search(gateway, headers, **params):
    return await gateway.get("/ops/v1/audit/events", headers=headers, params=params)


async def test_the_audit_log_is_searchable_by_person_claim_and_day(gateway, team, admin_headers) -> None:
    first = await submitted(gateway, team, invoice_number="A1")
    second = await submitted(gateway, team, invoice_number="A2")
    await gateway.get(f"/ops/v1/claims/{first['id']}/unmasked", headers=team["reviewer"],
                      params={"reason": "核对银行卡号"})
    await decide(gateway, team["reviewer"], second["id"], decision="reject", reason_code="not_eligible", note="非本人")
    by_reviewer = (await search(gateway, admin_headers, actor="bj_rev")).json()
    assert [(e["reference"], e["action"]) for e in by_reviewer] == [
        (second["reference"], "rejected"), (second["reference"], "review_started"),
        (first["reference"], "viewed_unmasked")]
    assert by_reviewer[-1]["reason"] == "核对银行卡号" and by_reviewer[0]["province"] == "11"
    by_claim = (await search(gateway, admin_headers, reference=first["reference"].lower())).json()
    assert {e["action"] for e in by_claim} == {"created", "document_added", "submitted", "viewed_unmasked"}
    assert all(e["claim_id"] == first["id"] for e in by_claim)
    assert (await search(gateway, admin_headers, claim_id=first["id"], action="submitted")).json()[0]["actor"] == (
        "bj_op")
    yesterday = (today() - timedelta(days=1)).isoformat()
    assert (await search(gateway, admin_headers, date_to=yesterday)).json() == []
    assert len((await search(gateway, admin_headers, date_from=today().isoformat())).json()) == len(
        (await search(gateway, admin_headers)).json())
    backwards = await search(gateway, admin_headers, date_from=today().isoformat(), date_to=yesterday)
    assert backwards.status_code == 422 and backwards.json()["errors"][0]["field"] == "date_to"


async def test_the_audit_log_pages_newest_first(gateway, team, admin_headers) -> None:
    claim = await submitted(gateway, team, invoice_number="A3")
    every = (await search(gateway, admin_headers, claim_id=claim["id"])).json()
    page = await search(gateway, admin_headers, claim_id=claim["id"], limit=2)
    rest = await search(gateway, admin_headers, claim_id=claim["id"], limit=50, cursor=page.headers["x-next-cursor"])
    assert [e["id"] for e in page.json() + rest.json()] == [e["id"] for e in every]
    assert [e["id"] for e in every] == sorted((e["id"] for e in every), reverse=True)


async def test_a_senior_reviewer_searches_their_province_only(gateway, team, admin_headers, stack) -> None:
    await submitted(gateway, team, invoice_number="A4")
    zj_senior = await add_user(gateway, admin_headers, stack, "zj_senior", ["senior_reviewer"], province="33")
    assert (await search(gateway, zj_senior)).json() == []
    assert (await search(gateway, zj_senior, province="11")).json() == []  # another province's: nothing
    assert {e["province"] for e in (await search(gateway, team["senior"])).json()} == {"11"}
    assert (await search(gateway, team["reviewer"])).status_code == 403  # not an auditor
