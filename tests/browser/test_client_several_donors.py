"""申请血费减免 for a patient with two donor children (DOMAIN 6.1, Beijing annex 1 rule 5): the wizard
names both donors, the pledge covers both relationships, and their quotas are drawn in turn."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from kit import clock
from kit.idnumbers import check_character
from tests.browser.test_client_claims import invoice_number, photo, sign_review_and_submit

pytestmark = pytest.mark.e2e

MOTHER_BODY = "11010819620301002"
MOTHER = ("王秀英", MOTHER_BODY + check_character(MOTHER_BODY))
KINDS = ["donor_id_front", "donor_id_back", "beneficiary_id_front", "beneficiary_id_back", "other_donor_ids",
         "fee_list", "invoice"]


def fill_who(page: Any, donor_cert: str, other: tuple[str, str]) -> None:
    page.get_by_test_id("rel-parent").click()
    page.get_by_test_id("input-donor.cert_number").fill(donor_cert)
    page.get_by_test_id("input-beneficiary.name").fill(MOTHER[0])
    page.get_by_test_id("input-beneficiary.cert_number").fill(MOTHER[1])
    assert "按所列顺序依次使用各自额度" in page.get_by_test_id("other-donors-tip").inner_text()
    page.get_by_test_id("add-donor").click()
    page.get_by_test_id("input-additional_donors[0].name").fill(other[0])
    page.get_by_test_id("input-additional_donors[0].cert_number").fill(other[1])
    page.get_by_test_id("input-additional_donors[0].relationship").select_option("parent")
    page.get_by_test_id("evidence-pledge").click()


def fill_usage(page: Any) -> None:
    """6 U red cells (1,200 mL), blood fee 1,320.00 (6 x 220.00), used 20 days ago."""
    used_on = clock.today() - timedelta(days=20)
    page.get_by_test_id("input-usage.hospital_name").fill("河北医科大学第二医院")
    page.get_by_test_id("input-usage.usage_province").select_option("13")
    page.get_by_test_id("input-usage.used_on").fill(used_on.isoformat())
    page.get_by_test_id("input-usage.paid_on").fill((used_on + timedelta(days=3)).isoformat())
    page.get_by_test_id("item-product-0").select_option("red_cells")
    page.get_by_test_id("item-quantity-0").fill("6")
    page.get_by_test_id("input-invoice.code").fill("130100226")
    page.get_by_test_id("input-invoice.number").fill(invoice_number())
    page.get_by_test_id("input-invoice.issued_on").fill((used_on + timedelta(days=3)).isoformat())
    page.get_by_test_id("input-invoice.total_fen").fill("20000.00")
    page.get_by_test_id("input-invoice.blood_fee_fen").fill("1320.00")


def test_a_mother_of_two_donors_is_covered_from_both_quotas(
        new_page, client, signed_in, demo, api: httpx.Client) -> None:
    """李四 (relatives' pool 1 x 600 mL) files for their mother and names their brother 张三 as a
    further donor: 李四's 600 mL first (660.00), then 张三's pool for the rest of the 1,200 mL."""
    token = signed_in("browser-li", demo["li"])
    page = new_page()
    client.open_as(page, token, "#/claim/new?fresh=1", "claim-new")
    fill_who(page, demo["li"][1], demo["zhang"])
    client.shot(page, "12-several-donors-1-who")
    page.get_by_test_id("wizard-next").click()
    fill_usage(page)
    page.get_by_test_id("wizard-next").click()
    page.get_by_test_id("input-payee.account_name").fill(demo["li"][0])
    page.get_by_test_id("input-payee.account_number").fill("6222 0212 3456 7891 233")
    page.get_by_test_id("input-payee.bank_name").fill("中国工商银行北京分行")
    page.get_by_test_id("wizard-create").click()

    page.wait_for_selector("[data-testid=wizard-step-3]")
    missing = page.get_by_test_id("missing-documents")
    client.expect(missing).to_contain_text("其他献血者身份证")
    for kind in KINDS:
        page.get_by_test_id(f"file-{kind}").set_input_files(photo(kind, "#5a9be8"))
        client.expect(page.get_by_test_id(f"status-{kind}")).to_have_text("已上传")
    pledge = page.get_by_test_id("pledge-text").inner_text()
    assert "其他献血者姓名" in pledge and demo["zhang"][0] in pledge and "用血者为其" in pledge
    assert demo["zhang"][1] not in pledge  # masked on screen
    review, reference = sign_review_and_submit(page, client, missing, "12-several-donors")
    assert "其他献血者1" in review and "110105********0215（用血者是其父母）" in review
    card = page.locator(f"[data-testid=claim-card][data-reference='{reference}']")
    card.click()
    client.wait(page, "claim-detail")
    assert page.get_by_test_id("claim-other-donor-0").inner_text() == "张* 110105********0215"  # names masked (issue 11)
    explanation = page.get_by_test_id("claim-explanation").inner_text()
    assert "第1位献血者" in explanation and "第2位献血者" in explanation and "合计可减免" in explanation
    client.shot(page, "12-several-donors-6-detail")

    claims = api.get("/api/v1/claims", headers={"Authorization": f"Bearer {token}"}).json()
    claim = next(c for c in claims if c["reference"] == reference)
    first, second = claim["donors_drawn"]
    assert (first["relationship"], first["covered_ml"], first["reducible_fen"]) == ("parent", 600, 66_000)
    assert second["covered_ml"] > 0 and first["covered_ml"] + second["covered_ml"] <= 1200
    assert claim["eligible_fen"] == first["reducible_fen"] + second["reducible_fen"] <= 132_000
    # The further donor sees the claim that draws on their quota, among their own.
    zhang = signed_in("browser-zhang", demo["zhang"])
    theirs = api.get("/api/v1/claims", headers={"Authorization": f"Bearer {zhang}"}).json()
    assert reference in [c["reference"] for c in theirs]
