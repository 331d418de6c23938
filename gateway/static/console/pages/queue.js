// 审核队列 / 复核队列 / 申请查询: claims by due date with working days left (overdue in red),
// filters, search by reference, who holds each claim, pages on demand.
import { pager } from "../js/api.js";
import { CHANNELS, PROVINCES, STATUS } from "../js/labels.js";
import { account, go } from "../js/nav.js";
import {
  button, card, clockText, fenOf, field, h, input, money, pageHeader, pagedTable, pill, select, statusTag,
} from "../js/widgets.js";

const MODES = {
  review: { title: "审核队列", sub: "按审核期限排序：10个工作日内完成审核，超期标红。点击一行进入审核。",
    statuses: { "": "待处理（全部）", submitted: STATUS.submitted, under_review: STATUS.under_review,
      needs_more_info: STATUS.needs_more_info } },
  second: { title: "复核队列", sub: "大额报销须由另一位复核员复核（初审人不能复核）。", fixed: ["awaiting_second_review"] },
  search: { title: "申请查询", sub: "本省全部申请，可按编号、状态、渠道、金额查找。",
    statuses: { "": "全部状态", ...STATUS } },
};
const ALL_STATUSES = Object.keys(STATUS);
const FLAG_TONES = { overdue: "red", luhn: "orange", duplicate_invoice: "red", unknown_region: "orange",
  review_due_soon: "orange", claim_deadline_close: "orange", calendar_not_covered: "red" };
const FLAG_SHORT = { overdue: "超期", luhn: "卡号校验", duplicate_invoice: "发票重复", unknown_region: "地址码",
  review_due_soon: "期限临近", claim_deadline_close: "临近报销期限", calendar_not_covered: "日历未覆盖" };

export function flagPills(flags) {
  return (flags || []).map((f) => pill(FLAG_SHORT[f.code] || f.code, FLAG_TONES[f.code] || "", `flag-${f.code}`));
}

export async function renderQueue(page, ctx, mode) {
  const spec = MODES[mode];
  const me = account.me;
  const status = spec.statuses ? select(spec.statuses, { testid: "filter-status" }) : null;
  const channel = select(CHANNELS, { testid: "filter-channel" }, "全部渠道");
  const minYuan = input({ testid: "filter-min", placeholder: "如 1000", inputmode: "decimal" });
  const maxYuan = input({ testid: "filter-max", placeholder: "如 5000", inputmode: "decimal" });
  const overdue = h("input", { type: "checkbox", testid: "filter-overdue" });
  const province = me.roles.includes("admin") ? select(PROVINCES, { testid: "filter-province" }, "全部省份") : null;
  const reference = input({ testid: "filter-reference", placeholder: "申请编号（部分即可）" });
  const sort = select({ due_on: "按审核期限", submitted_on: "按提交日期", "-requested_fen": "按金额（高到低）" },
    { testid: "filter-sort" });
  const results = h("div", { testid: "queue-results" });

  const columns = [
    { label: "申请编号", cell: (r) => h("a", { href: `#/claims/${r.id}`, testid: "queue-reference" }, r.reference) },
    { label: "状态", cell: (r) => statusTag(r.status) },
    { label: "渠道", cell: (r) => CHANNELS[r.channel] || r.channel },
    { label: "献血者", cell: (r) => r.donor_name_masked },
    { label: "用血医院", cell: (r) => r.hospital_name },
    { label: "申请金额", num: true, cell: (r) => money(r.requested_fen) },
    mode === "second"
      ? { label: "初审核定", num: true, cell: (r) => h("span", money(r.first_approved_fen), h("div.c-small.c-muted", r.first_approved_by || "")) }
      : { label: "可减免", num: true, cell: (r) => money(r.eligible_fen) },
    { label: "提交日期", cell: (r) => r.submitted_on || "—" },
    { label: "审核期限", cell: (r) => clockText(r.clock, r.status) },
    { label: "提示", cell: (r) => h("span", flagPills(r.flags)) },
    { label: "处理人", cell: (r) => (r.lock ? pill(r.lock.mine ? "我" : r.lock.holder, r.lock.mine ? "blue" : "orange", "lock-holder") : "") },
  ];

  function params() {
    const statuses = spec.fixed || (status.value ? [status.value] : mode === "search" ? ALL_STATUSES : null);
    return {
      status: statuses, channel: channel.value || null, min_fen: fenOf(minYuan.value), max_fen: fenOf(maxYuan.value),
      overdue: overdue.checked || null, province: province ? province.value || null : null,
      q: reference.value.trim().length >= 2 ? reference.value.trim() : null, sort: sort.value,
    };
  }

  async function load() {
    const table = await pagedTable(columns, pager("/ops/v1/review/queue", params()), {
      onRow: (r) => go(`#/claims/${r.id}`), empty: "没有符合条件的申请",
      rowAttrs: (r) => ({ testid: "queue-row", class: r.clock.overdue ? "is-overdue" : "",
        dataset: { id: r.id, reference: r.reference, status: r.status } }),
      testid: "queue-table" });
    if (!ctx.stale) results.replaceChildren(table);
  }

  const search = button("查询", { testid: "filter-apply", onclick: load }, "primary");
  for (const control of [status, channel, province, sort, overdue].filter(Boolean)) control.addEventListener("change", load);
  reference.addEventListener("keydown", (e) => { if (e.key === "Enter") load(); });
  page.append(
    pageHeader(spec.title, spec.sub),
    card(null, [
      h("div.c-filters", { testid: "queue-filters" },
        status ? field("状态", status) : null,
        field("渠道", channel),
        field("金额不低于（元）", minYuan),
        field("金额不高于（元）", maxYuan),
        province ? field("省份", province) : null,
        field("申请编号", reference, { wide: true }),
        field("排序", sort),
        h("label.c-checks", overdue, "仅看超期"),
        search),
      results]));
  await load();
}
