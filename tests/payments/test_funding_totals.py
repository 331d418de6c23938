"""Totals by funding source for a period add up to the total paid."""

from __future__ import annotations

from datetime import date, timedelta

from kit import clock
from tests.payments.support import body, eventually


async def _pay_all(rig, ids: list[str], final: set[str]) -> None:
    async def finished() -> bool:
        states = [(await rig.api.get(f"/v1/disbursements/{i}")).json()["state"] for i in ids]
        return all(s in final for s in states)

    await eventually(finished, step=rig.work, what="all finished")


async def test_totals_by_source_cover_succeeded_disbursements_and_sum_to_the_total(rig) -> None:
    specs = [
        ("claim:f1", 44_000, "1234", [{"source": "local_fund", "amount_fen": 33_000},
                                      {"source": "military_fund", "amount_fen": 11_000}]),
        ("claim:f2", 22_001, "2345", [{"source": "local_fund", "amount_fen": 22_001}]),
        ("claim:f3", 10_000, "3456", [{"source": "province:32", "amount_fen": 7_000},
                                      {"source": "military_fund", "amount_fen": 3_000}]),
        ("claim:f4", 99_999, "0000", [{"source": "local_fund", "amount_fen": 99_999}]),  # bounces: not paid
    ]
    ids = []
    for source, amount, tail, funding in specs:
        r = await rig.api.post("/v1/disbursements", json=body(source, amount_fen=amount, tail=tail, funding=funding),
                               headers={"Idempotency-Key": source})
        ids.append(r.json()["id"])
    await _pay_all(rig, ids, {"succeeded", "returned"})
    today = clock.china_date(clock.now())
    finance = rig.headers(roles=("admin",))  # every province: the totals below span 11 and 32
    response = await rig.api.get("/v1/funding-totals", params={"date_from": today.isoformat(),
                                                               "date_to": today.isoformat()}, headers=finance)
    assert response.status_code == 200, response.text
    totals = response.json()
    assert {t["source"]: (t["amount_fen"], t["disbursements"]) for t in totals["totals"]} == {
        "local_fund": (55_001, 2), "military_fund": (14_000, 2), "province:32": (7_000, 1)}
    assert totals["total_fen"] == 76_001 == sum(t["amount_fen"] for t in totals["totals"])
    assert totals["disbursements"] == 3

    yesterday = (today - timedelta(days=1)).isoformat()
    empty = (await rig.api.get("/v1/funding-totals", params={"date_from": yesterday, "date_to": yesterday},
                               headers=finance)).json()
    assert (empty["totals"], empty["total_fen"]) == ([], 0)


async def test_a_period_needs_both_dates_in_order(rig) -> None:
    finance = rig.headers(roles=("admin",))  # every province: the totals below span 11 and 32
    missing = await rig.api.get("/v1/funding-totals", params={"date_from": "2026-01-01"}, headers=finance)
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "date_to"
    backwards = await rig.api.get("/v1/funding-totals", params={"date_from": date(2026, 2, 1).isoformat(),
                                                                "date_to": "2026-01-01"}, headers=finance)
    assert backwards.status_code == 422 and backwards.json()["errors"][0]["field"] == "date_to"
    assert (await rig.api.get("/v1/funding-totals", params={"date_from": "2026-01-01", "date_to": "2026-01-02"},
                              headers=rig.headers(roles=("reviewer",)))).status_code == 403
