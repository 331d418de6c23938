// 数据看板: every figure from one route (GET /ops/v1/dashboard), charts drawn here in SVG.
import { ops } from "../js/api.js";
import { barChart, lineChart, percent } from "../js/charts.js";
import { CHANNELS, PROVINCES, STATUS } from "../js/labels.js";
import { account } from "../js/nav.js";
import { card, field, h, pageHeader, select, table } from "../js/widgets.js";

const monthLabel = (m) => `${Number(m.slice(5))}月`;
const weekLabel = (d) => d.slice(5);

function kpi(label, value, testid, red = false) {
  return h("div.c-card.c-kpi", { class: red ? "is-red" : "", testid }, h("span", label), h("b", value ?? "—"));
}

export async function renderDashboard(page, ctx) {
  const admin = account.me.roles.includes("admin");
  const province = admin ? select(PROVINCES, { testid: "dashboard-province" }, "全部省份") : null;
  const body = h("div", { testid: "dashboard" });
  page.append(pageHeader("数据看板", admin ? "全国或所选省份的审核与支付时效" :
    `${PROVINCES[account.me.province] || ""}的审核与支付时效`, province ? field("省份", province) : null), body);

  async function load() {
    const d = await ops.get("/ops/v1/dashboard", { province: province ? province.value || null : null });
    if (ctx.stale) return;
    const week = d.weeks[d.weeks.length - 1];
    const month = d.months[d.months.length - 1];
    body.dataset.asOf = d.as_of;
    body.replaceChildren(
      h("div.c-grid4",
        kpi("当前超期未审", String(d.overdue_now), "kpi-overdue", d.overdue_now > 0),
        kpi("审核用时中位数（工作日）", d.median_working_days_to_decision === null ? null : String(d.median_working_days_to_decision),
          "kpi-median"),
        kpi("本周按时审核率", percent(week.on_time_permille), "kpi-on-time"),
        kpi(`本月${d.payment_working_days}个工作日内支付`, percent(month.paid_within_limit_permille), "kpi-paid")),
      h("div.c-grid2",
        card(`按时审核率（按周，期限 ${d.review_working_days} 个工作日）`, barChart(d.weeks.map((w) => ({
          label: weekLabel(w.week_start), value: w.on_time_permille === null ? null : w.on_time_permille / 10,
          text: w.decided ? `${percent(w.on_time_permille) ?? "—"}` : undefined,
        })), { label: "按时审核率", max: 100, testid: "chart-on-time" })),
        card("审核用时中位数（工作日，按周）", lineChart(d.weeks.map((w) => ({
          label: weekLabel(w.week_start), value: w.median_working_days })), { label: "审核用时中位数", testid: "chart-median" }))),
      h("div.c-grid2",
        card("医疗机构直免率（按月）", barChart(d.months.map((m) => ({
          label: monthLabel(m.month), value: m.direct_rate_permille === null ? null : m.direct_rate_permille / 10,
          text: percent(m.direct_rate_permille) })), { label: "直免率", max: 100, tone: "is-blue", testid: "chart-direct" })),
        card(`${d.payment_working_days}个工作日内支付占比（按月）`, barChart(d.months.map((m) => ({
          label: monthLabel(m.month), value: m.paid_within_limit_permille === null ? null : m.paid_within_limit_permille / 10,
          text: percent(m.paid_within_limit_permille) })), { label: "按时支付占比", max: 100, tone: "is-alt", testid: "chart-paid" }))),
      h("div.c-grid2",
        card(`各渠道申请量（${monthLabel(d.months[0].month)}起）`, barChart(d.channels.map((c) => ({
          label: CHANNELS[c.channel] || c.channel, value: c.claims })), { label: "各渠道申请量", testid: "chart-channels" })),
        card("超期未审（最久的10件）", table([
          { label: "申请编号", cell: (c) => h("a", { href: `#/claims/${c.id}` }, c.reference) },
          { label: "状态", cell: (c) => STATUS[c.status] || c.status },
          { label: "审核期限", cell: (c) => c.due_on },
          { label: "已超期", cell: (c) => h("span.c-red", c.working_days_overdue === null ? "—" : `${c.working_days_overdue} 个工作日`) },
        ], d.overdue_oldest, { empty: "没有超期的申请", testid: "overdue-table" }))));
  }

  if (province) province.addEventListener("change", load);
  await load();
}
