// 服务网点: blood stations and reimbursement offices, searchable, tap to call. No sign-in needed.
import { api } from "../api.js";
import { icons } from "../icons.js";
import { METHODS, PROVINCES, STATION_KINDS } from "../labels.js";
import { emptyState, h, tag } from "../ui.js";

const FILTERS = [["", "全部"], ["11", "北京市"], ["52", "贵州省"]];

/** "0856-3903000转8050" -> "tel:0856-3903000,8050" (a comma pauses, then dials the extension). */
export function telHref(phone) {
  return `tel:${phone.replace(/转/g, ",").replace(/[^\d+,-]/g, "")}`;
}

export async function renderStations(page, ctx) {
  const q = h("input", { type: "search", placeholder: "搜索网点名称、城市或地址", testid: "stations-search", "aria-label": "搜索", enterkeyhint: "search" });
  q.value = ctx.query.get("q") || "";
  let province = ctx.query.get("province") || "";
  const chips = h("div.x-chips", { testid: "stations-filter" });
  const list = h("div", { testid: "stations-list" });
  const count = h("div.x-count", { testid: "stations-count" });
  page.append(
    h("div.x-search", h("label.x-search__box", h("span", { html: icons.search }), q)),
    chips, count, list,
    h("p.x-footnote", "数据来源：北京市血费减免实施方案附件3、贵州省血站血费减免政策咨询电话。办理前建议先电话预约。"));

  const drawChips = () => chips.replaceChildren(...FILTERS.map(([code, label]) =>
    h("button.x-chip", { type: "button", class: code === province ? "is-active" : "", testid: `stations-filter-${code || "all"}`,
      onclick: () => { province = code; drawChips(); search(); } }, label)));

  let seq = 0;
  const search = async () => {
    const mine = ++seq;
    const params = new URLSearchParams();
    if (q.value.trim()) params.set("q", q.value.trim());
    if (province) params.set("province", province);
    const rows = await api.get(`/api/v1/stations?${params}`, { auth: false });
    if (mine !== seq || ctx.stale) return;
    count.textContent = `共 ${rows.length} 个网点`;
    list.replaceChildren(...(rows.length ? rows.map(stationCard) : [emptyState("没有找到匹配的网点，换个关键词试试")]));
  };
  let timer = null;
  q.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(search, 250); });
  q.addEventListener("keydown", (e) => { if (e.key === "Enter") { clearTimeout(timer); search(); } });
  drawChips();
  await search();
}

function stationCard(s) {
  return h("article.x-station", { testid: "station", dataset: { id: s.id } },
    h("div.x-station__name", h("span", s.name), tag(STATION_KINDS[s.kind] || s.kind, s.kind === "blood_station" ? "red" : "blue"),
      ...s.methods.map((m) => tag(METHODS[m] || m, m === "mail" ? "orange" : "green", `method-${m}`))),
    h("div.x-station__row", h("span", { html: icons.place }),
      h("span", s.address || `${PROVINCES[s.province] || ""}${s.city}（地址请电话咨询）`)),
    s.hours ? h("div.x-station__row", h("span", { html: icons.clock }), h("span", s.hours)) : null,
    h("div.x-station__phones", s.phones.map((p) =>
      h("a.x-call", { href: telHref(p), testid: "station-phone" }, h("span", { html: icons.phone }), p))),
    s.methods.length ? null : h("div.x-station__row", h("span", "血费减免政策咨询电话；可通过“全国电子无偿献血证”在线申请")));
}
