"""Issue 11.9: security headers on every HTML page; the browser client's session in an HttpOnly,
SameSite=Strict cookie that the page's scripts cannot read (API clients keep the bearer)."""

from __future__ import annotations

import httpx

from tests.gateway.test_donor_sign_in import DONOR, latest_code, registry  # noqa: F401 - fixture


async def test_html_pages_carry_a_strict_csp_and_the_other_headers(gateway: httpx.AsyncClient) -> None:
    for path in ("/", "/docs", "/ops/v1/docs", "/his/v1/docs"):
        page = await gateway.get(path)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html"), path
        csp = page.headers["content-security-policy"]
        assert "script-src 'self';" in csp and "style-src 'self';" in csp and "unsafe" not in csp
        assert "frame-ancestors 'none'" in csp and page.headers["x-frame-options"] == "DENY"
        assert page.headers["x-content-type-options"] == "nosniff"
        assert page.headers["referrer-policy"] == "no-referrer"
        assert "<script>" not in page.text and " style=" not in page.text, path  # nothing inline to allow
    api = await gateway.get("/api/v1/stations")
    assert api.headers["x-content-type-options"] == "nosniff" and "content-security-policy" not in api.headers


async def test_the_swagger_pages_start_from_a_static_script(gateway: httpx.AsyncClient) -> None:
    init = await gateway.get("/docs/swagger-init.js")
    assert init.status_code == 200 and init.headers["content-type"].startswith("text/javascript")
    assert "SwaggerUIBundle" in init.text and "validatorUrl: null" in init.text


async def test_the_browser_session_is_an_httponly_strict_cookie(gateway: httpx.AsyncClient, registry) -> None:  # noqa: F811
    code = (await gateway.post("/api/v1/dev/wx-code", json={"openid": "wx-cookie"})).json()["code"]
    login = await gateway.post("/api/v1/auth/wx-login", json={"code": code, "session": "cookie"})
    assert login.status_code == 200 and login.json()["access_token"] is None  # nothing for a script to read
    set_cookie = login.headers["set-cookie"]
    assert set_cookie.startswith("xf_session=") and "HttpOnly" in set_cookie
    assert "SameSite=strict" in set_cookie or "SameSite=Strict" in set_cookie
    assert "Path=/api/v1" in set_cookie
    assert (await gateway.get("/api/v1/me")).json()["bound"] is False  # the cookie alone signs in
    started = await gateway.post("/api/v1/auth/bind/start",
                                 json={"name": "张三", "cert_type": "resident_id", "cert_number": DONOR})
    verified = await gateway.post("/api/v1/auth/bind/verify", json={
        "challenge_id": started.json()["challenge_id"], "code": await latest_code(gateway)})
    assert verified.status_code == 200, verified.text
    assert (await gateway.get("/api/v1/me/certificate")).status_code == 200
    out = await gateway.post("/api/v1/auth/logout")
    assert out.status_code == 200 and 'xf_session=""' in out.headers["set-cookie"]
    gateway.cookies.clear()
    assert (await gateway.get("/api/v1/me")).status_code == 401


async def test_api_clients_keep_the_bearer(gateway: httpx.AsyncClient) -> None:
    code = (await gateway.post("/api/v1/dev/wx-code", json={"openid": "wx-bearer"})).json()["code"]
    login = await gateway.post("/api/v1/auth/wx-login", json={"code": code})
    assert login.json()["access_token"] and "set-cookie" not in login.headers
