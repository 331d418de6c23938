// 审计日志: every change, unmasked view and document opened, searchable by person, claim and time.
import { pager } from "../js/api.js";
import { ACTIONS, eventReason, PROVINCES, ROLES, STATUS } from "../js/labels.js";
import { account } from "../js/nav.js";
import { button, card, dateTimeText, field, h, input, pageHeader, pagedTable, select } from "../js/widgets.js";

export async function renderAudit(page, ctx) {
  const actor = input({ placeholder: "用户名", testid: "audit-actor" });
  const reference = input({ placeholder: "申请编号", testid: "audit-reference" });
  const action = select(ACTIONS, { testid: "audit-action" }, "全部操作");
  const from = input({ type: "date", testid: "audit-from" });
  const to = input({ type: "date", testid: "audit-to" });
  const province = account.me.roles.includes("admin") ? select(PROVINCES, { testid: "audit-province" }, "全部省份") : null;
  if (ctx.query.get("reference")) reference.value = ctx.query.get("reference");
  if (ctx.query.get("actor")) actor.value = ctx.query.get("actor");
  const results = h("div");
  const columns = [
    { label: "时间", cell: (e) => dateTimeText(e.at) },
    { label: "人员", cell: (e) => (e.actor_kind === "staff" ? e.actor : e.actor_kind === "donor" ? "申请人（线上）" : e.actor) },
    { label: "角色", cell: (e) => (e.role || "").split(",").filter(Boolean).map((r) => ROLES[r] || r).join("、") },
    { label: "操作", cell: (e) => ACTIONS[e.action] || e.action },
    { label: "申请", cell: (e) => h("a", { href: `#/claims/${e.claim_id}` }, e.reference) },
    { label: "状态变化", cell: (e) => (e.to_status && e.to_status !== e.from_status
      ? `${STATUS[e.from_status] || "—"} → ${STATUS[e.to_status] || e.to_status}` : "") },
    { label: "原因/说明", cell: (e) => eventReason(e) },
    { label: "请求号", cell: (e) => h("span.c-small.c-muted.x-mono", e.request_id || "") },
  ];
  async function load() {
    const table = await pagedTable(columns, pager("/ops/v1/audit/events", {
      actor: actor.value.trim() || null, reference: reference.value.trim() || null, action: action.value || null,
      date_from: from.value || null, date_to: to.value || null, province: province ? province.value || null : null,
    }), { testid: "audit", empty: "没有符合条件的记录",
      rowAttrs: (e) => ({ testid: "audit-row", dataset: { action: e.action, actor: e.actor, reference: e.reference } }) });
    if (!ctx.stale) results.replaceChildren(table);
  }
  for (const c of [action, from, to, province].filter(Boolean)) c.addEventListener("change", load);
  for (const c of [actor, reference]) c.addEventListener("keydown", (e) => { if (e.key === "Enter") load(); });
  page.append(pageHeader("审计日志", "申请的每次状态变化、完整信息查看和材料查看，按时间倒序。"),
    card(null, [h("div.c-filters", field("人员", actor), field("申请编号", reference, { wide: true }), field("操作", action),
      field("日期自", from), field("至", to), province ? field("省份", province) : null,
      button("查询", { testid: "audit-search", onclick: load }, "primary")), results]));
  await load();
}
