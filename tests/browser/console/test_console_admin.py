"""管理 in the console: an admin creates a user who then signs in to their own menu; a new password
and signing out end the account's sessions; pages a user may not use answer with sign-in or
"无权访问", never a blank page; the dashboard draws the figures
of its route; the audit log finds an unmasked view; the calendar takes a new year's day off."""

from __future__ import annotations

import uuid

import pytest

from tests.browser.console.conftest import STAFF
from tests.support.dates import today

pytestmark = pytest.mark.e2e


def test_an_admin_creates_a_user_who_signs_in_to_their_own_menu(new_desk, desk) -> None:
    page = new_desk()
    page.goto("/console/")
    desk.wait(page, "login")
    desk.sign_in(page, "admin", "wrong password")
    desk.expect(page.get_by_test_id("form-alert")).to_contain_text("用户名或密码错误")
    from tests.browser.conftest import ADMIN_PASSWORD

    desk.sign_in(page, "admin", ADMIN_PASSWORD)
    desk.wait(page, "dashboard")
    page.get_by_test_id("menu-users").click()
    desk.wait(page, "users")
    username = f"bj_rev_{uuid.uuid4().hex[:6]}"
    form = page.get_by_test_id("new-user-form")
    form.get_by_test_id("input-username").fill(username)
    form.get_by_test_id("input-password").fill("a new reviewer passphrase")
    form.get_by_test_id("input-province").select_option("11")
    page.get_by_test_id("new-user-submit").click()
    desk.expect(form.get_by_test_id("error-roles")).to_be_visible()  # no role chosen: the API says so
    page.get_by_test_id("role-reviewer").check()
    page.get_by_test_id("new-user-submit").click()
    desk.expect(page.get_by_test_id("user-created")).to_contain_text(f"已创建用户 {username}（审核员）")
    row = page.locator(f"[data-testid=user-row][data-username='{username}']")
    desk.expect(row).to_contain_text("北京市")
    desk.shot(page, "30-admin-created-a-user")

    newcomer = new_desk()
    newcomer.goto("/console/#/admin/users")
    desk.wait(newcomer, "login")
    desk.sign_in(newcomer, username, "a new reviewer passphrase")
    desk.wait(newcomer, "users")  # back to the page asked for, which this role may not use
    desk.expect(newcomer.get_by_test_id("no-access")).to_contain_text("无权访问")
    assert [m.inner_text() for m in newcomer.locator(".c-menu__item").all()] == ["数据看板", "审核队列"]
    desk.shot(newcomer, "31-no-access")

    # The admin makes them a senior reviewer too: the second-review queue and their province's audit
    # log appear as soon as the console reloads (the menu follows the roles, GET /ops/v1/me).
    row.get_by_test_id("user-edit").click()
    page.get_by_test_id("edit-role-senior_reviewer").check()
    page.get_by_test_id("modal-confirm").click()
    desk.expect(row).to_contain_text("审核员、复核员")
    newcomer.reload()
    desk.wait(newcomer, "users")
    assert [m.inner_text() for m in newcomer.locator(".c-menu__item").all()] == ["数据看板", "审核队列", "复核队列",
                                                                                     "审计日志"]


def test_a_new_password_and_signing_out_end_the_accounts_sessions(new_desk, desk, ops, api) -> None:
    """The gateway's token versions (issue 11): an admin's password reset ends the account's open
    sessions at once, and the console's 退出 ends them on the server (POST /ops/v1/auth/logout)."""
    username = f"bj_out_{uuid.uuid4().hex[:6]}"
    ops.call("POST", "/ops/v1/users", "admin", json={
        "username": username, "password": "the first passphrase", "roles": ["reviewer"], "province": "11"})
    page = new_desk()
    page.goto("/console/#/review")
    desk.wait(page, "login")
    desk.sign_in(page, username, "the first passphrase")
    desk.wait(page, "review")

    admin = new_desk()
    desk.open_as(admin, "admin", "#/admin/users", "users")
    admin.locator(f"[data-testid=user-row][data-username='{username}']").get_by_test_id("user-password").click()
    admin.get_by_test_id("reset-password").fill("the second passphrase")
    admin.get_by_test_id("modal-confirm").click()
    desk.expect(admin.get_by_test_id("password-dialog")).to_have_count(0)

    page.get_by_test_id("menu-dashboard").click()  # the next request: the old token no longer works
    desk.wait(page, "login")
    desk.sign_in(page, username, "the first passphrase")
    desk.expect(page.get_by_test_id("form-alert")).to_contain_text("用户名或密码错误")
    desk.sign_in(page, username, "the second passphrase")
    desk.wait(page, "dashboard")  # back where the session ended
    token = page.evaluate("() => JSON.parse(sessionStorage.getItem('xuefei.staff')).token")
    assert api.get("/ops/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    page.get_by_test_id("sign-out").click()
    desk.wait(page, "login")
    assert page.evaluate("() => sessionStorage.getItem('xuefei.staff')") is None
    assert api.get("/ops/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_a_page_not_allowed_is_sign_in_or_no_access_never_blank(new_desk, desk) -> None:
    page = new_desk()
    page.goto("/console/#/reconciliation")
    desk.wait(page, "login")  # not signed in
    desk.open_as(page, "operator", "#/reconciliation", "reconciliation")
    desk.expect(page.get_by_test_id("no-access")).to_contain_text("当前账号：c_operator（受理员）")
    page.goto("/console/#/admin/audit")
    desk.wait(page, "audit")
    desk.expect(page.get_by_test_id("no-access")).to_be_visible()
    page.goto("/console/#/claims/00000000-0000-0000-0000-000000000000")
    desk.wait(page, "claim")
    desk.expect(page.get_by_test_id("not-found")).to_contain_text("没有这条记录")
    page.goto("/console/#/no/such/page")
    desk.wait(page, "missing")
    desk.expect(page.get_by_test_id("not-found")).to_contain_text("页面不存在")
    # A token that no longer works (expired, or the account disabled) leads back to sign-in.
    page.evaluate("() => sessionStorage.setItem('xuefei.staff', JSON.stringify({token: 'expired', expires_at: null}))")
    page.goto("/console/#/intake")
    desk.wait(page, "login")
    assert page.get_by_test_id("menu").is_hidden()


def test_the_dashboard_draws_the_figures_of_its_route(new_desk, desk, ops) -> None:
    figures = ops.call("GET", "/ops/v1/dashboard", "admin", params={"province": "11"})
    page = new_desk()
    desk.open_as(page, "admin", "#/dashboard", "dashboard")
    page.get_by_test_id("dashboard-province").select_option("11")
    desk.expect(page.get_by_test_id("dashboard")).to_have_attribute("data-as-of", today().isoformat())
    desk.expect(page.get_by_test_id("kpi-overdue")).to_contain_text(str(figures["overdue_now"]))
    bars = page.get_by_test_id("chart-channels").locator("g[data-label]")
    drawn = {g.get_attribute("data-label"): int(g.get_attribute("data-value")) for g in bars.all()}
    labels = {"online": "线上", "hospital": "医院代办", "counter": "窗口", "mail": "邮寄"}
    assert drawn == {labels[c["channel"]]: c["claims"] for c in figures["channels"]}
    assert drawn["窗口"] >= 1
    weeks = page.get_by_test_id("chart-on-time").locator("g[data-label]")
    assert weeks.count() == len(figures["weeks"]) == 12
    for name in ("chart-median", "chart-direct", "chart-paid"):
        assert page.get_by_test_id(name).locator("svg").count() == 1
    desk.shot(page, "32-dashboard")


def test_the_audit_log_finds_who_viewed_a_claim_in_full(new_desk, desk, ops) -> None:
    claim = ops.submitted_claim(items=[{"product": "plasma", "quantity": 1}], blood_fee_fen=4_000)
    ops.call("GET", f"/ops/v1/claims/{claim['id']}/unmasked", "reviewer", params={"reason": "电话核实申请人"})
    page = new_desk()
    desk.open_as(page, "admin", f"#/admin/audit?actor={STAFF['reviewer'][0]}", "audit")
    row = page.locator(f"[data-testid=audit-row][data-reference='{claim['reference']}']")
    desk.expect(row).to_have_count(1)
    assert row.get_attribute("data-action") == "viewed_unmasked" and "电话核实申请人" in row.inner_text()
    page.get_by_test_id("audit-actor").fill("")
    page.get_by_test_id("audit-reference").fill(claim["reference"])
    page.get_by_test_id("audit-search").click()
    desk.expect(page.locator("[data-testid=audit-row][data-action=submitted]")).to_have_count(1)
    desk.shot(page, "33-audit-log")


def test_the_admin_enters_a_day_off_of_a_year_not_yet_covered(new_desk, desk) -> None:
    page = new_desk()
    year = today().year + 2
    desk.open_as(page, "admin", f"#/admin/calendar?year={year}", "calendar")
    desk.expect(page.get_by_test_id("year-status")).to_contain_text("尚未覆盖")
    page.get_by_test_id("day-date").fill(f"{year}-01-01")
    page.get_by_test_id("day-note").fill(f"{year}年元旦")
    page.get_by_test_id("day-submit").click()
    desk.expect(page.get_by_test_id("overrides")).to_contain_text(f"{year}年元旦")
    desk.shot(page, "34-calendar")
