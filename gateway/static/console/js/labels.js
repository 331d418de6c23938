// Chinese labels the console adds to the client's (/js/labels.js) for the API's codes.
import { DOC_KINDS as DOC_KIND_NAMES } from "/js/labels.js";

export { DOC_KINDS, PRODUCTS, PROVINCES, RELATIONSHIPS, STATUS, STATUS_TONE } from "/js/labels.js";

export const ROLES = {
  admin: "系统管理员", station_operator: "受理员", reviewer: "审核员", senior_reviewer: "复核员",
  finance: "财务", hospital_operator: "医院操作员",
};

export const CHANNELS = { online: "线上", hospital: "医院代办", counter: "窗口", mail: "邮寄" };

export const CERT_TYPES = {
  resident_id: "居民身份证", passport: "护照", hk_macau_permit: "港澳居民来往内地通行证",
  taiwan_permit: "台湾居民来往大陆通行证", foreign_permanent_residence: "外国人永久居留身份证",
};

// Why a claim is rejected (驳回原因) or an amount lowered (核减原因); the API takes any short code.
export const REJECT_REASONS = {
  not_eligible: "不符合减免条件", no_quota: "用血额度已用完", duplicate: "重复申请",
  deadline_passed: "超过报销期限", documents_invalid: "材料不真实或无效", not_blood_fee: "费用不属于用血费用",
  other: "其他原因",
};
export const LOWER_REASONS = {
  partial_invoice: "发票部分费用不属于减免范围", quota_partly_used: "额度部分已使用", price_adjusted: "按规定价格核减",
  other: "其他原因",
};

export const ACTIONS = {
  created: "创建申请", document_added: "上传材料", submitted: "提交申请", resubmitted: "补充材料后重新提交",
  review_started: "开始审核", info_requested: "要求补充材料", first_approval: "初审通过（待复核）", approved: "审核通过",
  rejected: "驳回", withdrawn: "撤回", viewed_unmasked: "查看完整信息", document_viewed: "查看材料",
  paid: "已支付", payment_returned: "转账退回", payment_failed: "转账失败", payee_corrected: "更正收款账户",
};

export const DISBURSEMENT_STATES = { pending: "待发送", sent: "已发送", succeeded: "成功", failed: "失败", returned: "退回" };
export const DISBURSEMENT_TONES = { pending: "grey", sent: "blue", succeeded: "green", failed: "red", returned: "orange" };

export const RECON_KINDS = {
  matched: "一致", missing_at_bank: "通道无此笔", missing_here: "平台无此笔", amount_mismatch: "金额不符",
  status_mismatch: "状态不符",
};

export const STATEMENT_STATES = { filed: "待审批", approved: "已审批，待支付", paid: "已支付" };

export const FUNDS = { local_fund: "还血基金", military_fund: "部队献血管理费" };

export const POOLS = { self: "本人额度", relatives: "亲属共享额度" };

/** An audit event's reason in words: document kinds and channels by their names. A document viewed
 * names its kind where the event carries it (the audit search) and the reason the viewer gave. */
export function eventReason(e) {
  if (e.action === "document_viewed" && e.detail?.kind) {
    const kind = DOC_KIND_NAMES[e.detail.kind] || e.detail.kind;
    return e.reason ? `${kind}：${e.reason}` : kind;
  }
  if (!e.reason) return "";
  if (e.action === "document_added") return DOC_KIND_NAMES[e.reason] || e.reason;
  const channel = /^channel (\w+)$/.exec(e.reason);
  return channel ? `渠道：${CHANNELS[channel[1]] || channel[1]}` : e.reason;
}
