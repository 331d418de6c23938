"""The client and the API docs under their security headers: a CSP without inline script or
style, no framing, nosniff, no referrer; both still work (a CSP violation fails every browser test)."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.e2e


def test_every_html_page_carries_the_security_headers(api: httpx.Client) -> None:
    for path in ("/", "/index.html", "/docs", "/ops/v1/docs", "/api/v1/docs"):
        response = api.get(path)
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/html"), path
        csp = response.headers["content-security-policy"]
        assert "script-src 'self';" in csp and "'unsafe-inline'" not in csp, path
        assert "frame-ancestors 'none'" in csp, path
        assert response.headers["x-content-type-options"] == "nosniff", path
        assert response.headers["referrer-policy"] == "no-referrer", path
        assert "<script>" not in response.text and "style=" not in response.text, path


def test_swagger_ui_renders_under_the_csp(new_page) -> None:
    page = new_page()
    page.goto("/ops/v1/docs")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "运营 API" in page.locator(".swagger-ui .info .title").inner_text()
    assert page.locator(".opblock").count() > 10
