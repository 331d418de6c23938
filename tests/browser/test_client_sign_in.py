"""Sign-in like a mini-program: a wx.login() code from the sandbox panel, then the identity bound
with name, ID number and the SMS code sent to the phone on the donor's records."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest

pytestmark = pytest.mark.e2e


def test_sign_in_and_bind_with_a_wrong_then_the_right_sms_code(
        new_page, client, demo, api: httpx.Client) -> None:
    page = new_page()
    page.goto("/")
    client.wait(page, "login")
    assert page.get_by_test_id("dev-panel").is_visible()
    assert "沙箱" in page.get_by_test_id("dev-panel").inner_text()
    client.shot(page, "01-sign-in")

    page.get_by_test_id("dev-openid").fill(f"browser-{uuid.uuid4().hex[:10]}")
    page.get_by_test_id("login-wechat").click()
    page.wait_for_selector("[data-testid=bind-form]")
    name, cert = demo["zhang"]
    page.get_by_test_id("input-name").fill(name)
    page.get_by_test_id("input-cert_number").fill(cert)
    page.get_by_test_id("bind-send-code").click()
    page.wait_for_selector("[data-testid=bind-message]:not([hidden])")
    # The sandbox panel shows the SMS "sent" to the phone on 张三's records (138****8000).
    messages = api.get("/api/v1/dev/sms").json()
    assert messages[0]["phone_masked"] == "138****8000"
    code = re.search(r"验证码\s*(\d{6})", messages[0]["text"]).group(1)  # type: ignore[union-attr]
    client.expect(page.get_by_test_id("dev-sms").first).to_contain_text(f"验证码 {code}")

    page.get_by_test_id("input-code").fill("000000" if code != "000000" else "111111")
    page.get_by_test_id("bind-submit").click()
    error = page.get_by_test_id("error-code")
    error.wait_for(state="visible")
    assert "验证码错误" in error.inner_text()
    client.shot(page, "02-bind-wrong-sms-code")

    page.get_by_test_id("input-code").fill(code)
    page.get_by_test_id("bind-submit").click()
    client.wait(page, "home")
    assert page.get_by_test_id("cert-name").inner_text() == "张*"
    assert page.get_by_test_id("cert-id").inner_text().endswith("110105********0215")
    assert cert not in page.content()  # masked data only

    # The session is an HttpOnly cookie: no script on the page can read it, nor is it stored anywhere else.
    cookie = next(c for c in page.context.cookies() if c["name"] == "xf_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/api/v1"
    token = cookie["value"]
    assert "xf_session" not in page.evaluate("document.cookie")
    assert token not in page.evaluate("JSON.stringify(localStorage) + JSON.stringify(sessionStorage)")
    # Sign out: back to sign-in, the old token stops working, protected pages need sign-in again.
    page.get_by_test_id("logout").click()
    page.get_by_test_id("dialog-confirm").click()
    client.wait(page, "login")
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    page.goto("/#/claims")
    client.wait(page, "login")
    assert page.get_by_test_id("login-wechat").is_visible()


def test_an_expired_session_goes_back_to_sign_in(new_page, client) -> None:
    page = new_page()
    page.goto("/#/stations")
    client.wait(page, "stations")
    client.set_session(page, "revoked-or-expired")
    page.goto("/#/home")
    client.wait(page, "login")
    assert page.evaluate("localStorage.getItem('xuefei.session')") is None
    assert page.get_by_test_id("login-wechat").is_visible()
    client.shot(page, "03-session-expired")


def test_a_session_past_its_lifetime_is_not_used(new_page, client) -> None:
    page = new_page()
    page.goto("/#/stations")
    client.wait(page, "stations")
    client.set_session(page, "x", expires_at=1_000)  # long past
    page.goto("/#/quota")
    client.wait(page, "login")
