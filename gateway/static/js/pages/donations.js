// 献血记录: every donation, newest first, with date and place.
import { loadCertificate } from "../certificate.js";
import { DONATION_KINDS, PROVINCES } from "../labels.js";
import { emptyState, h, tag } from "../ui.js";

export async function renderDonations(page, ctx) {
  const cert = await loadCertificate();
  if (ctx.stale) return;
  if (!cert || !cert.donations.length) {
    page.append(emptyState("暂无献血记录。如有纸质献血证未录入，请联系献血地血站补录。"));
    return;
  }
  const total = cert.provinces.reduce((n, p) => n + p.total_volume_ml, 0);
  const military = cert.provinces.reduce((n, p) => n + p.military_volume_ml, 0);
  const count = cert.provinces.reduce((n, p) => n + p.donation_count, 0);
  page.append(h("div.x-summary", { testid: "donations-summary" },
    h("div", h("b", String(cert.donations.length)), h("span", "献血记录（条）")),
    h("div", h("b", String(count)), h("span", "折合献血次数")),
    h("div", h("b", total.toLocaleString("zh-CN")), h("span", "累计献血量（mL）"))));
  if (military) {
    page.append(h("div.x-cells__tips", `其中在驻军采供血机构献血 ${military} mL，与地方献血量合并计算。`));
  }
  const rows = [...cert.donations].sort((a, b) => (a.donated_on < b.donated_on ? 1 : -1));
  let year = null;
  const list = [];
  let group = null;
  for (const d of rows) {
    const y = d.donated_on.slice(0, 4);
    if (y !== year) {
      year = y;
      group = h("div.x-cells");
      list.push(h("div.x-cells__title", `${y}年`), group);
    }
    group.append(donationCell(d));
  }
  page.append(h("div", { testid: "donations-list" }, list));
  page.append(h("p.x-footnote", "机采血小板 1 个治疗量按献血地规定折合全血计算额度；200 mL 全血计 1 次献血。"));
}

function donationCell(d) {
  const [, m, day] = d.donated_on.split("-");
  const what = d.kind === "platelet_apheresis"
    ? `${DONATION_KINDS[d.kind]} ${d.units} 个治疗量`
    : `${DONATION_KINDS[d.kind] || d.kind} ${d.volume_ml} mL`;
  const place = `${PROVINCES[d.province] || d.province} · ${d.military ? "驻军采供血机构" : "地方采供血机构"}`;
  return h("div.x-cell", { testid: "donation", dataset: { date: d.donated_on } },
    h("div.x-date", h("b", day), h("span", `${Number(m)}月`)),
    h("div.x-cell__bd",
      h("div", what),
      h("div.x-cell__desc", place),
      h("div.x-cell__desc", `献血点 ${d.station_code} · 编号 ${d.donation_no}`)),
    h("div.x-cell__ft", d.qualified ? tag("合格", "green") : tag("检测未通过", "orange")));
}
