"""Real-browser tests of the donor's client: a real `make run` on free loopback ports (fresh
DATA_DIR, sandbox mode, demo donors) and headless Chromium driven by Playwright.

Chromium is Debian's `chromium` package, not a Playwright download; without it (or without the
`playwright` package) these tests fail with the command that installs it, never skip.
Screenshots of every page go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from stack.processes import free_port
from tests.e2e.running import ROOT, RunningStack

SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
# What the client keeps after sign-in (gateway/static/js/api.js): the session itself is an HttpOnly
# cookie; the page keeps only a hint (when it ends, whether bound).
SET_SESSION = """s => localStorage.setItem('xuefei.session',
    JSON.stringify({expires_at: s.expires_at, bound: true}))"""
SESSION_COOKIE = "xf_session"
ADMIN_PASSWORD = "browser-admin-password"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
INSTALL_CHROMIUM = ("Chromium is missing. Install Debian's package: `sudo apt-get update && "
                    "sudo apt-get install -y chromium fonts-noto-cjk` (or set CHROMIUM_PATH to a "
                    "Chromium binary); `make test` does this when run as root.")
INSTALL_PLAYWRIGHT = ("The `playwright` Python package is missing: "
                      "`.venv/bin/pip install -c constraints.txt -e '.[dev]'`.")

# Demo donors `make run` seeds on a fresh data dir (stack/demo.py).
ZHANG = ("张三", "110105198503120215")
LI = ("李四", "110108199007080326")


def chromium_path() -> str:
    for candidate in (os.environ.get("CHROMIUM_PATH"), "/usr/bin/chromium",
                      shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    pytest.fail(INSTALL_CHROMIUM, pytrace=False)


@pytest.fixture(scope="session")
def running_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """One real `make run` for every browser test; stopped like Ctrl-C at the end."""
    data_dir: Path = tmp_path_factory.mktemp("browser-stack") / "var"
    stack = RunningStack(data_dir, free_port(), ADMIN_PASSWORD)
    try:
        stack.wait_ready(timeout_s=180)  # a busy CI machine starts the whole stack slowly
        with httpx.Client(base_url=stack.url, timeout=10, trust_env=False) as client:
            if client.get("/api/v1/dev/sms").status_code != 200:
                pytest.fail("`make run` does not serve the sandbox dev panel (/api/v1/dev/*): "
                            "the client's sign-in needs sandbox mode and the WeChat sandbox",
                            pytrace=False)
        yield stack
    finally:
        if stack.proc.poll() is None:
            os.killpg(stack.proc.pid, signal.SIGINT)
            stack.proc.wait(timeout=60)


@pytest.fixture(scope="session")
def api(running_stack: RunningStack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=running_stack.url, timeout=30, trust_env=False) as client:
        yield client


def latest_sms_code(api: httpx.Client) -> str:
    messages = api.get("/api/v1/dev/sms").json()
    assert messages, "no SMS was sent: is the demo donor seeded by `make run`?"
    match = re.search(r"验证码\s*(\d{6})", messages[0]["text"])
    assert match, messages[0]
    return match.group(1)


@pytest.fixture(scope="session")
def signed_in(api: httpx.Client) -> Callable[[str, tuple[str, str]], str]:
    """A bound session token per WeChat test user, made through the API once and reused (binding is
    rate limited per ID number)."""
    tokens: dict[str, str] = {}

    def make(openid: str, person: tuple[str, str]) -> str:
        if openid not in tokens:
            code = api.post("/api/v1/dev/wx-code", json={"openid": openid}).json()["code"]
            token = api.post("/api/v1/auth/wx-login", json={"code": code}).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            started = api.post("/api/v1/auth/bind/start", headers=headers, json={
                "name": person[0], "cert_type": "resident_id", "cert_number": person[1]})
            assert started.status_code == 200, started.text
            verified = api.post("/api/v1/auth/bind/verify", headers=headers, json={
                "challenge_id": started.json()["challenge_id"], "code": latest_sms_code(api)})
            assert verified.status_code == 200, (
                f"{person[0]} could not bind (seeded by make run?): {verified.text}")
            tokens[openid] = token
        return tokens[openid]

    return make


@pytest.fixture(scope="session")
def browser(running_stack: RunningStack) -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail(INSTALL_PLAYWRIGHT, pytrace=False)
    executable = chromium_path()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def new_page(browser: Any, running_stack: RunningStack) -> Iterator[Callable[[], Any]]:
    """Phone-sized pages (375 x 812, touch); a JavaScript error or a CSP violation on any of them fails
    the test."""
    contexts: list[Any] = []
    errors: list[str] = []

    def make() -> Any:
        context = browser.new_context(viewport={"width": 375, "height": 812}, device_scale_factor=2,
                                      is_mobile=True, has_touch=True, locale="zh-CN",
                                      timezone_id="Asia/Shanghai", base_url=running_stack.url)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        # The pages run under a strict CSP (kit/security_headers.py): anything it blocks fails the test.
        page.on("console", lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None)
        return page

    yield make
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors in the client: {errors}"


class Client:
    """What the tests do to the client besides clicking: wait for a page, sign in, screenshot."""

    screenshots = SCREENSHOTS

    @staticmethod
    def expect(target: Any) -> Any:
        """Playwright's retrying assertions (imported late: a missing package fails with a hint)."""
        from playwright.sync_api import expect

        return expect(target)

    @staticmethod
    def wait(page: Any, name: str) -> None:
        page.wait_for_selector(f"[data-testid=page-{name}][data-ready]")

    def open_as(self, page: Any, token: str, hash_: str, page_name: str) -> None:
        """Start the client with a bound session (as right after sign-in) on `hash_`."""
        page.goto("/#/stations")
        self.wait(page, "stations")
        self.set_session(page, token)
        page.goto(f"/{hash_}")
        self.wait(page, page_name)

    @staticmethod
    def set_session(page: Any, token: str, expires_at: int | None = None) -> None:
        """As after sign-in: the session cookie (HttpOnly, SameSite=Strict, /api/v1) and the page's hint."""
        page.context.add_cookies([{"name": SESSION_COOKIE, "value": token, "domain": "127.0.0.1",
                                   "path": "/api/v1", "httpOnly": True, "sameSite": "Strict"}])
        page.evaluate(SET_SESSION, {"expires_at": expires_at})

    @staticmethod
    def shot(page: Any, name: str) -> Path:
        """A full-page screenshot; toasts removed and the tab bar kept at the foot of the page."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.evaluate("""() => {
            document.querySelectorAll('.x-toast').forEach((n) => n.remove());
            // Through the CSSOM, which the page's CSP allows (a <style> element it would refuse).
            const bar = document.querySelector('.x-tabbar');
            if (bar) {
                bar.style.setProperty('position', 'absolute', 'important');
                bar.style.setProperty('left', '0', 'important');
                bar.style.setProperty('transform', 'none', 'important');
            }
            window.scrollTo(0, 0);
        }""")
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture(scope="session")
def client() -> Client:
    return Client()


@pytest.fixture(scope="session")
def demo() -> dict[str, tuple[str, str]]:
    """Demo donors `make run` seeds on a fresh data dir (stack/demo.py): name and ID number."""
    return {"zhang": ZHANG, "li": LI}
