// The reviewer's decisions on a claim: start review, approve (a lower amount needs a reason),
// reject with a coded reason, request more information naming the documents; second review.
import { ops } from "../js/api.js";
import { DOC_KINDS, LOWER_REASONS, REJECT_REASONS } from "../js/labels.js";
import { button, checks, fenOf, field, h, input, modal, money, select, textarea, toast, yuan } from "../js/widgets.js";

function decide(claimId, body) {
  return ops.post(`/ops/v1/claims/${claimId}/decision`, { note: "", ...body });
}

function invalid(field, message) {
  return { errors: [{ field, message }] };
}

function approveDialog(sheet) {
  const claim = sheet.claim;
  const second = claim.status === "awaiting_second_review";
  const ceiling = second ? sheet.first_approved_fen : claim.eligible_fen;
  const amount = input({ value: yuan(ceiling).replace(/,/g, ""), inputmode: "decimal" });
  const reason = select(LOWER_REASONS, {}, "请选择核减原因");
  const note = textarea({ placeholder: second ? "复核意见" : "审核意见，如：材料齐全，同意报销" });
  const hint = second ? `初审核定 ${money(ceiling)}，复核可维持或核减，不能提高。`
    : `可减免 ${money(ceiling)}。核减时须选择原因并写明说明。${ceiling > sheet.second_review_threshold_fen
      ? `金额超过 ${money(sheet.second_review_threshold_fen)}，通过后转另一位复核员复核。` : ""}`;
  return modal({
    title: second ? "复核通过" : "审核通过", confirm: second ? "确认复核通过" : "确认通过", testid: "approve-dialog",
    body: [h("p.c-muted.c-small", hint), h("div.c-form",
      field("核定金额（元）", amount, { field: "approved_fen", required: true }),
      field("核减原因", reason, { field: "reason_code" }),
      field("说明", note, { field: "note", full: true }))],
    onConfirm: async () => {
      const fen = fenOf(amount.value);
      if (fen === null) throw invalid("approved_fen", "请输入金额，最多两位小数");
      if (fen > ceiling) throw invalid("approved_fen", `不能超过 ${money(ceiling)}`);
      const lowered = fen < ceiling;
      if (lowered && !reason.value) throw invalid("reason_code", "核减金额须选择原因");
      if (lowered && !note.value.trim()) throw invalid("note", "核减金额须写明说明");
      return decide(claim.id, { decision: "approve", approved_fen: fen, reason_code: reason.value || null, note: note.value.trim() });
    },
  });
}

function rejectDialog(sheet) {
  const reason = select(REJECT_REASONS, {}, "请选择驳回原因");
  const note = textarea({ placeholder: "向申请人说明驳回原因" });
  return modal({
    title: "驳回申请", confirm: "确认驳回", tone: "warn", testid: "reject-dialog",
    body: h("div.c-form",
      field("驳回原因", reason, { field: "reason_code", required: true, wide: true }),
      field("说明", note, { field: "note", required: true, full: true })),
    onConfirm: async () => {
      if (!reason.value) throw invalid("reason_code", "请选择驳回原因");
      if (!note.value.trim()) throw invalid("note", "请向申请人说明原因");
      return decide(sheet.claim.id, { decision: "reject", reason_code: reason.value, note: note.value.trim() });
    },
  });
}

function requestInfoDialog(sheet) {
  const kinds = checks(DOC_KINDS, { name: "missing", testid: "info-kinds" });
  const note = textarea({ placeholder: "如：发票照片不清晰，请重新拍摄" });
  return modal({
    title: "要求补充材料", confirm: "发送", testid: "request-info-dialog",
    body: [h("p.c-muted.c-small", "补充材料期间审核计时暂停；申请人补充后恢复。"), h("div.c-form",
      field("需要补充的材料", kinds, { field: "documents", full: true }),
      field("说明", note, { field: "note", full: true }))],
    onConfirm: async () => {
      const named = kinds.read().map((k) => DOC_KINDS[k]);
      if (!named.length && !note.value.trim()) throw invalid("documents", "请选择需要补充的材料或写明说明");
      const text = [named.length ? `请补充：${named.join("、")}。` : "", note.value.trim()].filter(Boolean).join("");
      return decide(sheet.claim.id, { decision: "request_info", note: text });
    },
  });
}

export function decisionButtons(sheet, done) {
  const claim = sheet.claim;
  const finish = (message) => (result) => { if (result) { toast(message); done(); } };
  const second = claim.status === "awaiting_second_review";
  return h("div.c-actions",
    claim.status === "submitted" ? button("开始审核", { testid: "action-start", onclick: async () => {
      await ops.post(`/ops/v1/claims/${claim.id}/start-review`);
      toast("已开始审核");
      done();
    } }) : null,
    button(second ? "复核通过" : "通过", { testid: "action-approve", onclick: () => approveDialog(sheet).then(finish("已通过")) }, "primary"),
    button(second ? "复核驳回" : "驳回", { testid: "action-reject", onclick: () => rejectDialog(sheet).then(finish("已驳回")) }, "warn"),
    second ? null : button("要求补充材料", { testid: "action-request-info",
      onclick: () => requestInfoDialog(sheet).then(finish("已通知申请人补充材料")) }));
}
