"""The ops console (运营后台) in Chromium, on the same real `make run` as the client's tests.

Pages are desktop-sized. The console runs under the gateway's own Content Security Policy (no
inline script or style, kit/security_headers.py): a console page served without it, a CSP
violation or a JavaScript error on any page fails the test. Screenshots go to
test-artifacts/screenshots/.
"""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image, ImageDraw

from kit.security_headers import CSP
from services.claims.calendar.workdays import PACKAGE_YEARS
from tests.browser.conftest import ADMIN_PASSWORD, SCREENSHOTS, ZHANG, Client
from tests.e2e.running import RunningStack
from tests.support.calendar import STAND_IN_HOLIDAYS, years_to_cover
from tests.support.dates import iso_days_ago, today

PASSWORD = "console test passphrase"
CONSOLE_HTML = re.compile(r"/console/(index\.html)?(\?.*)?$")
# Staff the console tests sign in as (Beijing, like the demo donors); created once per session.
STAFF = {
    "operator": ("c_operator", ["station_operator"], "11"),
    "reviewer": ("c_reviewer", ["reviewer"], "11"),
    "senior": ("c_senior", ["senior_reviewer"], "11"),
    "finance": ("c_finance", ["finance"], "11"),
}


def photo(label: str, colour: str, size: tuple[int, int] = (900, 600)) -> bytes:
    """A scan stand-in: a coloured page with a frame and its name."""
    image = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, size[0] - 20, size[1] - 20), outline="white", width=8)
    draw.text((50, 50), label, fill="white")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def claim_body(*, items: list[dict[str, Any]], blood_fee_fen: int, total_fen: int = 2_000_000,
               channel: str = "counter", card: str = "6222021234567891234") -> dict[str, Any]:
    """张三 (demo donor, unlimited in Beijing) claims blood used three weeks ago."""
    name, cert = ZHANG
    person = {"cert_type": "resident_id", "cert_number": cert, "name": name}
    return {
        "province": "11", "channel": channel, "donor": {**person, "phone": "13800138000"}, "beneficiary": person,
        "relationship": "self", "kinship_evidence": None, "agent": None, "donor_deceased": False,
        "usage": {"hospital_name": "河北医科大学第二医院", "usage_province": "13", "used_on": iso_days_ago(21),
                  "paid_on": iso_days_ago(16), "items": items},
        "invoice": {"code": "130100226", "number": f"C{uuid.uuid4().hex[:10].upper()}", "check_code": "a1b2",
                    "issued_on": iso_days_ago(16), "total_fen": total_fen, "blood_fee_fen": blood_fee_fen},
        "payee": {"account_name": name, "account_number": card, "bank_name": "中国工商银行"},
    }


class Ops:
    """The ops API as the tests arrange things with it (what a browser test is not about)."""

    def __init__(self, api: httpx.Client, stack: RunningStack) -> None:
        self.api, self.stack = api, stack
        self.tokens: dict[str, str] = {}

    def token(self, username: str, password: str = PASSWORD) -> str:
        if username not in self.tokens:
            response = self.api.post("/ops/v1/auth/token", data={"username": username, "password": password})
            assert response.status_code == 200, response.text
            self.tokens[username] = response.json()["access_token"]
        return self.tokens[username]

    def headers(self, who: str) -> dict[str, str]:
        username = "admin" if who == "admin" else STAFF[who][0]
        return {"Authorization": f"Bearer {self.token(username, ADMIN_PASSWORD if who == 'admin' else PASSWORD)}"}

    def call(self, method: str, path: str, who: str, **kwargs: Any) -> Any:
        response = self.api.request(method, path, headers=self.headers(who), **kwargs)
        assert response.status_code < 300, f"{method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content else None

    def submitted_claim(self, **body: Any) -> dict[str, Any]:
        """Registered at the counter by the operator, with four scanned papers, and submitted."""
        claim = self.call("POST", "/ops/v1/claims", "operator", json=claim_body(**body))
        for kind, colour in zip(("donor_id_front", "donor_id_back", "fee_list", "invoice"),
                                ("#3b7dd8", "#d9823b", "#4caf50", "#8e44ad"), strict=True):
            self.call("POST", f"/ops/v1/claims/{claim['id']}/documents", "operator", data={"kind": kind},
                      files={"file": (f"{kind}.jpg", photo(kind, colour), "image/jpeg")})
        return dict(self.call("POST", f"/ops/v1/claims/{claim['id']}/submit", "operator"))

    def bank_url(self) -> str:
        match = re.search(r"payments bank channel:\s+(http://\S+)", self.stack.output())
        assert match, "the bank sandbox's address is not in make run's banner"
        return match.group(1)


@pytest.fixture(scope="session")
def ops(api: httpx.Client, running_stack: RunningStack) -> Ops:
    """Admin creates the console's staff once; the calendar covers the years a due date can reach
    (make run's fresh database knows only the years the package ships: ops enter the rest)."""
    helper = Ops(api, running_stack)
    existing = {u["username"] for u in helper.call("GET", "/ops/v1/users", "admin")}
    for username, roles, province in STAFF.values():
        if username not in existing:
            helper.call("POST", "/ops/v1/users", "admin", json={
                "username": username, "password": PASSWORD, "roles": roles, "province": province})
    for year in years_to_cover(today()):
        for month, day, note in STAND_IN_HOLIDAYS:
            helper.call("PUT", f"/ops/v1/calendar/days/{date(year, month, day)}", "admin",
                        json={"working": False, "note": note})
        helper.call("POST", f"/ops/v1/calendar/years/{year}", "admin")
    assert max(PACKAGE_YEARS) >= today().year or years_to_cover(today())
    return helper


class Desk(Client):
    """What the tests do to the console besides clicking (the client's `expect` and `wait`, the
    same page markers): open a page signed in as a staff member, sign in, screenshot."""

    def __init__(self, ops: Ops) -> None:
        self.ops = ops

    def open_as(self, page: Any, who: str, hash_: str, name: str) -> None:  # type: ignore[override]
        """The console on `hash_`, signed in as `who` (the token a sign-in would keep for the tab)."""
        username = "admin" if who == "admin" else STAFF[who][0]
        token = self.ops.token(username, ADMIN_PASSWORD if who == "admin" else PASSWORD)
        page.goto("/console/#/login")
        self.wait(page, "login")
        page.evaluate("t => sessionStorage.setItem('xuefei.staff', JSON.stringify({token: t, expires_at: null}))",
                      token)
        page.goto(f"/console/{hash_}")
        self.wait(page, name)

    @staticmethod
    def sign_in(page: Any, username: str, password: str) -> None:
        page.get_by_test_id("input-username").fill(username)
        page.get_by_test_id("input-password").fill(password)
        page.get_by_test_id("login-submit").click()

    @staticmethod
    def shot(page: Any, name: str) -> Path:  # type: ignore[override]
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.evaluate("() => document.querySelectorAll('.x-toast').forEach((n) => n.remove())")
        path = SCREENSHOTS / f"console-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture(scope="session")
def desk(ops: Ops) -> Desk:
    return Desk(ops)


@pytest.fixture
def new_desk(browser: Any, running_stack: RunningStack) -> Iterator[Callable[[], Any]]:
    """Desktop pages (1440 x 900) under the gateway's CSP; a console page without it, a JavaScript
    error or a CSP violation on any of them fails the test."""
    contexts: list[Any] = []
    errors: list[str] = []

    def under_csp(response: Any) -> None:
        if CONSOLE_HTML.search(response.url) and response.headers.get("content-security-policy") != CSP:
            errors.append(f"{response.url} served without the gateway's CSP")

    def make() -> Any:
        context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN",
                                      timezone_id="Asia/Shanghai", base_url=running_stack.url, accept_downloads=True)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.on("response", under_csp)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda msg: errors.append(msg.text)
                if msg.type == "error" and "Content Security Policy" in msg.text else None)
        return page

    yield make
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors or CSP violations in the console: {errors}"
