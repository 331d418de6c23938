"""服务网点 without signing in: the seeds' offices and blood stations, searchable, tap to call."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.e2e


def test_stations_are_listed_searchable_and_callable_without_sign_in(new_page, client) -> None:
    page = new_page()
    page.goto("/")
    client.wait(page, "login")
    page.get_by_test_id("link-stations").click()
    client.wait(page, "stations")
    count = page.get_by_test_id("stations-count")
    client.expect(count).to_have_text("共 48 个网点")  # 21 Beijing offices + 27 Guizhou stations
    client.shot(page, "12-stations")

    page.get_by_test_id("stations-search").fill("通州")
    client.expect(page.get_by_test_id("station")).to_have_count(1)
    station = page.get_by_test_id("station").first
    assert "通州区献血办" in station.inner_text()
    assert "周一至周五" in station.inner_text()
    assert station.get_by_test_id("station-phone").get_attribute("href") == "tel:010-69548932"
    assert station.get_by_test_id("method-onsite").is_visible()
    assert station.get_by_test_id("method-mail").is_visible()

    page.get_by_test_id("stations-search").fill("遵义")
    page.get_by_test_id("stations-filter-52").click()
    client.expect(count).to_have_text("共 8 个网点")  # 遵义市 and its counties
    client.shot(page, "13-stations-search")

    page.get_by_test_id("stations-search").fill("印江")
    client.expect(page.get_by_test_id("station")).to_have_count(1)
    phone = page.get_by_test_id("station-phone")
    assert phone.get_attribute("href") == "tel:0856-3903000,8050"  # 转: dial the extension


def test_stations_api_filters_and_reports_bad_input(api: httpx.Client) -> None:
    beijing = api.get("/api/v1/stations", params={"province": "11", "q": "密云"}).json()
    assert [s["phones"] for s in beijing] == [["010-69056479", "010-69082756"]]
    assert beijing[0]["methods"] == ["onsite", "mail"]
    bad = api.get("/api/v1/stations", params={"province": "Beijing"})
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert bad.json()["errors"][0]["field"] == "province"
