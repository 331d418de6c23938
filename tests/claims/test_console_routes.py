"""Smaller routes the ops console needs: a year of the working-day calendar, and finance
correcting the account of a returned transfer."""

from __future__ import annotations

from services.claims.calendar.workdays import PACKAGE_YEARS
from tests.claims.helpers import add_user, decide, submitted
from tests.support.callers import caller_headers
from tests.support.dates import today


async def test_a_calendar_year_says_whether_it_is_covered_and_lists_the_days_ops_entered(gateway,
                                                                                         admin_headers) -> None:
    year = max(PACKAGE_YEARS) + 5
    before = (await gateway.get(f"/ops/v1/calendar/years/{year}", headers=admin_headers)).json()
    assert before == {"year": year, "covered": False, "source": None, "overrides": []}
    entered = await gateway.put(f"/ops/v1/calendar/days/{year}-10-01", headers=admin_headers,
                                json={"working": False, "note": "国庆节"})
    assert entered.status_code == 200
    await gateway.post(f"/ops/v1/calendar/years/{year}", headers=admin_headers)
    after = (await gateway.get(f"/ops/v1/calendar/years/{year}", headers=admin_headers)).json()
    assert (after["covered"], after["source"]) == (True, "declared")
    assert after["overrides"] == [{"day": f"{year}-10-01", "working": False, "note": "国庆节", "set_by": "admin"}]
    shipped = (await gateway.get(f"/ops/v1/calendar/years/{min(PACKAGE_YEARS)}", headers=admin_headers)).json()
    assert shipped["source"] == "package"
    assert (await gateway.get("/ops/v1/calendar/years/1999", headers=admin_headers)).status_code == 422


async def test_finance_of_the_province_corrects_a_returned_payee(gateway, team, stack, keys, admin_headers) -> None:
    claim = await submitted(gateway, team, invoice_number="RT1")
    await decide(gateway, team["reviewer"], claim["id"], decision="approve")
    returned = await stack.services["claims"].post(
        "/v1/payment-events", headers=caller_headers(keys, subject="payments", kind="system", roles=("system",)),
        json={"event_id": "r1", "disbursement_id": "d1", "source_ref": f"claim:{claim['id']}", "event": "returned",
              "amount_fen": 44_000, "reason": "户名与账号不符", "occurred_at": f"{today()}T10:00:00+08:00"})
    assert returned.json()["status"] == "payee_correction"
    zj_finance = await add_user(gateway, admin_headers, stack, "zj_fin", ["finance"], province="33")
    finance = await add_user(gateway, admin_headers, stack, "bj_fin", ["finance"])
    body = {"payee": {"account_name": "张三", "account_number": "6222 0212 3456 7891 234", "bank_name": "中国银行"},
            "reason": "申请人来电更正卡号"}
    assert (await gateway.put(f"/ops/v1/claims/{claim['id']}/payee", headers=zj_finance, json=body)).status_code == 404
    corrected = await gateway.put(f"/ops/v1/claims/{claim['id']}/payee", headers=finance, json=body)
    assert corrected.status_code == 200, corrected.text
    assert (corrected.json()["status"], corrected.json()["payee"]["bank_name"]) == ("approved", "中国银行")
    history = (await gateway.get(f"/ops/v1/claims/{claim['id']}/history", headers=finance)).json()
    assert (history[-1]["action"], history[-1]["actor"]) == ("payee_corrected", "bj_fin")
