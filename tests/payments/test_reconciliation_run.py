"""Daily reconciliation against the bank sandbox's statement: every mismatch kind is listed."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from sqlalchemy import text

from kit import clock
from tests.payments.support import account, body, eventually

# The platform-wide view (admin): a transfer only the bank knows belongs to no province.
FINANCE = {"roles": ("admin",)}


async def _paid(rig, n: int) -> list[dict]:
    out = []
    for i in range(n):
        spec = body(f"claim:m{i}", amount_fen=10_000 + i, tail=f"{i + 1:04d}")
        r = await rig.api.post("/v1/disbursements", json=spec, headers={"Idempotency-Key": f"m{i}"})
        out.append(r.json())

    async def all_paid() -> bool:
        states = [(await rig.api.get(f"/v1/disbursements/{d['id']}")).json()["state"] for d in out]
        return states == ["succeeded"] * n

    await eventually(all_paid, step=rig.work, what="all paid")
    return out


async def test_each_mismatch_kind_is_found_listed_and_exported(rig, db) -> None:
    matched, wrong_amount, left_off, wrong_state = await _paid(rig, 4)
    await rig.bank.post("/sandbox/statement-overrides", json={
        "merchant_transfer_no": wrong_amount["merchant_transfer_no"], "amount_fen": 99})
    await rig.bank.post("/sandbox/statement-overrides", json={
        "merchant_transfer_no": left_off["merchant_transfer_no"], "omit": True})
    await rig.bank.post("/sandbox/statement-overrides", json={
        "merchant_transfer_no": wrong_state["merchant_transfer_no"], "status": "returned"})
    # Someone used the merchant account for a transfer the platform never made.
    stranger = await rig.bank.post("/api/transfers", json={
        "merchant_transfer_no": "XFOREIGN0000000000000001", "amount_fen": 5_000,
        "payee_account_number": account("7777"), "payee_account_name": "李四"})
    assert stranger.status_code == 201
    today = clock.china_date(clock.now()).isoformat()

    run = await rig.api.post("/v1/reconciliation/run", params={"date": today}, headers=rig.headers(**FINANCE))
    assert run.status_code == 201, run.text
    result = run.json()
    assert result["counts"] == {"matched": 1, "missing_at_bank": 1, "missing_here": 1, "amount_mismatch": 1,
                                "status_mismatch": 1}
    found = {m["kind"]: m for m in result["mismatches"]}
    assert found["amount_mismatch"]["merchant_transfer_no"] == wrong_amount["merchant_transfer_no"]
    amounts = (found["amount_mismatch"]["platform_amount_fen"], found["amount_mismatch"]["bank_amount_fen"])
    assert amounts == (10_001, 99)
    assert found["missing_at_bank"]["disbursement_id"] == left_off["id"]
    assert found["missing_here"]["merchant_transfer_no"] == "XFOREIGN0000000000000001"
    assert found["missing_here"]["disbursement_id"] is None
    assert (found["status_mismatch"]["platform_status"], found["status_mismatch"]["bank_status"]) == (
        "succeeded", "returned")
    assert matched["merchant_transfer_no"] not in {m["merchant_transfer_no"] for m in result["mismatches"]}

    shown = await rig.api.get("/v1/reconciliation", params={"date": today}, headers=rig.headers(**FINANCE))
    assert shown.json() == result
    # Finance of a province sees the findings on its province's disbursements only (issue 11.2).
    for province, expected in (("11", 4), ("33", 0)):
        scoped = (await rig.api.get("/v1/reconciliation", params={"date": today},
                                    headers=rig.headers(roles=("finance",), province=province))).json()
        assert sum(scoped["counts"].values()) == expected, province
        assert "missing_here" not in {m["kind"] for m in scoped["mismatches"]}

    exported = await rig.api.get("/v1/reconciliation.csv", params={"date": today}, headers=rig.headers(**FINANCE))
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    assert f"reconciliation-{today}.csv" in exported.headers["content-disposition"]
    assert exported.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0][1] == "类型 kind"
    assert [r[1] for r in rows[1:]] == ["missing_at_bank", "missing_here", "amount_mismatch", "status_mismatch",
                                        "matched"]
    amount_row = next(r for r in rows if r[1] == "amount_mismatch")
    assert (amount_row[8], amount_row[9]) == ("100.01", "0.99")  # yuan, two decimals, from integer fen


async def test_a_rerun_shows_the_latest_and_keeps_the_earlier_findings(rig, db) -> None:
    [d] = await _paid(rig, 1)
    today = clock.china_date(clock.now()).isoformat()
    headers = rig.headers(**FINANCE)
    await rig.bank.post("/sandbox/statement-overrides", json={"merchant_transfer_no": d["merchant_transfer_no"],
                                                              "omit": True})
    first = (await rig.api.post("/v1/reconciliation/run", params={"date": today}, headers=headers)).json()
    assert first["counts"]["missing_at_bank"] == 1
    await rig.bank.post("/sandbox/statement-overrides", json={"merchant_transfer_no": d["merchant_transfer_no"]})
    second = (await rig.api.post("/v1/reconciliation/run", params={"date": today}, headers=headers)).json()
    assert second["counts"]["matched"] == 1 and second["mismatches"] == []
    assert (await rig.api.get("/v1/reconciliation", params={"date": today}, headers=headers)).json()["run_id"] == \
        second["run_id"]
    async with db.connect() as conn:
        kinds = (await conn.execute(text("SELECT kind FROM payments.reconciliation_items ORDER BY id"))).scalars().all()
        assert kinds == ["missing_at_bank", "matched"]
        # Findings are a record: the database refuses to change or delete them.
        refused = None
        try:
            await conn.execute(text("DELETE FROM payments.reconciliation_items"))
        except Exception as exc:  # noqa: BLE001 - the trigger's error, whatever the driver calls it
            refused = str(exc)
        assert refused and "append-only" in refused


async def test_a_day_not_reconciled_a_future_day_and_a_bank_down_are_clear_errors(rig) -> None:
    headers = rig.headers(**FINANCE)
    today = clock.china_date(clock.now())
    missing = await rig.api.get("/v1/reconciliation", params={"date": "2020-01-01"}, headers=headers)
    assert missing.status_code == 404 and missing.json()["errors"][0]["field"] == "date"
    assert (await rig.api.get("/v1/reconciliation.csv", params={"date": "2020-01-01"}, headers=headers)).status_code \
        == 404
    future = await rig.api.post("/v1/reconciliation/run", params={"date": (today + timedelta(days=1)).isoformat()},
                                headers=headers)
    assert future.status_code == 422 and future.json()["errors"][0]["field"] == "date"
    await rig.bank.post("/sandbox/faults", json={"mode": "down", "count": None})
    down = await rig.api.post("/v1/reconciliation/run", params={"date": today.isoformat()}, headers=headers)
    assert down.status_code == 503 and down.headers["retry-after"]
    assert (await rig.api.get("/v1/reconciliation", params={"date": today.isoformat()}, headers=headers)).status_code \
        == 404  # nothing half-stored
    assert (await rig.api.post("/v1/reconciliation/run", params={"date": today.isoformat()},
                               headers=rig.headers(roles=("reviewer",)))).status_code == 403


async def test_the_worker_reconciles_yesterday_once_a_day(rig, db) -> None:
    rig.worker.settings = rig.worker.settings.model_copy(update={"reconciliation_hour": 0,
                                                                  "reconciliation_enabled": True})
    assert await rig.worker.reconcile_yesterday_if_due() is True
    rig.worker._next_daily_check = clock.now()
    assert await rig.worker.reconcile_yesterday_if_due() is False
    yesterday = clock.china_date(clock.now()) - timedelta(days=1)
    async with db.connect() as conn:
        runs = (await conn.execute(text("SELECT run_date, trigger, ran_by FROM payments.reconciliation_runs"))).all()
    assert [tuple(r) for r in runs] == [(yesterday, "scheduled", "payments-worker")]
