// 每日对账: a day's transfers against each channel's statement; counts, every mismatch, the CSV.
import { download, ops } from "../js/api.js";
import { DISBURSEMENT_STATES, RECON_KINDS } from "../js/labels.js";
import {
  alertBox, button, card, dateTimeText, field, h, input, money, pageHeader, pill, table, toast, todayIso,
} from "../js/widgets.js";

const STATUS_WORDS = { processing: "处理中", succeeded: "成功", returned: "退回", failed: "失败", new: "结果未知",
  settled: "已入账", ...DISBURSEMENT_STATES };

export async function renderReconciliation(page, ctx) {
  const day = input({ type: "date", value: ctx.query.get("date") || todayIso(), max: todayIso(), testid: "recon-date" });
  const body = h("div", { testid: "recon-body" });

  function show(result) {
    const mismatches = result.mismatches;
    body.replaceChildren(
      card(`${result.date} 对账结果`, [
        h("p.c-muted.c-small", { testid: "recon-meta" },
          `${result.trigger === "manual" ? "手动" : "定时"}对账 · ${dateTimeText(result.ran_at)} · ${result.ran_by} · 通道：${result.channels.join("、")}`),
        h("div.c-figures", { testid: "recon-counts" }, Object.entries(RECON_KINDS).map(([kind, label]) =>
          h("div.c-figure", { class: kind === "matched" ? "" : result.counts[kind] ? "is-key" : "", dataset: { kind } },
            h("span", label), h("b", { testid: `count-${kind}` }, String(result.counts[kind] ?? 0))))),
        mismatches.length ? alertBox(`${mismatches.length} 笔不一致，须逐笔核查处理（程序不会自动处理）。`, "warn", "recon-alert")
          : alertBox("全部一致。", "ok", "recon-alert"),
        table([
          { label: "类型", cell: (i) => pill(RECON_KINDS[i.kind] || i.kind, "red") },
          { label: "通道", cell: (i) => i.channel },
          { label: "商户流水号", cell: (i) => i.merchant_transfer_no },
          { label: "来源", cell: (i) => (i.source_ref && i.source_ref.startsWith("claim:")
            ? h("a", { href: `#/claims/${i.source_ref.slice(6)}` }, "报销申请") : i.source_ref || "—") },
          { label: "平台金额", num: true, cell: (i) => money(i.platform_amount_fen) },
          { label: "通道金额", num: true, cell: (i) => money(i.bank_amount_fen) },
          { label: "平台状态", cell: (i) => STATUS_WORDS[i.platform_status] || i.platform_status || "—" },
          { label: "通道状态", cell: (i) => STATUS_WORDS[i.bank_status] || i.bank_status || "—" },
          { label: "说明", cell: (i) => i.detail },
        ], mismatches, { empty: "没有不一致的记录", testid: "mismatches",
          rowAttrs: (i) => ({ testid: "mismatch-row", dataset: { kind: i.kind, no: i.merchant_transfer_no } }) }),
      ], { testid: "recon-result" }));
  }

  async function view() {
    try {
      show(await ops.get("/ops/v1/payments/reconciliation", { date: day.value }));
    } catch (error) {
      if (error.status === 404) body.replaceChildren(alertBox(`${day.value} 尚未对账，请点击“对账”。`, "info", "recon-none"));
      else if (error.status !== 401) body.replaceChildren(alertBox(error.message, "error", "recon-error"));
    }
  }

  async function run() {
    try {
      show(await ops.post(`/ops/v1/payments/reconciliation/run?date=${encodeURIComponent(day.value)}`));
      toast("对账完成");
    } catch (error) {
      if (error.status !== 401) body.replaceChildren(alertBox(error.message, "error", "recon-error"));
    }
  }

  async function csv() {
    try {
      const name = await download(`/ops/v1/payments/reconciliation.csv?date=${encodeURIComponent(day.value)}`,
        `reconciliation-${day.value}.csv`);
      toast(`已下载 ${name}`);
    } catch (error) {
      if (error.status !== 401) body.replaceChildren(alertBox(error.message, "error", "recon-error"));
    }
  }

  day.addEventListener("change", view);
  page.append(pageHeader("每日对账", "平台当天的转账与各付款通道的对账单逐笔核对；每次对账都会保存，显示最近一次。"),
    card(null, h("div.c-filters", field("对账日期", day), button("查看", { testid: "recon-view", onclick: view }),
      button("对账", { testid: "recon-run", onclick: run }, "primary"), button("下载 CSV", { testid: "recon-csv", onclick: csv }))),
    body);
  await view();
}
