// 医院结算审批: hospitals' monthly statements of direct reductions, approved once and paid once;
// 跨省结算: inter-province statements, shown once the interop routes exist (menu hides it until then).
import { download, ops, pager } from "../js/api.js";
import { FUNDS, STATEMENT_STATES } from "../js/labels.js";
import { INTEROP_PARTNERS, INTEROP_STATEMENTS } from "../js/menu.js";
import {
  alertBox, button, card, dateTimeText, field, h, modal, money, pageHeader, pagedTable, pill, select, toast,
} from "../js/widgets.js";

export async function renderStatements(page, ctx) {
  const status = select(STATEMENT_STATES, { testid: "filter-status", value: "filed" }, "全部");
  status.value = ctx.query.get("status") ?? "filed";
  const results = h("div");
  const columns = [
    { label: "医院", cell: (s) => h("span", s.hospital_name, h("div.c-small.c-muted", `${s.hospital_code} · ${s.district_office}`)) },
    { label: "结算期", cell: (s) => s.period },
    { label: "笔数", num: true, cell: (s) => String(s.reduction_count) },
    { label: "金额", num: true, cell: (s) => money(s.total_fen) },
    { label: "申请时间", cell: (s) => h("span", dateTimeText(s.filed_at), s.late ? pill("逾期申请", "orange") : null) },
    { label: "状态", cell: (s) => pill(STATEMENT_STATES[s.status] || s.status, s.status === "filed" ? "orange" : "green", "statement-status") },
    { label: "操作", cell: (s) => h("div.c-row",
      button("清单 CSV", { onclick: () => download(`/ops/v1/hospital-settlements/${s.id}/statement.csv`, `statement-${s.period}.csv`) }, "link"),
      button("清单 PDF", { onclick: () => download(`/ops/v1/hospital-settlements/${s.id}/statement.pdf`, `statement-${s.period}.pdf`) }, "link"),
      s.status === "filed" ? button("审批", { testid: "statement-approve", onclick: () => approve(s) }, "primary") : null) },
  ];
  async function approve(s) {
    const done = await modal({
      title: "审批医院结算", confirm: "审批并付款", testid: "approve-statement-dialog",
      body: h("p", `${s.hospital_name} ${s.period}：${s.reduction_count} 笔直免，共 ${money(s.total_fen)}。审批后向医院对公账户付款一次。`),
      onConfirm: () => ops.post(`/ops/v1/hospital-settlements/${s.id}/approve`),
    });
    if (done) {
      toast("已审批");
      const funding = (done.funding || []).map((f) => `${FUNDS[f.source] || f.source} ${money(f.amount_fen)}`).join("；");
      await load();
      results.prepend(alertBox(`${s.hospital_name} ${s.period} 已审批${funding ? `（${funding}）` : ""}。`, "ok", "statement-approved"));
    }
  }
  async function load() {
    const table = await pagedTable(columns, pager("/ops/v1/hospital-settlements", { status: status.value || null }), {
      empty: "没有待处理的结算清单", testid: "statements",
      rowAttrs: (s) => ({ testid: "statement-row", dataset: { id: s.id, status: s.status } }) });
    if (!ctx.stale) results.replaceChildren(table);
  }
  status.addEventListener("change", () => load());
  page.append(pageHeader("医院结算审批", "医疗机构每月10日前申请上月直免结算；区献血办审核后向医院支付，每张清单只付一次。"),
    card(null, [h("div.c-filters", field("状态", status)), results]));
  await load();
}

/** Interop's lists, shown once its routes exist (see js/menu.js): rendered as the route answers. */
async function renderInteropList(page, route, title, sub) {
  const rows = await ops.get(route.replace(/^GET /, ""));
  const list = Array.isArray(rows) ? rows : rows.items || [];
  const keys = list.length ? Object.keys(list[0]).slice(0, 8) : [];
  page.append(pageHeader(title, sub),
    card(null, list.length ? h("table.c-table", { testid: "interop-list" },
      h("thead", h("tr", keys.map((k) => h("th", k)))),
      h("tbody", list.map((r) => h("tr", keys.map((k) => h("td", typeof r[k] === "object" ? JSON.stringify(r[k]) : String(r[k] ?? "—")))))))
      : h("div.c-empty", "暂无记录")));
}

export function renderInteropStatements(page) {
  return renderInteropList(page, INTEROP_STATEMENTS, "跨省结算", "与其他省份平台之间的垫付结算清单（跨省异地减免）。");
}

export function renderInteropPartners(page) {
  return renderInteropList(page, INTEROP_PARTNERS, "跨省合作平台与密钥", "其他省份平台的地址、服务省份和签名公钥。");
}
