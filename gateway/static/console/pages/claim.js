// 申请详情 (审核): documents in the viewer beside the figures and the quote's explanation, flags,
// masked data with an audited "show in full", the decisions, and a soft lock while working.
import { ops, request } from "../js/api.js";
import {
  ACTIONS, CERT_TYPES, CHANNELS, DOC_KINDS, eventReason, LOWER_REASONS, POOLS, PRODUCTS, PROVINCES, REJECT_REASONS,
  RELATIONSHIPS, ROLES, STATUS,
} from "../js/labels.js";
import { can, go } from "../js/nav.js";
import { documentViewer } from "../js/viewer.js";
import {
  alertBox, askReason, button, card, clockText, dateTimeText, h, kvList, money, pill, statusTag, table, textarea,
} from "../js/widgets.js";
import { decisionButtons } from "./decisions.js";
import { flagPills } from "./queue.js";

const HEARTBEAT_MS = 60_000;

export async function renderClaim(page, ctx) {
  const [id] = ctx.params;
  const [sheet, history] = await Promise.all([ops.get(`/ops/v1/review/claims/${id}`),
    ops.get(`/ops/v1/claims/${id}/history`)]);
  if (ctx.stale) return;
  const claim = sheet.claim;
  // The photos are for the province's reviewers and whoever registered the claim (issue 11, the
  // service says which): others (finance, another desk) see which papers were filed, not the papers.
  const viewer = sheet.documents_readable ? documentViewer(claim, { opened: sheet.opened_documents }) : null;
  if (viewer) ctx.onLeave(() => viewer.release());
  const lockSlot = h("div.c-lock", { testid: "lock-slot" });
  const actions = h("div", { testid: "actions" });

  page.append(
    h("div.c-page__hd",
      h("div.c-claim-hd",
        h("a.c-btn", { href: backHash(claim), testid: "back" }, "← 返回"),
        h("h1", { testid: "claim-reference" }, claim.reference),
        statusTag(claim.status, "claim-status"),
        pill(CHANNELS[claim.channel] || claim.channel, "blue"),
        h("span.c-clock", "审核期限：", clockText(sheet.clock, claim.status))),
      h("div.c-row", flagPills(sheet.flags))),
    lockSlot,
    h("div.c-grid2",
      h("div", card("申请材料", viewer || documentList(claim), { testid: "documents-card" })),
      h("div",
        sheet.flags.length ? card("审核提示", h("ul.c-flags", { testid: "flags" }, sheet.flags.map((f) =>
          h("li", { class: ["overdue", "duplicate_invoice", "calendar_not_covered"].includes(f.code) ? "is-red" : "",
            dataset: { code: f.code } }, f.message)))) : null,
        card("审核操作", actions, { testid: "actions-card" }),
        figuresCard(sheet),
        applicantCard(claim, id),
        usageCard(claim))),
    card("处理记录", historyTable(history), { testid: "history-card" }));
  if (viewer) viewer.start();
  await setUpLock(sheet, claim, lockSlot, actions, ctx);
}

function documentList(claim) {
  return h("div", { testid: "documents-list" },
    h("p.c-muted.c-small", "材料照片仅限本省审核人员和登记人查看。"),
    claim.documents.length ? h("ul", claim.documents.map((d) => h("li", DOC_KINDS[d.kind] || d.kind)))
      : h("p.c-muted", "尚未上传材料"));
}

function backHash(claim) {
  if (claim.status === "awaiting_second_review") return "#/review/second";
  return can("POST /ops/v1/claims/{claim_id}/decision") ? "#/review" : "#/claims";
}

/** Take the claim's soft lock when the caller may decide it; otherwise say who holds it. */
async function setUpLock(sheet, claim, lockSlot, actions, ctx) {
  const heldBy = (lock) => {
    const since = dateTimeText(lock.acquired_at).slice(11);
    lockSlot.replaceChildren(alertBox(`${lock.holder} 正在处理此申请（${since} 起）。您可以查看，但在对方完成或离开前不能操作。`,
      "warn", "lock-banner"));
    actions.replaceChildren(h("p.c-muted", { testid: "actions-locked" }, "他人处理中，暂不能操作。"),
      button("刷新", { testid: "lock-refresh", onclick: () => go(location.hash) }));
  };
  if (sheet.lock && !sheet.lock.mine) { heldBy(sheet.lock); return; }
  if (!sheet.can_decide) {
    const papers = ["draft", "needs_more_info"].includes(claim.status) && can("POST /ops/v1/claims/{claim_id}/documents");
    actions.replaceChildren(h("p.c-muted", { testid: "actions-none" }, cannotDecideReason(sheet)),
      papers ? h("a.c-btn.c-btn--primary", { href: `#/intake/${claim.id}`, testid: "continue-intake" },
        claim.status === "draft" ? "继续上传材料并提交" : "补充材料并恢复审核") : null);
    return;
  }
  const path = `/ops/v1/claims/${claim.id}/lock`;
  try {
    await ops.post(path);
  } catch (error) {
    if (error.status === 409 && error.problem.holder) {
      heldBy({ holder: error.problem.holder, acquired_at: new Date().toISOString() });
      return;
    }
    throw error;
  }
  if (ctx.stale) { request("DELETE", path, { keepalive: true }).catch(() => {}); return; }
  lockSlot.replaceChildren(alertBox("您正在处理此申请，其他审核人员看到“处理中”，在您离开本页前不能操作。", "info", "lock-mine"));
  actions.replaceChildren(decisionButtons(sheet, () => go(location.hash)));
  const timer = setInterval(async () => {
    try {
      await ops.post(path);
    } catch (error) {
      if (error.status === 409 && error.problem.holder) {
        clearInterval(timer);
        heldBy({ holder: error.problem.holder, acquired_at: new Date().toISOString() });
      }
    }
  }, HEARTBEAT_MS);
  ctx.onLeave(() => {
    clearInterval(timer);
    request("DELETE", path, { keepalive: true }).catch(() => {});
  });
}

function cannotDecideReason(sheet) {
  const status = sheet.claim.status;
  if (status === "awaiting_second_review") return "待另一位复核员复核（初审人不能复核）。";
  if (status === "needs_more_info") return `已要求补充材料：${sheet.claim.decision_note || ""}`;
  if (status === "draft") return "草稿：材料齐全并提交后进入审核。";
  if (["submitted", "under_review"].includes(status)) return "您不能审核此申请（不是本省审核员，或是您登记的申请）。";
  return `申请${STATUS[status] || status}，无需审核操作。`;
}

function figuresCard(sheet) {
  const claim = sheet.claim;
  const q = sheet.quote || {};
  const unlimited = q.unlimited ? "终身无限" : null;
  return card("金额与测算", [
    h("div.c-figures", { testid: "figures" },
      h("div.c-figure", h("span", "申请金额"), h("b", money(claim.requested_fen))),
      h("div.c-figure.is-key", h("span", "可减免（测算）"), h("b", { testid: "figure-eligible" }, money(claim.eligible_fen))),
      h("div.c-figure", h("span", "核定金额"), h("b", { testid: "figure-approved" },
        money(claim.approved_fen ?? sheet.first_approved_fen))),
      h("div.c-figure", h("span", "已支付"), h("b", money(claim.paid_fen)))),
    kvList([
      ["适用规则", q.rule_set || claim.rule_set],
      ["额度池", POOLS[q.pool] || q.pool],
      ["用血量", q.used_ml !== undefined && q.used_ml !== null ? `${q.used_ml} mL` : null],
      ["可覆盖", q.covered_ml !== undefined && q.covered_ml !== null ? `${q.covered_ml} mL` : null],
      ["剩余额度（前/后）", unlimited || (q.remaining_ml_before !== null && q.remaining_ml_before !== undefined
        ? `${q.remaining_ml_before} mL → ${q.remaining_ml_after} mL` : null)],
      ["发票可减免费用", money(q.eligible_fee_fen)],
      ["报销期限", q.claim_deadline_on],
      sheet.first_approved_by ? ["初审", `${sheet.first_approved_by} 核定 ${money(sheet.first_approved_fen)}`] : null,
      claim.decision_reason_code ? ["决定原因", `${REJECT_REASONS[claim.decision_reason_code] || LOWER_REASONS[claim.decision_reason_code]
        || claim.decision_reason_code}${claim.decision_note ? `：${claim.decision_note}` : ""}`] : null,
    ], "quote-figures"),
    h("div.c-card__title", "测算说明"),
    claim.explanation.length
      ? h("ol.x-explain", { testid: "explanation" }, claim.explanation.map((line) => h("li", line)))
      : h("p.c-muted", { testid: "explanation" }, "尚无测算（草稿未提交）"),
  ], { testid: "figures-card" });
}

function person(p) {
  return `${p.name} · ${CERT_TYPES[p.cert_type] || p.cert_type} ${p.cert_number_masked}${p.phone_masked ? ` · ${p.phone_masked}` : ""}`;
}

function applicantCard(claim, id) {
  const donor = h("span", { testid: "donor" }, person(claim.donor));
  const beneficiary = h("span", { testid: "beneficiary" }, person(claim.beneficiary));
  const account = h("span", { testid: "payee-account" }, claim.payee.account_number_masked);
  const note = h("div", { testid: "unmasked-note" });
  const unmask = can("GET /ops/v1/claims/{claim_id}/unmasked") ? button("显示完整信息", { testid: "unmask", onclick: async () => {
    const result = await askReason({
      title: "显示完整信息", confirm: "显示", testid: "unmask-dialog",
      note: "完整的证件号、电话和银行卡号属于敏感个人信息。每次查看都会连同原因记入审计日志。",
      input: textarea({ testid: "unmask-reason", placeholder: "如：核对银行卡号与申请人提供的银行卡照片" }),
    });
    if (!result) return;
    const full = await ops.get(`/ops/v1/claims/${id}/unmasked`, { reason: result });
    donor.replaceChildren(h("span.c-unmasked", `${claim.donor.name} · ${full.donor_cert_number}${full.donor_phone ? ` · ${full.donor_phone}` : ""}`));
    beneficiary.replaceChildren(h("span.c-unmasked", `${claim.beneficiary.name} · ${full.beneficiary_cert_number}${full.beneficiary_phone ? ` · ${full.beneficiary_phone}` : ""}`));
    account.replaceChildren(h("span.c-unmasked", full.payee_account_number));
    note.replaceChildren(alertBox(`已显示完整信息。本次查看及原因“${result}”已记入审计日志。`, "warn", "unmasked-audited"));
  } }) : null;
  return card("申请人信息（已脱敏）", [
    kvList([
      ["献血者", donor],
      ["关系", RELATIONSHIPS[claim.relationship] || claim.relationship],
      claim.relationship !== "self" ? ["用血者", beneficiary] : null,
      claim.kinship_evidence ? ["亲属证明", claim.kinship_evidence === "pledge" ? "承诺书" : "证明材料"] : null,
      claim.agent ? ["代办人", `${claim.agent.name} · ${claim.agent.cert_number_masked} · ${claim.agent.phone_masked}`] : null,
      claim.donor_deceased ? ["献血者已故", "是"] : null,
      ["收款人", `${claim.payee.account_name} · ${claim.payee.bank_name}`],
      ["收款账号", account],
    ], "applicant"),
    note,
  ], { testid: "applicant-card", actions: unmask ? [unmask] : [] });
}


function usageCard(claim) {
  const u = claim.usage;
  const inv = claim.invoice;
  return card("用血与发票", kvList([
    ["用血医院", `${u.hospital_name}（${PROVINCES[u.usage_province] || u.usage_province}）`],
    ["用血日期", u.used_on],
    ["缴费日期", u.paid_on],
    ["血液制品", u.items.map((i) => `${PRODUCTS[i.product]?.name || i.product} × ${i.quantity}${PRODUCTS[i.product]?.unit || ""}`).join("；")],
    ["票据代码/号码", `${inv.code} / ${inv.number}`],
    ["校验码", inv.check_code],
    ["开票日期", inv.issued_on],
    ["发票总额", money(inv.total_fen)],
    ["输血费用", money(inv.blood_fee_fen)],
  ], "usage"), { testid: "usage-card" });
}

function historyTable(events) {
  const rows = [...events].reverse();
  return table([
    { label: "时间", cell: (e) => dateTimeText(e.at) },
    { label: "人员", cell: (e) => e.actor_kind === "staff" ? e.actor : e.actor_kind === "donor" ? "申请人" : e.actor },
    { label: "角色", cell: (e) => (e.role || "").split(",").filter(Boolean).map((r) => ROLES[r] || r).join("、") },
    { label: "操作", cell: (e) => ACTIONS[e.action] || e.action },
    { label: "状态", cell: (e) => e.to_status && e.to_status !== e.from_status ? `${STATUS[e.from_status] || "—"} → ${STATUS[e.to_status] || e.to_status}` : "" },
    { label: "说明", cell: (e) => eventReason(e) },
  ], rows, { testid: "history", rowAttrs: (e) => ({ dataset: { action: e.action } }) });
}
