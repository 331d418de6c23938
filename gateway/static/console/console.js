// 血费减免 · 运营后台: hash routes, the signed-in staff member and their menu, page guards.
// A page the account may not use shows "无权访问", one that fails shows why: never a blank page.
import { ops, setUnauthorizedHandler, staffSession } from "./js/api.js";
import { PROVINCES, ROLES } from "./js/labels.js";
import { allows, homeHash, MENU, visibleMenu } from "./js/menu.js";
import { account, can, deniedBlock, go, NEXT_KEY, setRouter } from "./js/nav.js";
import { button, h, toast } from "./js/widgets.js";
import { renderLogin } from "./pages/login.js";
import { renderDashboard } from "./pages/dashboard.js";
import { renderQueue } from "./pages/queue.js";
import { renderClaim } from "./pages/claim.js";
import { renderIntake } from "./pages/intake.js";
import { renderDonations } from "./pages/donations.js";
import { renderDisbursements, renderReturns } from "./pages/payments.js";
import { renderReconciliation } from "./pages/reconciliation.js";
import { renderInteropPartners, renderInteropStatements, renderStatements } from "./pages/statements.js";
import { renderUsers } from "./pages/users.js";
import { renderHospitals } from "./pages/hospitals.js";
import { renderCalendar } from "./pages/calendar.js";
import { renderRuleSets, renderSimulation } from "./pages/rulesets.js";
import { renderAudit } from "./pages/audit.js";

const UUID = "([0-9a-fA-F-]{36})";
const ROUTES = [
  { re: /^\/login$/, name: "login", title: "登录", open: true, render: renderLogin },
  { re: /^\/dashboard$/, name: "dashboard", title: "数据看板", menu: "dashboard", render: renderDashboard },
  { re: /^\/review$/, name: "review", title: "审核队列", menu: "review", render: (p, c) => renderQueue(p, c, "review") },
  { re: /^\/review\/second$/, name: "second-review", title: "复核队列", menu: "second",
    render: (p, c) => renderQueue(p, c, "second") },
  { re: /^\/claims$/, name: "claims", title: "申请查询", menu: "claims", render: (p, c) => renderQueue(p, c, "search") },
  { re: new RegExp(`^/claims/${UUID}$`), name: "claim", title: "申请详情",
    needs: ["GET /ops/v1/review/claims/{claim_id}"], render: renderClaim },
  { re: /^\/intake$/, name: "intake", title: "窗口与邮寄受理", menu: "intake", render: renderIntake },
  { re: new RegExp(`^/intake/${UUID}$`), name: "intake", title: "窗口与邮寄受理", menu: "intake", render: renderIntake },
  { re: /^\/donations$/, name: "donations", title: "献血记录导入与补录", menu: "donations", render: renderDonations },
  { re: /^\/payments$/, name: "payments", title: "付款单", menu: "payments", render: renderDisbursements },
  { re: /^\/payments\/returns$/, name: "returns", title: "失败与退回", menu: "returns", render: renderReturns },
  { re: /^\/reconciliation$/, name: "reconciliation", title: "每日对账", menu: "reconciliation", render: renderReconciliation },
  { re: /^\/statements$/, name: "statements", title: "医院结算审批", menu: "statements", render: renderStatements },
  { re: /^\/interop\/statements$/, name: "interop", title: "跨省结算", menu: "interop", render: renderInteropStatements },
  { re: /^\/admin\/users$/, name: "users", title: "用户与角色", menu: "users", render: renderUsers },
  { re: /^\/admin\/hospitals$/, name: "hospitals", title: "医院与接口凭证", menu: "hospitals", render: renderHospitals },
  { re: /^\/admin\/calendar$/, name: "calendar", title: "工作日历与告警", menu: "calendar", render: renderCalendar },
  { re: /^\/admin\/partners$/, name: "partners", title: "跨省合作平台与密钥", menu: "partners", render: renderInteropPartners },
  { re: /^\/admin\/rule-sets$/, name: "rulesets", title: "减免规则", menu: "rulesets", render: renderRuleSets },
  { re: /^\/admin\/rule-sets\/simulate$/, name: "simulate", title: "规则模拟", menu: "simulate", render: renderSimulation },
  { re: /^\/admin\/audit$/, name: "audit", title: "审计日志", menu: "audit", render: renderAudit },
];
const MENU_ITEMS = Object.fromEntries(MENU.flatMap((g) => g.items.map((i) => [i.id, i])));

const shell = document.getElementById("console");
const view = document.getElementById("view");
const menuNode = document.querySelector(".c-menu");
const userNode = document.querySelector(".c-user");
let generation = 0;
let cleanups = [];

function leavePage() {
  for (const node of document.querySelectorAll(".c-modal")) node.remove(); // a dialog belongs to its page
  for (const fn of cleanups.splice(0)) {
    try { fn(); } catch (err) { console.error(err); }
  }
}

setUnauthorizedHandler(() => {
  account.me = null;
  toast("登录已失效，请重新登录", { icon: "warn" });
  if (!location.hash.startsWith("#/login")) {
    sessionStorage.setItem(NEXT_KEY, location.hash);
    location.hash = "#/login";
  }
});
window.addEventListener("pagehide", leavePage);

/** Sign out: the gateway ends every token of this account at once (POST /ops/v1/auth/logout, its
 * token version), then the tab forgets its own; offline, the tab still forgets it. */
async function signOut() {
  if (staffSession.get()) await ops.post("/ops/v1/auth/logout").catch(() => {});
  staffSession.clear();
  account.me = null;
  go("#/login");
}

function renderChrome(active, bare) {
  const me = account.me;
  shell.classList.toggle("is-bare", bare);
  menuNode.hidden = bare;
  userNode.hidden = bare;
  if (bare) return;
  menuNode.replaceChildren(...visibleMenu(me).flatMap((g) => [
    h("div.c-menu__group", g.group),
    ...g.items.map((i) => h("a.c-menu__item", { href: i.hash, class: i.id === active ? "is-active" : "",
      testid: `menu-${i.id}`, "aria-current": i.id === active ? "page" : null }, i.label))]));
  const roles = me.roles.map((r) => ROLES[r] || r).join("、");
  userNode.replaceChildren(
    h("span", { testid: "user-name" }, me.username),
    h("span.c-user__roles", { testid: "user-roles" }, roles + (me.province ? ` · ${PROVINCES[me.province] || me.province}` : " · 全国")),
    h("button", { type: "button", testid: "sign-out", onclick: signOut }, "退出"));
}

function errorBlock(err, retry) {
  const me = account.me;
  if (err && err.status === 403) return deniedBlock(err.message && /[\u4e00-\u9fff]/.test(err.message) ? err.message : undefined);
  if (err && err.status === 404) {
    return h("div.c-denied", { testid: "not-found" }, h("h1", "未找到"), h("p.c-muted", "没有这条记录，或您无权查看。"),
      me && homeHash(me) ? h("p", h("a", { href: homeHash(me) }, "返回首页")) : null);
  }
  return h("div.c-denied", { testid: "page-error" }, h("h1", "加载失败"),
    h("p.c-muted", (err && err.message) || "请稍后重试"), button("重试", { onclick: retry }));
}

async function route() {
  leavePage();
  const mine = ++generation;
  const [rawPath, rawQuery = ""] = (location.hash || "").replace(/^#/, "").split("?");
  const path = rawPath || "/";
  // The account is read again whenever the tab's token changes (another sign-in, a new token).
  if (account.me && account.token !== staffSession.get()?.token) account.me = null;
  if (staffSession.get() && !account.me) {
    try {
      account.token = staffSession.get().token;
      account.me = await ops.get("/ops/v1/me");
    } catch (err) {
      if (mine !== generation) return;
      if (!err || err.status !== 401) { view.replaceChildren(errorBlock(err, route)); return; }
    }
    if (mine !== generation) return;
  }
  if (!staffSession.get()) account.me = null;
  const me = account.me;
  let match = null;
  let params = [];
  for (const r of ROUTES) {
    const m = r.re.exec(path);
    if (m) { match = r; params = m.slice(1); break; }
  }
  if (!me && !(match && match.open)) {
    if (path !== "/" && path !== "/login") sessionStorage.setItem(NEXT_KEY, `#${path}${rawQuery ? `?${rawQuery}` : ""}`);
    location.replace("#/login");
    return;
  }
  if (match && match.name === "login" && me) { location.replace(homeHash(me) || "#/none"); return; }
  if (path === "/" && me) { location.replace(homeHash(me) || "#/none"); return; }
  renderChrome(match && match.menu, !me);
  const name = match ? match.name : "missing";
  document.title = `${match ? match.title : "页面不存在"} · 血费减免运营后台`;
  const page = h("div.c-page", { testid: `page-${name}` });
  view.replaceChildren(page);
  const allowed = match && (match.open || (match.menu ? allows(me, MENU_ITEMS[match.menu])
    : (match.needs || []).every((r) => can(r))));
  if (!match) {
    page.append(path === "/none" ? deniedBlock("您的账号没有可用的运营后台功能，请联系管理员分配角色。")
      : h("div.c-denied", { testid: "not-found" }, h("h1", "页面不存在"), h("p", h("a", { href: homeHash(me) || "#/login" }, "返回首页"))));
    page.dataset.ready = "1";
    return;
  }
  if (!allowed) {
    page.append(deniedBlock());
    page.dataset.ready = "1";
    return;
  }
  const ctx = {
    params, me, can,
    query: new URLSearchParams(rawQuery),
    get stale() { return mine !== generation; },
    onLeave(fn) { if (mine === generation) cleanups.push(fn); else fn(); },
  };
  try {
    await match.render(page, ctx);
  } catch (err) {
    if (ctx.stale) return;
    console.error(err);
    if (err && err.status === 401) return;
    page.replaceChildren(errorBlock(err, route));
  } finally {
    if (!ctx.stale) page.dataset.ready = "1";
  }
}

setRouter(route);
window.addEventListener("hashchange", route);
route();
