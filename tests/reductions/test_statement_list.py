"""Finance's list of hospital settlement statements: what waits for approval, by province."""

from __future__ import annotations

from tests.claims.helpers import add_user
from tests.reductions.test_direct_reduction import hospital_token
from tests.support.dates import first_of_previous_month, month_of


async def test_finance_lists_the_statements_of_its_province_waiting_for_approval(gateway, admin_headers,
                                                                                 stack) -> None:
    his = await hospital_token(gateway, admin_headers)
    period = month_of(first_of_previous_month())
    filed = await gateway.post("/his/v1/hospital-settlements", headers=his, json={"period": period})
    assert filed.status_code == 201, filed.text
    finance = await add_user(gateway, admin_headers, stack, "bj_fin", ["finance"])
    zj_finance = await add_user(gateway, admin_headers, stack, "zj_fin", ["finance"], province="33")

    waiting = (await gateway.get("/ops/v1/hospital-settlements", headers=finance, params={"status": "filed"})).json()
    assert [(s["id"], s["hospital_name"], s["period"], s["status"], s["total_fen"]) for s in waiting] == [
        (filed.json()["id"], "北京朝阳医院", period, "filed", 0)]
    assert (await gateway.get("/ops/v1/hospital-settlements", headers=zj_finance)).json() == []
    assert (await gateway.get("/ops/v1/hospital-settlements", headers=zj_finance,
                              params={"province": "11"})).json() == []  # another province's: nothing

    approved = await gateway.post(f"/ops/v1/hospital-settlements/{filed.json()['id']}/approve", headers=finance)
    assert approved.json()["status"] == "paid"  # nothing to pay: settled at once
    assert (await gateway.get("/ops/v1/hospital-settlements", headers=finance, params={"status": "filed"})).json() == []
    done = (await gateway.get("/ops/v1/hospital-settlements", headers=finance, params={"status": "paid"})).json()
    assert [(s["id"], s["approved_by"]) for s in done] == [(filed.json()["id"], "bj_fin")]
    assert (await gateway.get("/ops/v1/hospital-settlements", headers=admin_headers,
                              params={"status": "pending"})).status_code == 422
