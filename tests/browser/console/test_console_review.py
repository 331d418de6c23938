"""审核 in the console: a reviewer works a large claim with its photos in the viewer and approves it,
while a senior reviewer sees who holds it; the senior then completes the second review."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import ZHANG
from tests.browser.console.conftest import PASSWORD, STAFF

pytestmark = pytest.mark.e2e

# 30 U of red cells = 6,000 mL; 张三 is unlimited in Beijing: 30 x 220 yuan = 6,600 yuan, above the
# 5,000 yuan that needs a second reviewer (大额报销复核).
LARGE = {"items": [{"product": "red_cells", "quantity": 30}], "blood_fee_fen": 700_000}


def test_a_reviewer_approves_a_claim_with_photos_and_a_senior_completes_it(new_desk, desk, ops) -> None:
    claim = ops.submitted_claim(**LARGE)
    assert claim["eligible_fen"] == 660_000
    reviewer = new_desk()
    # Signed out, a link to the queue asks for sign-in first and then opens the queue.
    reviewer.goto("/console/#/review")
    desk.wait(reviewer, "login")
    desk.shot(reviewer, "01-sign-in")
    desk.sign_in(reviewer, STAFF["reviewer"][0], PASSWORD)
    desk.wait(reviewer, "review")
    assert reviewer.get_by_test_id("user-roles").inner_text().startswith("审核员")
    assert [m.inner_text() for m in reviewer.locator(".c-menu__item").all()] == ["数据看板", "审核队列"]
    reviewer.get_by_test_id("filter-reference").fill(claim["reference"][-8:])
    reviewer.get_by_test_id("filter-apply").click()
    row = reviewer.locator(f"[data-testid=queue-row][data-reference='{claim['reference']}']")
    desk.expect(row).to_have_count(1)
    desk.expect(reviewer.get_by_test_id("queue-row")).to_have_count(1)
    assert "剩余 10 个工作日" in row.get_by_test_id("clock").inner_text()
    assert "¥7,000.00" in row.inner_text() and "¥6,600.00" in row.inner_text()
    desk.shot(reviewer, "02-review-queue")
    row.click()
    desk.wait(reviewer, "claim")
    desk.expect(reviewer.get_by_test_id("lock-mine")).to_be_visible()

    # The photos, in the viewer beside the figures: ID photos only with a reason (asked once), and
    # each one shown is recorded as read.
    stage = reviewer.get_by_test_id("viewer-stage")
    reviewer.get_by_test_id("viewer-ask-reason").click()
    reason = reviewer.get_by_test_id("viewer-reason")
    desk.expect(reason).to_have_value(f"审核报销申请 {claim['reference']}")
    reason.fill("核对身份证与申请信息")
    reviewer.get_by_test_id("modal-confirm").click()
    desk.expect(reviewer.get_by_test_id("viewer-image")).to_be_visible()
    desk.expect(reviewer.get_by_test_id("viewer-seen")).to_have_count(1)
    for shown in (2, 3, 4):  # a document counts as read once it is on the stage
        reviewer.get_by_test_id("viewer-next").click()
        desk.expect(reviewer.get_by_test_id("viewer-seen")).to_have_count(shown)
    desk.expect(reviewer.get_by_test_id("viewer-caption")).to_contain_text("4 / 4")
    reviewer.get_by_test_id("viewer-zoom-in").click()
    reviewer.get_by_test_id("viewer-rotate-right").click()
    assert (stage.get_attribute("data-zoom"), stage.get_attribute("data-rotation")) == ("1.25", "90")
    assert "rotate(90deg)" in reviewer.get_by_test_id("viewer-image").evaluate("img => img.style.transform")
    reviewer.get_by_test_id("viewer-prev").click()
    desk.expect(reviewer.get_by_test_id("viewer-caption")).to_contain_text("3 / 4")
    assert stage.get_attribute("data-rotation") == "0"
    assert reviewer.get_by_test_id("figure-eligible").inner_text() == "¥6,600.00"
    explanation = reviewer.get_by_test_id("explanation").inner_text()
    assert "BJ-2009" in explanation and "6600.00" in explanation.replace(",", "")
    desk.shot(reviewer, "03-claim-with-viewer")

    # Show in full: a reason is asked for and the view is audited.
    assert "********" in reviewer.get_by_test_id("donor").inner_text()
    reviewer.get_by_test_id("unmask").click()
    reviewer.get_by_test_id("modal-confirm").click()
    desk.expect(reviewer.get_by_test_id("error-reason")).to_contain_text("请填写查看原因")
    reviewer.get_by_test_id("unmask-reason").fill("核对献血者身份证号")
    reviewer.get_by_test_id("modal-confirm").click()
    desk.expect(reviewer.get_by_test_id("donor")).to_contain_text(ZHANG[1])
    desk.expect(reviewer.get_by_test_id("unmasked-audited")).to_contain_text("核对献血者身份证号")

    # Meanwhile a senior reviewer opens the claim: it is held, and by whom.
    senior = new_desk()
    desk.open_as(senior, "senior", f"#/claims/{claim['id']}", "claim")
    desk.expect(senior.get_by_test_id("lock-banner")).to_contain_text(f"{STAFF['reviewer'][0]} 正在处理此申请")
    assert senior.get_by_test_id("action-approve").count() == 0
    desk.shot(senior, "04-claim-held-by-another-reviewer")

    # Approving a lower amount needs a coded reason; the full amount goes to second review.
    reviewer.get_by_test_id("action-approve").click()
    dialog = reviewer.get_by_test_id("approve-dialog")
    amount = dialog.get_by_test_id("input-approved_fen")
    assert amount.input_value() == "6600.00"
    amount.fill("6000")
    reviewer.get_by_test_id("modal-confirm").click()
    desk.expect(dialog.get_by_test_id("error-reason_code")).to_contain_text("核减金额须选择原因")
    desk.shot(reviewer, "05-lower-amount-needs-a-reason")
    amount.fill("6600.00")
    dialog.get_by_test_id("input-note").fill("材料齐全，金额较大，提交复核")
    reviewer.get_by_test_id("modal-confirm").click()
    desk.wait(reviewer, "claim")
    desk.expect(reviewer.get_by_test_id("claim-status")).to_have_text("待复核")
    desk.expect(reviewer.get_by_test_id("actions-none")).to_contain_text("待另一位复核员复核")

    # The senior's second-review queue has it, with the first approval; the senior completes it.
    senior.goto("/console/#/review/second")
    desk.wait(senior, "second-review")
    row = senior.locator(f"[data-testid=queue-row][data-reference='{claim['reference']}']")
    assert "¥6,600.00" in row.inner_text() and STAFF["reviewer"][0] in row.inner_text()
    desk.shot(senior, "06-second-review-queue")
    row.click()
    desk.wait(senior, "claim")
    desk.expect(senior.get_by_test_id("lock-mine")).to_be_visible()
    senior.get_by_test_id("action-approve").click()
    assert senior.get_by_test_id("approve-dialog").get_by_test_id("input-approved_fen").input_value() == "6600.00"
    senior.get_by_test_id("modal-confirm").click()
    desk.wait(senior, "claim")
    desk.expect(senior.get_by_test_id("claim-status")).to_have_text("审核通过")
    history = senior.get_by_test_id("history").inner_text()
    assert "初审通过（待复核）" in history and "审核通过" in history and "查看完整信息" in history
    desk.shot(senior, "07-approved-after-second-review")

    final = ops.call("GET", f"/ops/v1/claims/{claim['id']}", "senior")
    assert (final["status"], final["approved_fen"]) in {("approved", 660_000), ("paid", 660_000)}
    # Each photo shown was one audited download, with the reason the reviewer gave (issue 11).
    downloads = ops.call("GET", "/ops/v1/audit/events", "senior",
                         params={"claim_id": claim["id"], "action": "document_viewed"})
    assert sorted(e["detail"]["kind"] for e in downloads) == ["donor_id_back", "donor_id_front", "fee_list", "invoice"]
    assert {(e["actor"], e["reason"]) for e in downloads} == {(STAFF["reviewer"][0], "核对身份证与申请信息")}
    events = ops.call("GET", f"/ops/v1/claims/{claim['id']}/history", "senior")
    assert [e["reason"] for e in events if e["action"] == "viewed_unmasked"] == ["核对献血者身份证号"]


def test_a_reviewer_asks_for_named_documents_and_the_clock_pauses(new_desk, desk, ops) -> None:
    claim = ops.submitted_claim(items=[{"product": "plasma", "quantity": 2}], blood_fee_fen=8_000)
    page = new_desk()
    desk.open_as(page, "reviewer", f"#/claims/{claim['id']}", "claim")
    page.get_by_test_id("action-request-info").click()
    page.get_by_test_id("modal-confirm").click()
    desk.expect(page.get_by_test_id("error-documents")).to_be_visible()
    page.get_by_test_id("missing-invoice").check()
    page.get_by_test_id("request-info-dialog").get_by_test_id("input-note").fill("发票照片不清晰，请重新拍摄")
    page.get_by_test_id("modal-confirm").click()
    desk.wait(page, "claim")
    desk.expect(page.get_by_test_id("claim-status")).to_have_text("待补充材料")
    assert page.get_by_test_id("clock").inner_text() == "待补充材料，计时暂停"
    decision = ops.call("GET", f"/ops/v1/claims/{claim['id']}", "reviewer")["decision_note"]
    assert decision == "请补充：医疗收费票据（发票）。发票照片不清晰，请重新拍摄"
    page.goto("/console/#/review")
    desk.wait(page, "review")
    row = page.locator(f"[data-testid=queue-row][data-reference='{claim['reference']}']")
    assert re.search(r"待补充材料.*计时暂停", row.inner_text(), re.S)
