// Navigation and the signed-in account, shared by the router and the pages (no import cycle).
import { ROLES } from "./labels.js";
import { homeHash } from "./menu.js";
import { h } from "./widgets.js";

export const NEXT_KEY = "xuefei.staff.next";
export const account = { me: null, token: null };
let reroute = () => {};

export function setRouter(fn) { reroute = fn; }

export function go(hash) {
  if (location.hash === hash) reroute();
  else location.hash = hash;
}

/** May the signed-in account call this route ("METHOD /ops/v1/path")? */
export function can(route) {
  return !!account.me && (account.me.routes || []).includes(route);
}

export function rememberNext(hash) { sessionStorage.setItem(NEXT_KEY, hash); }

/** After sign-in: the page asked for, or the account's first page. */
export function signedIn() {
  account.me = null; // the router reads the new account
  account.token = null;
  const next = sessionStorage.getItem(NEXT_KEY);
  sessionStorage.removeItem(NEXT_KEY);
  go(next && next !== "#/login" ? next : "#/");
}

export function deniedBlock(text = "您的账号没有使用此页面的权限。") {
  const me = account.me;
  return h("div.c-denied", { testid: "no-access" },
    h("h1", "无权访问"), h("p.c-muted", text),
    me ? h("p.c-muted.c-small", `当前账号：${me.username}（${me.roles.map((r) => ROLES[r] || r).join("、")}）`) : null,
    me && homeHash(me) ? h("p", h("a", { href: homeHash(me) }, "返回首页")) : null);
}
