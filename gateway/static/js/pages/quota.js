// 用血额度 and 减免测算: pools from the certificate, a quote for a planned blood use with
// the entitlement service's explanation lines.
import { api } from "../api.js";
import { loadCertificate, relativesQuota, selfQuota } from "../certificate.js";
import { itemsEditor } from "../items.js";
import { PROVINCES } from "../labels.js";
import { button, busy, clearErrors, dateText, emptyState, fieldCell, h, input, kv, parseFen, reportError, select, yuan } from "../ui.js";

const ESTIMATE_RELATIONSHIPS = { self: "本人", spouse: "配偶", parent: "父母", child: "子女" };

export async function renderQuota(page, ctx) {
  const cert = await loadCertificate();
  if (ctx.stale) return;
  if (!cert || !cert.provinces.length) {
    page.append(emptyState("暂无献血记录，无法测算用血额度。"));
    return;
  }
  for (const p of cert.provinces) {
    const place = PROVINCES[p.province] || p.province;
    page.append(
      h("div.x-cells__title", `${place}献血 · 规则 ${p.rule_set || "未配置"}`),
      h("div.x-cells", { testid: `quota-${p.province}` },
        kv("累计献血量", `${p.total_volume_ml} mL`),
        kv("本人用血额度", selfQuota(p), "quota-page-self"),
        p.self_window_ends_on && !p.self_unlimited ? kv("本人部分额度有效至", `${dateText(p.self_window_ends_on)}（含）`) : null,
        kv("配偶、父母、子女共用额度", relativesQuota(p), "quota-page-relatives"),
        p.relatives_window_ends_on && !p.relatives_unlimited ? kv("亲属部分额度有效至", `${dateText(p.relatives_window_ends_on)}（含）`) : null),
      h("div.x-cells__tips", "本人额度与亲属额度分别计算；亲属共用一份额度，用完为止。额度以用血日期计算，测算不占用额度。"));
  }

  // 减免测算
  const relationship = select(ESTIMATE_RELATIONSHIPS);
  const items = itemsEditor([{ product: "red_cells", quantity: 2 }], { field: "items" });
  const fee = input({ inputmode: "decimal", placeholder: "发票上的输血费用", value: "440.00" });
  const usedOn = input({ type: "date" });
  const province = cert.provinces.length > 1
    ? select(Object.fromEntries(cert.provinces.map((p) => [p.province, PROVINCES[p.province] || p.province]))) : null;
  const result = h("div", { testid: "estimate-result" });
  const form = h("form", { novalidate: true, testid: "estimate-form" },
    h("div.x-cells__title", "减免测算（手术前预估）"),
    h("div.x-cells",
      fieldCell("用血人", relationship, { field: "relationship" }),
      province ? fieldCell("献血省份", province, { field: "province" }) : null,
      fieldCell("血液品种", items, { field: "items", vertical: true }),
      fieldCell("输血费用", h("div.x-inline", fee, h("span.x-muted", "元")), { field: "blood_fee_fen" }),
      fieldCell("计划用血日", usedOn, { field: "used_on", hint: "不填则按今天计算" })),
    h("div.x-btn-area", button("开始测算", { type: "submit", testid: "estimate-submit" })),
    result);

  const run = async () => {
    clearErrors(form);
    const fen = parseFen(fee.value);
    const body = { relationship: relationship.value, items: items.value(), blood_fee_fen: fen ?? 0 };
    if (usedOn.value) body.used_on = usedOn.value;
    if (province) body.province = province.value;
    if (fen === null) { reportError(form, { errors: [{ field: "blood_fee_fen", message: "请输入金额，如 440.00" }] }); return; }
    try {
      const quote = await busy(api.post("/api/v1/me/estimate", body), "测算中");
      showQuote(result, quote);
    } catch (err) {
      result.replaceChildren();
      reportError(form, err);
    }
  };
  form.addEventListener("submit", (e) => { e.preventDefault(); run(); });
  page.append(form);
  await run();
}

function showQuote(node, q) {
  const pool = q.pool === "self" ? "本人额度" : "亲属共用额度";
  node.replaceChildren(
    h("section.x-card", { testid: "estimate-card" },
      h("div.x-result",
        h("div.x-result__label", "预计可减免"),
        h("div.x-result__amount", { testid: "estimate-amount" }, h("small", "¥"), yuan(q.reducible_fen))),
      h("div.x-cells", { style: "margin-top:8px" },
        kv("用血量（折合全血）", `${q.used_ml} mL`),
        kv("可减免用血量", `${q.covered_ml} mL`),
        kv("使用额度", q.unlimited ? `${pool}（无限量）` : pool),
        q.unlimited ? null : kv("测算后剩余", `${q.remaining_ml_after ?? 0} mL`))),
    h("div.x-cells__title", "额度与金额说明"),
    h("div.x-cells", h("div", { style: "padding:8px 16px" },
      h("ol.x-explain", { testid: "estimate-explanation" }, q.explanation.map((line) => h("li", line))))),
    h("div.x-cells__tips", `规则集 ${q.rule_set}。测算结果仅供参考，以献血地血站审核为准。`));
}
