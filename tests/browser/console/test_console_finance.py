"""财务 in the console: a day's reconciliation with its mismatch and CSV, the payments lists, and a
hospital's monthly statement approved."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import pytest

from tests.support.dates import first_of_previous_month, month_of

pytestmark = pytest.mark.e2e


def paid_out(ops, claim_id: str, timeout_s: float = 60) -> dict[str, Any]:
    """The claim's disbursement once the payments worker has handed it to the bank (sandbox)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        page = ops.call("GET", "/ops/v1/payments/disbursements", "finance", params={"source_ref": f"claim:{claim_id}"})
        rows = page["items"] if isinstance(page, dict) else page
        if rows and rows[0]["state"] in ("sent", "succeeded"):
            return dict(rows[0])
        time.sleep(0.5)
    raise AssertionError(f"claim {claim_id} was not paid out within {timeout_s} s")


def approved(ops, fee_fen: int, **body: Any) -> dict[str, Any]:
    claim = ops.submitted_claim(items=[{"product": "red_cells", "quantity": 1}], blood_fee_fen=fee_fen, **body)
    decided = ops.call("POST", f"/ops/v1/claims/{claim['id']}/decision", "reviewer",
                       json={"decision": "approve", "note": "材料齐全"})
    assert decided["status"] == "approved"
    return claim


def claim_status(ops, claim_id: str, wanted: str, timeout_s: float = 90) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        claim = ops.call("GET", f"/ops/v1/claims/{claim_id}", "finance")
        if claim["status"] == wanted:
            return dict(claim)
        time.sleep(0.5)
    raise AssertionError(f"claim {claim_id} did not become {wanted} within {timeout_s} s")


def test_finance_reconciles_a_day_and_corrects_a_returned_payee(new_desk, desk, ops) -> None:
    # The bank sandbox accepts a transfer to an account ending 0000, then returns it (账户不存在).
    bouncing = approved(ops, 20_000, card="6222021234560000")
    good = paid_out(ops, approved(ops, 21_000)["id"])
    tampered = paid_out(ops, approved(ops, 22_000)["id"])
    # The bank's statement shows one transfer with another amount than the platform sent.
    override = httpx.post(ops.bank_url() + "/sandbox/statement-overrides", timeout=10, json={
        "merchant_transfer_no": tampered["merchant_transfer_no"], "amount_fen": tampered["amount_fen"] + 100})
    assert override.status_code == 200

    page = new_desk()
    desk.open_as(page, "finance", "#/reconciliation", "reconciliation")
    assert [m.inner_text() for m in page.locator(".c-menu__item").all()] == [
        "数据看板", "付款单", "失败与退回", "每日对账", "医院结算审批", "跨省结算"]  # the last: issue 14's statements
    page.get_by_test_id("recon-run").click()
    desk.expect(page.get_by_test_id("recon-result")).to_be_visible()
    assert page.get_by_test_id("count-amount_mismatch").inner_text() == "1"
    assert int(page.get_by_test_id("count-matched").inner_text()) >= 1
    row = page.locator(f"[data-testid=mismatch-row][data-no='{tampered['merchant_transfer_no']}']")
    assert row.get_attribute("data-kind") == "amount_mismatch"
    assert "¥220.00" in row.inner_text() and "¥221.00" in row.inner_text()
    assert page.locator(f"[data-no='{good['merchant_transfer_no']}']").count() == 0  # matched: not a mismatch
    desk.shot(page, "20-reconciliation")
    with page.expect_download() as download:
        page.get_by_test_id("recon-csv").click()
    assert download.value.suggested_filename.startswith("reconciliation-")
    text = open(download.value.path(), encoding="utf-8-sig").read()
    line = next(x for x in text.splitlines() if tampered["merchant_transfer_no"] in x)
    assert "金额不符" in line and "220.00" in line and "221.00" in line

    page.goto("/console/#/payments")
    desk.wait(page, "payments")
    page.get_by_test_id("filter-source").fill(f"claim:{tampered['source_ref'].split(':')[1]}")
    page.get_by_test_id("filter-apply").click()
    desk.expect(page.get_by_test_id("disbursement-row")).to_have_count(1)
    assert "¥220.00" in page.get_by_test_id("disbursement-row").inner_text()
    # The returned transfer waits in finance's queue until the applicant's right account is entered.
    claim_status(ops, bouncing["id"], "payee_correction")
    page.goto("/console/#/payments/returns")
    desk.wait(page, "returns")
    row = page.get_by_test_id("returned").locator(f"[data-source='claim:{bouncing['id']}']")
    assert "****0000" in row.inner_text().replace(" ", "") and "¥200.00" in row.inner_text()
    desk.shot(page, "21-returned-transfer")
    row.get_by_test_id("correct-payee").click()
    dialog = page.get_by_test_id("payee-dialog")
    dialog.get_by_test_id("input-payee.account_name").fill("李四")
    dialog.get_by_test_id("input-payee.account_number").fill("6222 0212 3456 7890 003")
    page.get_by_test_id("modal-confirm").click()
    desk.expect(dialog.get_by_test_id("error-payee.account_name")).to_contain_text("收款人须为献血者本人")
    dialog.get_by_test_id("input-payee.account_name").fill("张三")
    page.get_by_test_id("modal-confirm").click()
    desk.expect(page.get_by_test_id("payee-dialog")).to_have_count(0)
    corrected = ops.call("GET", f"/ops/v1/claims/{bouncing['id']}", "finance")
    assert (corrected["status"], corrected["payee"]["account_number_masked"]) == ("approved", "6222 **** **** 0003")
    history = ops.call("GET", f"/ops/v1/claims/{bouncing['id']}/history", "finance")
    assert (history[-1]["action"], history[-1]["actor"]) == ("payee_corrected", "c_finance")


def test_finance_approves_a_hospitals_monthly_statement(new_desk, desk, ops, api) -> None:
    code = f"H11{uuid.uuid4().hex[:8].upper()}"
    ops.call("POST", "/ops/v1/hospitals", "admin", json={
        "code": code, "name": "北京测试医院", "province": "11", "district_office": "东城区献血办", "military": False,
        "account_name": "北京测试医院", "account_number": "0200001409014412345", "bank_name": "中国工商银行"})
    credentials = ops.call("POST", f"/ops/v1/hospitals/{code}/credentials", "admin")
    token = api.post("/his/v1/auth/token", data={"grant_type": "client_credentials", **{
        k: credentials[k] for k in ("client_id", "client_secret")}}).json()["access_token"]
    period = month_of(first_of_previous_month())
    filed = api.post("/his/v1/hospital-settlements", headers={"Authorization": f"Bearer {token}"},
                     json={"period": period})
    assert filed.status_code == 201, filed.text

    page = new_desk()
    desk.open_as(page, "finance", "#/statements", "statements")
    row = page.locator(f"[data-testid=statement-row][data-id='{filed.json()['id']}']")
    assert "北京测试医院" in row.inner_text() and period in row.inner_text()
    desk.shot(page, "22-statements-to-approve")
    row.get_by_test_id("statement-approve").click()
    page.get_by_test_id("modal-confirm").click()
    desk.expect(page.get_by_test_id("statement-approved")).to_contain_text(f"北京测试医院 {period} 已审批")
    desk.expect(page.locator(f"[data-testid=statement-row][data-id='{filed.json()['id']}']")).to_have_count(0)
    statements = ops.call("GET", "/ops/v1/hospital-settlements", "finance", params={"hospital_code": code})
    assert [(s["status"], s["approved_by"]) for s in statements] == [("paid", "c_finance")]  # nothing to pay
