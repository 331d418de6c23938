"""受理 in the console: a station operator registers a mailed claim (the API's errors on their
fields), adds the scanned papers from files and submits; imports a station's CSV with a progress
bar and the rejected rows; back-fills a missing donation record."""

from __future__ import annotations

import uuid

import pytest

from tests.browser.conftest import ZHANG
from tests.browser.console.conftest import photo
from tests.support.dates import iso_days_ago
from tests.support.people import resident_id, with_wrong_check_digit

pytestmark = pytest.mark.e2e


def test_an_operator_registers_a_mail_claim_with_its_scans(new_desk, desk, ops) -> None:
    page = new_desk()
    desk.open_as(page, "operator", "#/intake", "intake")
    assert [m.inner_text() for m in page.locator(".c-menu__item").all()] == [
        "数据看板", "窗口与邮寄受理", "申请查询", "献血记录导入与补录"]
    page.get_by_test_id("input-channel").select_option("mail")
    page.get_by_test_id("input-postmarked_on").fill(iso_days_ago(20))  # a mailed claim is judged on its postmark
    page.get_by_test_id("input-donor.cert_number").fill(ZHANG[1])
    page.get_by_test_id("input-donor.name").fill(ZHANG[0])
    page.get_by_test_id("input-usage.hospital_name").fill("浙江大学医学院附属第一医院")
    page.get_by_test_id("input-usage.usage_province").select_option("33")
    page.get_by_test_id("input-usage.used_on").fill(iso_days_ago(30))
    page.get_by_test_id("input-usage.paid_on").fill(iso_days_ago(25))
    page.get_by_test_id("item-product-0").select_option("plasma")
    page.get_by_test_id("item-quantity-0").fill("4")
    number = f"M{uuid.uuid4().hex[:9].upper()}"
    page.get_by_test_id("input-invoice.code").fill("330100226")
    page.get_by_test_id("input-invoice.number").fill(number)
    page.get_by_test_id("input-invoice.issued_on").fill(iso_days_ago(25))
    # The console does not check this: the claims service refuses a blood fee above the total.
    page.get_by_test_id("input-invoice.total_fen").fill("100.00")
    page.get_by_test_id("input-invoice.blood_fee_fen").fill("160.00")
    page.get_by_test_id("input-payee.account_number").fill("6222 0212 3456 7890 003")
    page.get_by_test_id("input-payee.bank_name").fill("中国工商银行北京分行")
    page.get_by_test_id("intake-create").click()
    error = page.get_by_test_id("error-invoice.blood_fee_fen")
    desk.expect(error).to_contain_text("输血费用不能超过发票总额")
    assert "has-error" in (page.locator("[data-cell='invoice.blood_fee_fen']").get_attribute("class") or "")
    desk.shot(page, "10-intake-error-on-its-field")

    page.get_by_test_id("input-invoice.total_fen").fill("5,200.00")
    page.get_by_test_id("intake-create").click()
    desk.wait(page, "intake")
    desk.expect(page.get_by_test_id("intake-status")).to_have_text("待提交")
    desk.expect(page.get_by_test_id("missing")).to_contain_text("还需上传 4 项")
    for n, (kind, colour) in enumerate(zip(("donor_id_front", "donor_id_back", "fee_list", "invoice"),
                                           ("#3b7dd8", "#d9823b", "#4caf50", "#8e44ad"), strict=True), start=1):
        page.get_by_test_id(f"file-{kind}").set_input_files(
            {"name": f"scan-{kind}.jpg", "mimeType": "image/jpeg", "buffer": photo(kind, colour)})
        desk.expect(page.get_by_test_id(f"doc-status-{kind}")).to_have_text("已上传 1 份")
        if n < 4:
            desk.expect(page.get_by_test_id("missing")).to_contain_text(f"还需上传 {4 - n} 项")
    desk.expect(page.get_by_test_id("missing")).to_have_text("材料已齐全，可以提交。")
    desk.shot(page, "11-intake-scans")
    page.get_by_test_id("intake-submit").click()
    desk.expect(page.get_by_test_id("intake-status")).to_have_text("已提交")
    reference = page.get_by_test_id("intake-reference").inner_text()
    desk.expect(page.get_by_test_id("submitted")).to_contain_text(reference)
    desk.shot(page, "12-intake-submitted")

    claims = ops.call("GET", "/ops/v1/review/queue", "reviewer", params={"q": reference})
    assert [(c["channel"], c["status"], c["requested_fen"]) for c in claims] == [("mail", "submitted", 16_000)]


CSV_HEADER = ("donation_no,station_code,cert_type,cert_number,name,province,military,donated_on,kind,volume_ml,units,"
              "qualified,phone")


def a_new_donor() -> str:
    """Someone with no records yet (the demo donors' records belong to the client's tests)."""
    return resident_id("19900101", seq=uuid.uuid4().int % 900 + 100)


def test_a_station_csv_is_imported_with_progress_and_its_rejected_rows(new_desk, desk, tmp_path) -> None:
    tag, cert = uuid.uuid4().hex[:6].upper(), a_new_donor()
    rows = [
        f"CSV-{tag}-1,110000-XZ,resident_id,{cert},赵六,11,false,{iso_days_ago(400)},whole_blood,400,,true,",
        f"CSV-{tag}-2,110000-XZ,resident_id,{cert},赵六,11,否,{iso_days_ago(800)},platelet_apheresis,,1,是,",
        f"CSV-{tag}-3,110000-XZ,resident_id,{cert},赵六,11,false,{iso_days_ago(-30)},whole_blood,400,,true,",
        f"CSV-{tag}-4,110000-XZ,resident_id,{with_wrong_check_digit(cert)},\"赵六\",11,false,{iso_days_ago(500)},"
        "whole_blood,250,,true,",
    ]
    path = tmp_path / "station-export.csv"
    path.write_text("\ufeff" + CSV_HEADER + "\r\n" + "\r\n".join(rows) + "\r\n", encoding="utf-8")
    page = new_desk()
    desk.open_as(page, "operator", "#/donations", "donations")
    page.get_by_test_id("csv-file").set_input_files(str(path))
    desk.expect(page.get_by_test_id("progress-text")).to_have_text("共 4 行，待导入")
    page.get_by_test_id("import-start").click()
    desk.expect(page.get_by_test_id("import-summary")).to_contain_text("新增 2 条，已存在 0 条，未导入 2 条")
    assert page.get_by_test_id("progress-text").inner_text() == "已处理 4 / 4 行"
    assert page.get_by_test_id("progress-bar").evaluate("bar => bar.style.width") == "100%"
    rejected = page.get_by_test_id("rejected-rows").locator("tbody tr")
    assert [r.locator("td").first.inner_text() for r in rejected.all()] == ["4", "5"]  # file lines (header is 1)
    assert "献血日期不能晚于今天" in rejected.nth(0).inner_text()
    assert rejected.nth(1).locator("td").nth(1).inner_text() == "cert_number: 身份证号校验位错误"
    desk.shot(page, "13-csv-import")
    page.get_by_test_id("import-start").click()  # the same file again: nothing new, nothing doubled
    desk.expect(page.get_by_test_id("import-summary")).to_contain_text("新增 0 条，已存在 2 条，未导入 2 条")


def test_a_missing_record_is_back_filled_with_errors_on_their_fields(new_desk, desk) -> None:
    page = new_desk()
    desk.open_as(page, "operator", "#/donations", "donations")
    form = page.get_by_test_id("backfill-form")
    number = f"BF-{uuid.uuid4().hex[:8].upper()}"
    form.get_by_test_id("input-donation_no").fill(number)
    form.get_by_test_id("input-station_code").fill("110000-PLA")
    form.get_by_test_id("input-cert_number").fill(a_new_donor())
    form.get_by_test_id("input-name").fill("孙七")
    form.get_by_test_id("input-donated_on").fill(iso_days_ago(-3))
    page.get_by_test_id("input-military").check()
    page.get_by_test_id("backfill-submit").click()
    desk.expect(form.get_by_test_id("error-donated_on")).to_contain_text("献血日期不能晚于今天")
    desk.shot(page, "14-backfill-error")
    form.get_by_test_id("input-donated_on").fill(iso_days_ago(20 * 365))
    page.get_by_test_id("backfill-submit").click()
    desk.expect(page.get_by_test_id("backfill-done")).to_contain_text(f"已补录献血记录 {number}")
    desk.expect(form.get_by_test_id("error-donated_on")).to_be_hidden()
    page.get_by_test_id("backfill-submit").click()
    desk.expect(page.get_by_test_id("backfill-done")).to_contain_text("该记录已存在")
