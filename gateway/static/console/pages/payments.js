// 付款单 and 失败与退回: disbursements with filters; returned and failed transfers, where finance
// enters the applicant's corrected account (the claim goes back to payment with a new attempt).
import { ops, pager } from "../js/api.js";
import { DISBURSEMENT_STATES, DISBURSEMENT_TONES, FUNDS } from "../js/labels.js";
import {
  button, card, dateTimeText, field, h, input, modal, money, pageHeader, pagedTable, select, tag, textarea, toast,
} from "../js/widgets.js";

function source(d) {
  const [kind, ref] = d.source_ref.split(/:(.*)/s);
  if (kind === "claim") return h("a", { href: `#/claims/${ref}`, testid: "source-claim" }, "报销申请");
  if (kind === "statement") return h("span", "医院直免结算");
  return d.source_ref;
}

const COLUMNS = [
  { label: "创建时间", cell: (d) => dateTimeText(d.created_at) },
  { label: "来源", cell: source },
  { label: "收款人", cell: (d) => h("span", d.payee.account_name, h("div.c-small.c-muted", `${d.payee.bank_name} ${d.payee.account_number_masked}`)) },
  { label: "金额", num: true, cell: (d) => money(d.amount_fen) },
  { label: "经费来源", cell: (d) => d.funding.map((f) => `${FUNDS[f.source] || f.source} ${money(f.amount_fen)}`).join("；") },
  { label: "状态", cell: (d) => tag(DISBURSEMENT_STATES[d.state] || d.state, DISBURSEMENT_TONES[d.state], "disbursement-state") },
  { label: "第几次", num: true, cell: (d) => String(d.attempt) },
  { label: "说明", cell: (d) => d.last_error || "" },
];

function rowAttrs(d) {
  return { testid: "disbursement-row", dataset: { id: d.id, state: d.state, source: d.source_ref } };
}

export async function renderDisbursements(page, ctx) {
  const state = select(DISBURSEMENT_STATES, { testid: "filter-state" }, "全部状态");
  const from = input({ type: "date", testid: "filter-from" });
  const to = input({ type: "date", testid: "filter-to" });
  const ref = input({ placeholder: "如 claim:…", testid: "filter-source" });
  const results = h("div");
  async function load() {
    const table = await pagedTable(COLUMNS, pager("/ops/v1/payments/disbursements", {
      state: state.value || null, date_from: from.value || null, date_to: to.value || null, source_ref: ref.value.trim() || null,
    }), { rowAttrs, empty: "没有符合条件的付款单", testid: "disbursements" });
    if (!ctx.stale) results.replaceChildren(table);
  }
  for (const c of [state, from, to]) c.addEventListener("change", load);
  page.append(pageHeader("付款单", "每笔减免费用一张付款单，只付一次；状态由付款程序与银行回执更新。"),
    card(null, [h("div.c-filters", field("状态", state), field("创建日期自", from), field("至", to),
      field("来源", ref, { wide: true }), button("查询", { onclick: load, testid: "filter-apply" }, "primary")), results]));
  await load();
}

function correctionDialog(d) {
  const claimId = d.source_ref.slice("claim:".length);
  const name = input({ value: d.payee.account_name.includes("*") ? "" : d.payee.account_name, placeholder: "须为献血者本人" });
  const number = input({ inputmode: "numeric" });
  const bank = input({ value: d.payee.bank_name });
  const reason = textarea({ value: "申请人更正收款账户" });
  return modal({
    title: "更正收款账户", confirm: "保存并重新付款", testid: "payee-dialog",
    body: [h("p.c-muted.c-small", `原账户 ${d.payee.bank_name} ${d.payee.account_number_masked} 被退回：${d.last_error || "银行退回"}。`
      + "请按申请人提供的信息填写，保存后重新发起付款。"), h("div.c-form",
      field("户名", name, { field: "payee.account_name", required: true }),
      field("银行卡号", number, { field: "payee.account_number", required: true }),
      field("开户行", bank, { field: "payee.bank_name", required: true, full: true }),
      field("更正原因", reason, { field: "reason", full: true }))],
    onConfirm: () => ops.put(`/ops/v1/claims/${claimId}/payee`, {
      payee: { account_name: name.value.trim(), account_number: number.value.trim(), bank_name: bank.value.trim() },
      reason: reason.value.trim() || "收款账户更正" }),
  });
}

export async function renderReturns(page, ctx) {
  const body = h("div");
  async function load() {
    const actions = {
      label: "操作", cell: (d) => (d.source_ref.startsWith("claim:")
        ? button("更正收款账户", { testid: "correct-payee", onclick: async () => {
          if (await correctionDialog(d)) { toast("已更正，将重新付款"); load(); }
        } })
        : h("span.c-muted.c-small", "请联系医院更正对公账户")),
    };
    const [returned, failed] = await Promise.all([
      pagedTable([...COLUMNS, actions], pager("/ops/v1/payments/disbursements", { state: "returned" }),
        { rowAttrs, empty: "没有被退回的转账", testid: "returned" }),
      pagedTable([...COLUMNS, actions], pager("/ops/v1/payments/disbursements", { state: "failed" }),
        { rowAttrs, empty: "没有失败的转账", testid: "failed" })]);
    if (ctx.stale) return;
    body.replaceChildren(
      card("被退回（账户有误，待更正）", returned, { testid: "returned-card" }),
      card("失败（银行拒绝）", failed, { testid: "failed-card" }));
  }
  page.append(pageHeader("失败与退回", "被退回的转账不会被丢弃：按申请人提供的正确账户更正后重新付款。"), body);
  await load();
}
