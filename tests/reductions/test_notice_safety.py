"""Direct reduction money safety: no orphaned holds (a notice or a claim whose hold was placed but
never recorded), settlement dates a statement can trust, and a hospital's failed payment that
goes out again once its account is corrected."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import text

from services.claims.intake import submit as submit_module
from services.claims.outbox import guards
from tests.claims.helpers import ready_claim, seed_donor
from tests.reductions.test_direct_reduction import (
    his_token,
    hospital_body,
    hospital_credentials,
    notice_body,
    settlement,
)
from tests.support.apps import AppStack
from tests.support.dates import first_of_previous_month, iso_days_ago, month_of, today, travel
from tests.support.money import Money, money_for


@pytest.fixture
async def money(stack: AppStack, database_url, keys) -> AsyncIterator[Money]:
    async with money_for(stack, database_url, keys) as m:
        yield m


async def entitlement_holds(db) -> list[tuple[str, str]]:
    async with db.connect() as conn:
        return [tuple(r) for r in await conn.execute(text(
            "SELECT idempotency_key, state FROM entitlement.holds ORDER BY created_at"))]


async def guards_due_now(db) -> None:
    """The guard's grace period (CLAIMS_HOLD_GUARD_GRACE_S) has passed."""
    async with db.begin() as conn:
        await conn.execute(text("UPDATE claims.outbox SET next_attempt_at = now() WHERE kind = 'hold_guard'"))


def die_after_the_hold(monkeypatch: pytest.MonkeyPatch, module: object, name: str) -> None:
    """The process dies right after entitlement placed the hold, before the owner records it."""
    async def killed(*args: object, **kwargs: object) -> None:
        raise RuntimeError("process killed here")

    monkeypatch.setattr(module, name, killed)


async def a_submit_that_died_after_its_hold(stack: AppStack, admin_headers, monkeypatch) -> dict:
    await seed_donor(stack.gateway, admin_headers)
    claim = await ready_claim(stack.gateway, admin_headers)
    with monkeypatch.context() as patch, pytest.raises(RuntimeError, match="killed"):
        die_after_the_hold(patch, submit_module, "_record_submission")
        await stack.gateway.post(f"/ops/v1/claims/{claim['id']}/submit", headers=admin_headers)
    return claim


async def test_a_notice_whose_issuing_never_finished_has_its_hold_released(
        stack: AppStack, admin_headers, db, monkeypatch) -> None:
    await seed_donor(stack.gateway, admin_headers)
    his = await his_token(stack.gateway, *await hospital_credentials(stack.gateway, admin_headers))
    with monkeypatch.context() as patch, pytest.raises(RuntimeError, match="killed"):
        die_after_the_hold(patch, guards, "confirm")
        await stack.gateway.post("/his/v1/reduction-notices", headers=his, json=notice_body(quantity=2))
    [(key, state)] = await entitlement_holds(db)
    assert (key.startswith("notice:"), state) == (True, "held")  # the whole relatives' pool is held
    exhausted = await stack.gateway.post("/his/v1/reduction-notices", headers=his, json=notice_body())
    assert exhausted.json()["eligible"] is False

    await stack.drain_outbox()
    assert (await entitlement_holds(db))[0][1] == "held"  # not before its grace period
    await guards_due_now(db)
    await stack.drain_outbox()
    assert (await entitlement_holds(db))[0] == (key, "released")
    async with db.connect() as conn:
        status = (await conn.execute(text("SELECT status FROM claims.reduction_notices WHERE hold_key = :k"),
                                     {"k": key})).scalar_one()
    assert status == "void"
    back = await stack.gateway.post("/his/v1/reduction-notices", headers=his, json=notice_body(quantity=2))
    assert (back.json()["eligible"], back.json()["max_reducible_fen"]) == (True, 44_000)


async def test_a_withdrawn_draft_releases_the_hold_its_broken_submit_placed(
        stack: AppStack, admin_headers, db, monkeypatch) -> None:
    claim = await a_submit_that_died_after_its_hold(stack, admin_headers, monkeypatch)
    assert await entitlement_holds(db) == [(f"claim:{claim['id']}", "held")]
    withdrawn = await stack.gateway.post(f"/ops/v1/claims/{claim['id']}/withdraw", headers=admin_headers,
                                         json={"reason": "不再申请"})
    assert withdrawn.json()["status"] == "withdrawn"
    await stack.drain_outbox()
    assert await entitlement_holds(db) == [(f"claim:{claim['id']}", "released")]


async def test_an_abandoned_submit_is_released_and_a_retry_holds_once_under_a_new_key(
        stack: AppStack, admin_headers, db, monkeypatch) -> None:
    claim = await a_submit_that_died_after_its_hold(stack, admin_headers, monkeypatch)
    await guards_due_now(db)
    await stack.drain_outbox()
    assert await entitlement_holds(db) == [(f"claim:{claim['id']}", "released")]
    again = await stack.gateway.post(f"/ops/v1/claims/{claim['id']}/submit", headers=admin_headers)
    assert (again.status_code, again.json()["status"], again.json()["eligible_fen"]) == (200, "submitted", 44_000)
    assert await entitlement_holds(db) == [(f"claim:{claim['id']}", "released"), (f"claim:{claim['id']}:1", "held")]
    await guards_due_now(db)
    await stack.drain_outbox()  # the second guard was confirmed by the submission: it releases nothing
    assert (await entitlement_holds(db))[-1] == (f"claim:{claim['id']}:1", "held")


async def test_a_retried_submit_after_a_crash_replays_the_same_hold(
        stack: AppStack, admin_headers, db, monkeypatch) -> None:
    claim = await a_submit_that_died_after_its_hold(stack, admin_headers, monkeypatch)
    again = await stack.gateway.post(f"/ops/v1/claims/{claim['id']}/submit", headers=admin_headers)
    assert again.json()["status"] == "submitted"
    assert await entitlement_holds(db) == [(f"claim:{claim['id']}", "held")]  # one hold, placed once


async def test_settled_on_must_lie_inside_the_notices_life(stack: AppStack, admin_headers) -> None:
    await seed_donor(stack.gateway, admin_headers)
    credentials = await hospital_credentials(stack.gateway, admin_headers)
    his = await his_token(stack.gateway, *credentials)
    no = (await stack.gateway.post("/his/v1/reduction-notices", headers=his, json=notice_body())).json()["notice_no"]
    path = f"/his/v1/reduction-notices/{no}/settlement"
    for settled_on, why in ((today() + timedelta(days=1), "future"), (today() - timedelta(days=1), "before")):
        body = settlement() | {"settled_on": settled_on.isoformat()}
        refused = await stack.gateway.post(path, headers=his, json=body)
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "settled_on", why
        assert why in refused.json()["detail"]
    valid_days = stack.apps["claims"].state.settings.notice_valid_days
    with travel(today() + timedelta(days=valid_days)):  # the day after its validity
        later = await his_token(stack.gateway, *credentials)
        late = await stack.gateway.post(path, headers=later, json=settlement() | {"settled_on": iso_days_ago(0)})
    assert late.status_code == 409 and "expired" in late.json()["detail"]
    ok = await stack.gateway.post(path, headers=his, json=settlement())
    assert ok.json()["status"] == "settled"


async def test_a_settlement_dated_in_a_filed_month_is_refused_and_a_csv_cell_is_never_a_formula(
        stack: AppStack, admin_headers) -> None:
    await seed_donor(stack.gateway, admin_headers)
    credentials = await hospital_credentials(stack.gateway, admin_headers)
    last_month_end = today().replace(day=1) - timedelta(days=1)
    with travel(last_month_end - timedelta(days=1)):  # two notices near the end of last month
        his = await his_token(stack.gateway, *credentials)
        first = (await stack.gateway.post("/his/v1/reduction-notices", headers=his, json=notice_body())).json()
        second = (await stack.gateway.post("/his/v1/reduction-notices", headers=his, json=notice_body())).json()
        settled = await stack.gateway.post(f"/his/v1/reduction-notices/{first['notice_no']}/settlement", headers=his,
                                           json=settlement(receipt='=HYPERLINK("http://x","点我")', invoice="F1"))
        assert settled.json()["status"] == "settled", settled.text
    with travel(today().replace(day=1)):  # the first of this month: last month's statement is filed
        his = await his_token(stack.gateway, *credentials)
        filed = await stack.gateway.post("/his/v1/hospital-settlements", headers=his,
                                         json={"period": month_of(last_month_end)})
        assert filed.status_code == 201, filed.text
        into_filed = await stack.gateway.post(
            f"/his/v1/reduction-notices/{second['notice_no']}/settlement", headers=his,
            json=settlement(receipt="R-2", invoice="F2") | {"settled_on": last_month_end.isoformat()})
        assert into_filed.status_code == 409 and into_filed.json()["errors"][0]["field"] == "settled_on"
        assert into_filed.json()["period"] == month_of(last_month_end)
        this_month = await stack.gateway.post(
            f"/his/v1/reduction-notices/{second['notice_no']}/settlement", headers=his,
            json=settlement(receipt="R-2", invoice="F2") | {"settled_on": today().replace(day=1).isoformat()})
        assert this_month.json()["status"] == "settled", this_month.text
        csv_text = (await stack.gateway.get(f"/his/v1/hospital-settlements/{filed.json()['id']}/statement.csv",
                                            headers=his)).text
    assert '"\'=HYPERLINK(""http://x"",""点我"")"' in csv_text  # kept as text: a spreadsheet shows it, never runs it
    assert ',=HYPERLINK' not in csv_text


async def test_a_statement_whose_payment_failed_is_paid_once_the_hospitals_account_is_corrected(
        stack: AppStack, admin_headers, money) -> None:
    gw = stack.gateway
    await seed_donor(gw, admin_headers)
    frozen = hospital_body() | {"account_number": "0200001409019999"}  # the sandbox refuses ...9999 for good
    assert (await gw.post("/ops/v1/hospitals", headers=admin_headers, json=frozen)).status_code == 201
    credentials = (await gw.post("/ops/v1/hospitals/H110105001/credentials", headers=admin_headers)).json()
    discharged = first_of_previous_month() + timedelta(days=9)
    with travel(discharged):
        his = await his_token(gw, credentials["client_id"], credentials["client_secret"])
        no = (await gw.post("/his/v1/reduction-notices", headers=his, json=notice_body())).json()["notice_no"]
        await gw.post(f"/his/v1/reduction-notices/{no}/settlement", headers=his, json=settlement())
        await stack.drain_outbox()
    his = await his_token(gw, credentials["client_id"], credentials["client_secret"])
    statement = (await gw.post("/his/v1/hospital-settlements", headers=his,
                               json={"period": month_of(discharged)})).json()
    await gw.post("/ops/v1/users", headers=admin_headers, json={
        "username": "bj_fin", "password": "correct horse battery", "roles": ["finance"], "province": "11"})
    finance = await stack.login("bj_fin", "correct horse battery")
    await gw.post(f"/ops/v1/hospital-settlements/{statement['id']}/approve", headers=finance)
    await money.settle_everything()
    failed = (await gw.get(f"/his/v1/hospital-settlements/{statement['id']}", headers=his)).json()
    assert failed["status"] == "payment_failed" and "冻结" in failed["payment_error"]
    alarms = (await gw.get("/ops/v1/alarms/payments", headers=finance)).json()
    assert [(a["kind"], a["id"], a["amount_fen"]) for a in alarms] == [
        ("statement_payment_failed", statement["id"], 22_000)]

    corrected = await gw.put("/ops/v1/hospitals/H110105001/account", headers=admin_headers, json={
        "account_name": "北京朝阳医院", "account_number": "0200001409014412345", "bank_name": "中国工商银行",
        "reason": "医院更换对公账户"})
    assert corrected.json()["account_number_masked"].endswith("2345"), corrected.text
    await money.settle_everything()
    paid = (await gw.get(f"/his/v1/hospital-settlements/{statement['id']}", headers=his)).json()
    assert (paid["status"], paid["payment_error"]) == ("paid", None)
    ledger = await money.ledger()
    assert [(p["amount_fen"], p["account_tail"]) for p in ledger["payouts"]] == [(22_000, "2345")]
    assert (await gw.get("/ops/v1/alarms/payments", headers=finance)).json() == []
