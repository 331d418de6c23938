// 我的申请: the list, and one claim with its timeline, amounts per stage, explanation,
// documents (supplementing them when asked), withdrawal and payee correction.
import { api } from "../api.js";
import { DOC_KINDS, PRODUCTS, PROVINCES, RELATIONSHIPS, STATUS, STATUS_HINT, STATUS_TONE, ACTOR_KINDS } from "../labels.js";
import { go } from "../nav.js";
import {
  busy, button, cleanMessage, clearErrors, dateText, dateTimeText, dialog, emptyState, fieldCell, h, input, kv, reportError, tag,
  toast, yuan,
} from "../ui.js";
import { documentUploader, missingBanner, requiredKinds } from "../uploads.js";

const OPEN_FOR_DOCUMENTS = ["draft", "needs_more_info"];
const WITHDRAWABLE = ["draft", "submitted"];

export async function renderClaimList(page, ctx) {
  const claims = await api.get("/api/v1/claims");
  if (ctx.stale) return;
  const fresh = ctx.query.get("submitted");
  if (!claims.length) {
    page.append(emptyState("还没有血费减免申请",
      h("div.x-btn-area", h("a.x-btn.x-btn--primary", { href: "#/claim/new", testid: "empty-new-claim" }, "申请血费减免"))));
    return;
  }
  const sorted = [...claims].sort((a, b) => (a.created_at < b.created_at ? 1 : -1));
  if (fresh) page.append(h("div.x-notice.is-info", { testid: "submitted-notice" }, "申请已提交，献血地血站将在10个工作日内完成审核，审核进度会在这里更新。"));
  page.append(h("div", { testid: "claims-list" }, sorted.map(claimCard)));
  page.append(h("p.x-footnote", "仅显示您本人提交、或您作为献血者（含其他献血者）/用血者的申请"));
}

function claimCard(c) {
  const who = c.relationship === "self" ? "本人用血" : `${RELATIONSHIPS[c.relationship] || c.relationship}用血 · ${c.beneficiary.name}`;
  const amount = c.paid_fen ?? c.approved_fen ?? c.eligible_fen ?? c.requested_fen;
  const amountLabel = c.paid_fen !== null ? "已支付" : c.approved_fen !== null ? "核准金额" : c.eligible_fen !== null ? "可减免" : "申请金额";
  return h("a.x-claim", { href: `#/claims/${c.id}`, testid: "claim-card", dataset: { id: c.id, status: c.status, reference: c.reference } },
    h("div.x-claim__hd", h("span", c.reference), tag(STATUS[c.status] || c.status, STATUS_TONE[c.status], "claim-status")),
    h("div.x-claim__title", c.usage.hospital_name),
    h("div.x-claim__meta", `${who} · 用血日期 ${c.usage.used_on}`),
    h("div.x-claim__ft",
      h("span", c.due_on && ["submitted", "under_review", "awaiting_second_review"].includes(c.status)
        ? `预计 ${dateText(c.due_on)} 前审核完成` : c.submitted_on ? `提交于 ${dateText(c.submitted_on)}` : "草稿，待提交"),
      h("span", `${amountLabel} `, h("b", `¥${yuan(amount)}`))));
}

function eventTitle(e) {
  if (e.to_status && e.to_status !== e.from_status) {
    const titles = { draft: "创建申请", submitted: e.from_status === "needs_more_info" ? "补充材料后重新提交" : "提交申请",
      under_review: e.from_status === "needs_more_info" ? "补充材料，恢复审核" : "开始审核", needs_more_info: "需要补充材料",
      awaiting_second_review: "提交复核", approved: "审核通过", payee_correction: "转账被退回，待更正账户",
      payment_failed: "转账未成功，待更正账户", needs_attention: "额度确认异常，转复核处理",
      paid: "已转账支付", rejected: "审核未通过", withdrawn: "已撤回" };
    return titles[e.to_status] || STATUS[e.to_status] || e.to_status;
  }
  if (e.action === "document_added") return `上传材料：${DOC_KINDS[e.reason] || e.reason || ""}`;
  if (e.action === "payee_corrected") return "更正收款账户";
  return null; // audit-only entries (e.g. a reviewer's view) are not part of the donor's timeline
}

function timeline(events) {
  // Consecutive uploads read as one step ("上传材料 7 份"), as a person would tell it.
  const shown = [];
  for (const e of events) {
    const title = eventTitle(e);
    if (!title) continue;
    const last = shown[shown.length - 1];
    if (e.action === "document_added" && last && last.e.action === "document_added") {
      last.count += 1;
      last.e = e;
      last.title = `上传材料 ${last.count} 份`;
      continue;
    }
    shown.push({ e, title, count: 1 });
  }
  shown.reverse();
  return h("ul.x-timeline", { testid: "timeline" }, shown.map(({ e, title }) =>
    h("li", { dataset: { status: e.to_status || "" } },
      h("div.x-timeline__title", title),
      h("div.x-timeline__meta", `${dateTimeText(e.at)} · ${ACTOR_KINDS[e.actor_kind] || e.actor_kind || ""}`),
      e.reason && e.action !== "document_added" && !/^channel /.test(e.reason) ? h("div.x-timeline__reason", e.reason) : null)));
}

export async function renderClaimDetail(page, ctx) {
  const id = ctx.params[0];
  let claim;
  let events;
  try {
    [claim, events] = await Promise.all([api.get(`/api/v1/claims/${id}`), api.get(`/api/v1/claims/${id}/history`)]);
  } catch (err) {
    if (err.status === 404 || err.status === 422) {
      page.append(h("div", { testid: "claim-not-found" }, emptyState("没有找到这个申请，或您无权查看。",
        h("div.x-btn-area", h("a.x-btn.x-btn--default", { href: "#/claims" }, "返回我的申请")))));
      return;
    }
    throw err;
  }
  if (ctx.stale) return;
  const c = claim;
  const items = c.usage.items.map((i) => `${PRODUCTS[i.product]?.name || i.product} ${i.quantity}${PRODUCTS[i.product]?.unit || ""}`).join("、");

  page.append(
    h("section.x-status", { testid: "claim-header", dataset: { status: c.status } },
      h("div.x-status__label", { testid: "claim-status" }, STATUS[c.status] || c.status, tag(c.channel === "online" ? "线上申请" : "窗口登记", "grey")),
      h("div.x-status__hint", STATUS_HINT[c.status] || ""),
      c.due_on && ["submitted", "under_review", "awaiting_second_review"].includes(c.status)
        ? h("div.x-status__hint", { testid: "claim-due" }, `审核期限：${dateText(c.due_on)}（10个工作日）`) : null,
      h("div.x-status__ref", { testid: "claim-reference" }, `申请编号 ${c.reference}`),
      c.forwarded_to
        ? h("div.x-status__hint", { testid: "claim-partner" },
          `献血地平台审核状态：${STATUS[c.partner_status] || c.partner_status || "已转出，等待受理"}`
          + (c.partner_reference ? `（对方编号 ${c.partner_reference}）` : "")) : null),
    h("div.x-amounts", { testid: "claim-amounts" },
      h("div", h("b", yuan(c.requested_fen)), h("span", "申请金额")),
      h("div", h("b", yuan(c.eligible_fen)), h("span", "可减免")),
      h("div", h("b", yuan(c.approved_fen)), h("span", "核准")),
      h("div", h("b", yuan(c.paid_fen)), h("span", "已支付"))),
  );

  if (c.status === "needs_more_info" || (c.decision_note && ["rejected", "approved", "paid"].includes(c.status))) {
    page.append(h("div.x-notice", { class: c.status === "rejected" ? "is-warn" : "", testid: "decision-note" },
      h("b", c.status === "needs_more_info" ? "审核意见：" : "审核说明："), c.decision_note || "请补充材料"));
  }
  for (const w of c.warnings || []) page.append(h("div.x-notice", { testid: "claim-warning" }, cleanMessage(w)));

  // documents: upload while a draft or when the reviewer asks
  if (OPEN_FOR_DOCUMENTS.includes(c.status)) page.append(supplement(c));

  page.append(h("div.x-cells__title", "办理进度"), timeline(events));

  if (c.explanation && c.explanation.length) {
    page.append(h("div.x-cells__title", `减免测算说明（${c.rule_set || ""}）`),
      h("div.x-cells", h("div", { style: "padding:8px 16px" },
        h("ol.x-explain", { testid: "claim-explanation" }, c.explanation.map((l) => h("li", l))))));
  }

  page.append(h("div.x-cells__title", "申请信息"), h("div.x-cells", { testid: "claim-info" },
    kv("献血者", `${c.donor.name} ${c.donor.cert_number_masked}`),
    kv("用血者", c.relationship === "self" ? "献血者本人" : `${c.beneficiary.name}（${RELATIONSHIPS[c.relationship]}）${c.beneficiary.cert_number_masked}`),
    ...(c.additional_donors || []).map((d, i) => kv(`其他献血者${i + 1}`, `${d.name} ${d.cert_number_masked}`, `claim-other-donor-${i}`)),
    kv("就诊医院", c.usage.hospital_name),
    kv("用血地", PROVINCES[c.usage.usage_province] || c.usage.usage_province),
    kv("用血日期", dateText(c.usage.used_on)),
    kv("血液品种", items),
    kv("票据号码", `${c.invoice.code} / ${c.invoice.number}`),
    kv("输血费用", `¥${yuan(c.invoice.blood_fee_fen)}`),
    kv("收款账户", `${c.payee.account_name} ${c.payee.account_number_masked}`),
    kv("开户银行", c.payee.bank_name),
    c.submitted_on ? kv("提交日期", dateText(c.submitted_on)) : null));

  if (!OPEN_FOR_DOCUMENTS.includes(c.status)) {
    page.append(h("div.x-cells__title", "已提交材料"), h("div.x-cells", { testid: "claim-documents" },
      c.documents.length ? c.documents.map((d) => kv(DOC_KINDS[d.kind] || d.kind, dateTimeText(d.uploaded_at))) : h("div.x-cell.x-muted", "无")));
  }

  if (c.status === "payment_failed" && c.payment_error) page.append(h("div.x-cells__tips", `银行说明：${c.payment_error}`));
  if (c.status === "payee_correction" || c.status === "payment_failed") page.append(payeeForm(c));

  if (WITHDRAWABLE.includes(c.status)) {
    const withdraw = button("撤回申请", { testid: "claim-withdraw" }, "warn");
    withdraw.addEventListener("click", async () => {
      const reason = input({ placeholder: "撤回原因（选填）", testid: "withdraw-reason" });
      if (!(await dialog({ title: "撤回申请", body: h("div", "撤回后该申请将终止办理，如需报销请重新申请。", reason), confirm: "撤回", danger: true }))) return;
      try {
        await busy(api.post(`/api/v1/claims/${c.id}/withdraw`, { reason: reason.value.trim() || "申请人撤回" }), "正在撤回");
        toast("已撤回");
        go(`#/claims/${c.id}`);
      } catch (err) {
        reportError(page, err);
      }
    });
    page.append(h("div.x-btn-area", withdraw));
  }
}

function supplement(c) {
  const root = h("div", { testid: "supplement" });
  const banner = h("div", missingBanner(c.missing_documents));
  const kinds = requiredKinds(c);
  // When the reviewer asks for more, any kind may be what they need; a draft shows what it requires.
  const extra = c.status === "needs_more_info"
    ? Object.keys(DOC_KINDS).filter((k) => k !== "agent_id" && k !== "death_proof") : ["bank_card"];
  for (const k of extra) if (!kinds.includes(k)) kinds.push(k);
  const pledge = c.relationship !== "self" && c.kinship_evidence === "pledge" ? {
    province: c.province, relationship: c.relationship, donorName: c.donor.name, donorCert: c.donor.cert_number_masked,
    beneficiaryName: c.beneficiary.name, beneficiaryCert: c.beneficiary.cert_number_masked,
    donorPhone: c.donor.phone_masked || "", beneficiaryPhone: c.beneficiary.phone_masked || "",
  } : null;
  const uploader = documentUploader(c, kinds, {
    pledge,
    onUploaded: (result) => {
      c.missing_documents = result.missing_documents;
      banner.replaceChildren(missingBanner(result.missing_documents));
    },
  });
  const submit = button(c.status === "draft" ? "提交申请" : "补充完成，重新提交", { testid: "claim-submit" });
  submit.addEventListener("click", async () => {
    clearErrors(root);
    try {
      await busy(api.post(`/api/v1/claims/${c.id}/submit`), "正在提交");
      toast("提交成功");
      go(`#/claims/${c.id}`);
    } catch (err) {
      reportError(root, err);
    }
  });
  root.append(banner,
    h("div.x-cells__title", c.status === "draft" ? "上传材料" : "补充材料"),
    h("div.x-field-error", { hidden: true, dataset: { errorFor: "documents" }, style: "padding:0 16px" }),
    uploader, h("div.x-btn-area", submit));
  return root;
}

function payeeForm(c) {
  const name = input({ value: c.payee.account_name });
  const number = input({ placeholder: "15-19位银行卡号", inputmode: "numeric" });
  const bank = input({ value: c.payee.bank_name });
  const form = h("form", { novalidate: true, testid: "payee-form" },
    h("div.x-cells__title", "更正收款账户"),
    h("div.x-cells",
      fieldCell("户名", name, { field: "payee.account_name" }),
      fieldCell("银行卡号", number, { field: "payee.account_number" }),
      fieldCell("开户银行", bank, { field: "payee.bank_name" })),
    h("div.x-btn-area", button("提交新账户", { type: "submit", testid: "payee-submit" })));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(form);
    try {
      await busy(api.put(`/api/v1/claims/${c.id}/payee`, { payee: { account_name: name.value.trim(),
        account_number: number.value.replace(/\s+/g, ""), bank_name: bank.value.trim() }, reason: "申请人更正收款账户" }), "正在提交");
      toast("已更正");
      go(`#/claims/${c.id}`);
    } catch (err) {
      reportError(form, err);
    }
  });
  return form;
}
