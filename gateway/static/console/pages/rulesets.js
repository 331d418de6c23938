// 减免规则 (read only) and 规则模拟: the rule sets as data, and the what-if simulation of a draft
// version over a period's real cases once the legal issue's route exists (hidden until then).
import { ops } from "../js/api.js";
import { PROVINCES, RELATIONSHIPS } from "../js/labels.js";
import { RULE_SET_SIMULATION } from "../js/menu.js";
import { alertBox, button, card, field, h, input, pageHeader, pill, select, showError, table, textarea } from "../js/widgets.js";

const CONFIDENCE = { high: "高", medium: "中", low: "低" };

function valueNode(value) {
  if (value === null || value === undefined) return h("span.c-muted", "—");
  if (Array.isArray(value)) {
    return value.every((v) => typeof v !== "object") ? value.join("、")
      : h("div", value.map((v) => h("div.c-card", valueNode(v))));
  }
  if (typeof value === "object") {
    return h("dl.c-kv", Object.entries(value).flatMap(([k, v]) => [h("dt", k), h("dd", valueNode(v))]));
  }
  return String(value);
}

export async function renderRuleSets(page, ctx) {
  const sets = await ops.get("/ops/v1/rule-sets");
  if (ctx.stale) return;
  const detail = h("div", { testid: "rule-set-detail" });
  async function open(rs) {
    const full = await ops.get(`/ops/v1/rule-sets/${encodeURIComponent(rs.id)}`);
    detail.replaceChildren(card(`${rs.id} · ${rs.name}`, valueNode(full), { testid: "rule-set-card" }));
    detail.scrollIntoView({ block: "start" });
  }
  page.append(pageHeader("减免规则", "各省减免规则以数据维护（只读）。修改须发布新版本，可先用规则模拟评估影响。"),
    card(null, table([
      { label: "编号", cell: (r) => h("a", { href: "#/admin/rule-sets", onclick: (e) => { e.preventDefault(); open(r); } }, r.id) },
      { label: "省份", cell: (r) => PROVINCES[r.province] || r.province },
      { label: "名称", cell: (r) => r.name },
      { label: "施行", cell: (r) => `${r.effective_from} 起${r.effective_to ? `，至 ${r.effective_to}` : ""}` },
      { label: "法规依据", cell: (r) => r.legal_reference },
      { label: "可信度", cell: (r) => CONFIDENCE[r.confidence] || r.confidence },
      { label: "额度", cell: (r) => (r.quotas_configured ? pill("已配置", "green") : pill("未配置（暂不受理）", "orange")) },
      { label: "亲属范围", cell: (r) => r.admitted_relationships.map((x) => RELATIONSHIPS[x] || x).join("、") },
    ], sets, { testid: "rule-sets", onRow: open, rowAttrs: (r) => ({ testid: "rule-set-row", dataset: { id: r.id } }) })),
    detail);
}

/** What-if: post a draft version with a period; show what the route answers (counts, then each change). */
export async function renderSimulation(page, ctx) {
  const sets = await ops.get("/ops/v1/rule-sets");
  if (ctx.stale) return;
  const base = select(Object.fromEntries(sets.map((r) => [r.id, `${r.id} · ${r.name}`])), { testid: "simulate-base" });
  const draft = textarea({ testid: "simulate-draft", rows: 16 });
  const from = input({ type: "date", testid: "simulate-from" });
  const to = input({ type: "date", testid: "simulate-to" });
  const result = h("div", { testid: "simulate-result" });
  const form = h("div.c-form",
    field("以此版本为基础", base, { field: "base", wide: true }),
    field("期间自", from, { field: "period.from" }), field("至", to, { field: "period.to" }),
    field("草案（JSON）", draft, { field: "rule_set", full: true }),
    h("div.c-form-actions", button("模拟", { testid: "simulate-run", onclick: run }, "primary")));
  async function loadBase() {
    draft.value = JSON.stringify(await ops.get(`/ops/v1/rule-sets/${encodeURIComponent(base.value)}`), null, 2);
  }
  async function run() {
    let rule;
    try { rule = JSON.parse(draft.value); } catch { showError(form, { errors: [{ field: "rule_set", message: "不是有效的 JSON" }] }); return; }
    try {
      const answer = await ops.post(RULE_SET_SIMULATION.replace(/^POST /, ""), { rule_set: rule, period: { from: from.value, to: to.value } });
      const changes = Array.isArray(answer.changes) ? answer.changes : [];
      result.replaceChildren(
        alertBox("模拟不改变任何数据。", "info"),
        valueNode(Object.fromEntries(Object.entries(answer).filter(([k]) => k !== "changes"))),
        changes.length ? table(Object.keys(changes[0]).slice(0, 8).map((k) => ({ label: k, cell: (c) => valueNode(c[k]) })), changes,
          { testid: "simulate-changes" }) : null);
    } catch (error) {
      if (error.status !== 401) showError(form, error);
    }
  }
  base.addEventListener("change", loadBase);
  page.append(pageHeader("规则模拟（what-if）", "把规则草案放到一段时间的真实申请和直免上，看哪些案件的金额会变、变多少。"),
    card(null, [form, result]));
  await loadBase();
}
