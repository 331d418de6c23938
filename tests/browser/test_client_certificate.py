"""The e-certificate of a seeded donor: numbers on the home page, records, quota and an estimate."""

from __future__ import annotations

import httpx
import pytest

from stack.demo import demo_records

pytestmark = pytest.mark.e2e


def test_certificate_shows_the_seeded_donors_numbers_masked(
        new_page, client, signed_in, demo, api: httpx.Client) -> None:
    token = signed_in("browser-zhang", demo["zhang"])
    certificate = api.get("/api/v1/me/certificate", headers={"Authorization": f"Bearer {token}"})
    beijing = certificate.json()["provinces"][0]
    page = new_page()
    client.open_as(page, token, "#/home", "home")

    assert page.get_by_test_id("cert-name").inner_text() == "张*"
    assert "110105********0215" in page.get_by_test_id("cert-id").inner_text()
    assert page.get_by_test_id("cert-count").inner_text().startswith("5")  # 400 mL counts twice
    assert page.get_by_test_id("cert-volume").inner_text().startswith("1,200")
    assert page.get_by_test_id("quota-self").inner_text() == "终身无限量"  # Beijing: over 1,000 mL
    relatives = f"{beijing['relatives_remaining_ml']} mL"
    assert page.get_by_test_id("quota-relatives").inner_text() == relatives
    window = page.get_by_test_id("quota-relatives-window").inner_text()
    assert beijing["relatives_window_ends_on"] in window
    assert "铜奖" in page.get_by_test_id("honour-next").inner_text()
    assert "还需献血 15 次" in page.get_by_test_id("honour-next").inner_text()
    assert demo["zhang"][1] not in page.content()
    client.shot(page, "04-certificate-home")


def test_donation_records_by_date_and_place(new_page, client, signed_in, demo) -> None:
    page = new_page()
    client.open_as(page, signed_in("browser-zhang", demo["zhang"]), "#/home", "home")
    page.get_by_test_id("entry-donations").click()
    client.wait(page, "donations")
    rows = page.get_by_test_id("donation")
    assert rows.count() == 4
    # The demo's dates are relative to the day the stack was seeded (today), newest first.
    zhang = [r["donated_on"] for r in demo_records() if r["name"] == "张三"]
    assert [rows.nth(i).get_attribute("data-date") for i in range(4)] == sorted(zhang, reverse=True)
    assert "驻军采供血机构" in rows.nth(1).inner_text()
    assert "机采血小板 1 个治疗量" in rows.nth(0).inner_text()
    client.shot(page, "05-donation-records")


def test_quota_page_estimates_a_planned_use_with_the_explanation(
        new_page, client, signed_in, demo) -> None:
    page = new_page()
    client.open_as(page, signed_in("browser-zhang", demo["zhang"]), "#/quota", "quota")
    assert page.get_by_test_id("quota-page-self").inner_text() == "终身无限量"
    page.get_by_test_id("input-relationship").select_option("self")
    page.get_by_test_id("item-product-0").select_option("whole_blood")
    page.get_by_test_id("item-quantity-0").fill("3")
    page.get_by_test_id("input-blood_fee_fen").fill("700.00")
    page.get_by_test_id("estimate-submit").click()
    # 3 x 200 mL at 220.00 yuan per 200 mL = 660.00, under the 700.00 on the bill
    client.expect(page.get_by_test_id("estimate-amount")).to_have_text("¥660.00")
    explanation = page.get_by_test_id("estimate-explanation").inner_text()
    assert "BJ-2009" in explanation
    assert "660.00" in explanation
    client.shot(page, "06-quota-and-estimate")

    page.get_by_test_id("item-quantity-0").fill("0")
    page.get_by_test_id("estimate-submit").click()
    error = page.locator("[data-error-for='items[0]']")  # the API's usage error, on its row
    error.wait_for(state="visible")
    assert "须大于 0" in error.inner_text()
