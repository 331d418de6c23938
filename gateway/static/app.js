// 全国电子无偿献血证: hash routes, session guard, navigation bar and tab bar.
import { session, setUnauthorizedHandler } from "./js/api.js";
import { icons } from "./js/icons.js";
import { h, toast } from "./js/ui.js";
import { go, rememberNext, setRouter } from "./js/nav.js";
import { renderLogin } from "./js/pages/login.js";
import { renderHome } from "./js/pages/home.js";
import { renderDonations } from "./js/pages/donations.js";
import { renderQuota } from "./js/pages/quota.js";
import { renderClaimNew } from "./js/pages/claim_new.js";
import { renderClaimList, renderClaimDetail } from "./js/pages/claims.js";
import { renderStations } from "./js/pages/stations.js";

const ROUTES = [
  { re: /^\/login$/, name: "login", title: "全国电子无偿献血证", render: renderLogin, open: true, tabbar: false },
  { re: /^\/home$/, name: "home", title: "全国电子无偿献血证", render: renderHome, tab: "home" },
  { re: /^\/donations$/, name: "donations", title: "献血记录", render: renderDonations, back: "#/home" },
  { re: /^\/quota$/, name: "quota", title: "用血额度与减免测算", render: renderQuota, back: "#/home" },
  { re: /^\/claim\/new$/, name: "claim-new", title: "申请血费减免", render: renderClaimNew, tab: "apply" },
  { re: /^\/claims$/, name: "claims", title: "我的申请", render: renderClaimList, tab: "claims" },
  { re: /^\/claims\/([0-9a-fA-F-]{8,64})$/, name: "claim-detail", title: "申请详情", render: renderClaimDetail, back: "#/claims" },
  { re: /^\/stations$/, name: "stations", title: "服务网点", render: renderStations, tab: "stations", open: true },
];

const TABS = [
  { id: "home", href: "#/home", label: "首页", icon: icons.home },
  { id: "apply", href: "#/claim/new", label: "申请", icon: icons.apply },
  { id: "claims", href: "#/claims", label: "我的申请", icon: icons.list },
  { id: "stations", href: "#/stations", label: "网点", icon: icons.place },
];

const view = document.getElementById("view");
const titleNode = document.querySelector(".x-navbar__title");
const backButton = document.querySelector(".x-navbar__back");
const tabbar = document.querySelector(".x-tabbar");
backButton.innerHTML = icons.back;
let generation = 0;

setUnauthorizedHandler(() => {
  toast("登录已失效，请重新登录", { icon: "warn" });
  if (location.hash !== "#/login") location.hash = "#/login";
});

function renderTabbar(active) {
  tabbar.replaceChildren(...TABS.map((t) =>
    h("a.x-tabbar__item", { href: t.href, class: t.id === active ? "is-active" : "", testid: `tab-${t.id}`,
      "aria-current": t.id === active ? "page" : null },
      h("span", { html: t.icon }), h("span", t.label))));
}

async function route() {
  const path = (location.hash || "").replace(/^#/, "").split("?")[0] || "/";
  const current = session.get();
  let match = null;
  let params = [];
  for (const r of ROUTES) {
    const m = r.re.exec(path);
    if (m) { match = r; params = m.slice(1); break; }
  }
  if (!match) { location.replace(current ? "#/home" : "#/login"); return; }
  if (!match.open && (!current || !current.bound)) {
    rememberNext(`#${path}`);
    location.replace("#/login");
    return;
  }
  const mine = ++generation;
  document.body.dataset.page = match.name;
  titleNode.textContent = match.title;
  document.title = `${match.title === "全国电子无偿献血证" ? "" : `${match.title} · `}全国电子无偿献血证`;
  const showTabs = match.tabbar !== false && !!(current && current.bound);
  // A public page opened before signing in leads back to the sign-in page.
  const back = match.back || (match.open && match.name !== "login" && !showTabs ? "#/login" : null);
  backButton.hidden = !back;
  backButton.onclick = () => go(back);
  tabbar.hidden = !showTabs;
  if (showTabs) renderTabbar(match.tab);
  const page = h("div.x-page", { class: showTabs ? "" : "no-tabbar", testid: `page-${match.name}` });
  view.replaceChildren(page);
  window.scrollTo(0, 0);
  const ctx = {
    params,
    query: new URLSearchParams((location.hash.split("?")[1]) || ""),
    get stale() { return mine !== generation; },
    setTitle(text) { if (mine === generation) titleNode.textContent = text; },
  };
  try {
    await match.render(page, ctx);
  } catch (err) {
    if (ctx.stale) return;
    console.error(err);
    if (err && err.status === 401) return;
    page.replaceChildren(h("div.x-empty", { testid: "page-error" }, h("div.x-empty__icon"),
      h("p", (err && err.message) || "加载失败"), h("button.x-btn.x-btn--default", { type: "button", onclick: () => route() }, "重试")));
  } finally {
    if (!ctx.stale) page.dataset.ready = "1";
  }
}

setRouter(route);
window.addEventListener("hashchange", route);
route();
