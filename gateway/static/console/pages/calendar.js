// 工作日历与告警: the working-day calendar by year (official notices shipped, or entered by ops
// when the State Council publishes next year's schedule), and the claims whose due date is an alarm.
import { ops } from "../js/api.js";
import {
  alertBox, button, card, clearErrors, dateTimeText, field, h, input, modal, pageHeader, pill, select, showError, table, toast,
} from "../js/widgets.js";

export async function renderCalendar(page, ctx) {
  const thisYear = new Date().getFullYear();
  const year = select({ [thisYear]: `${thisYear} 年`, [thisYear + 1]: `${thisYear + 1} 年`, [thisYear + 2]: `${thisYear + 2} 年` },
    { testid: "calendar-year" });
  year.value = ctx.query.get("year") || String(thisYear + 1);
  const yearBody = h("div", { testid: "calendar-body" });
  const alarmsBody = h("div");

  const day = input({ type: "date", testid: "day-date" });
  const working = select({ false: "放假", true: "调休上班" }, { testid: "day-working" });
  const note = input({ placeholder: "如 2027年春节", testid: "day-note" });
  const form = h("div.c-form", { testid: "day-form" },
    field("日期", day, { field: "day", required: true }),
    field("类型", working, { field: "working" }),
    field("说明", note, { field: "note", required: true }),
    h("div.c-form-actions", button("录入", { testid: "day-submit", onclick: async () => {
      clearErrors(form);
      if (!day.value) { showError(form, { errors: [{ field: "day", message: "请选择日期" }] }); return; }
      try {
        await ops.put(`/ops/v1/calendar/days/${day.value}`, { working: working.value === "true", note: note.value.trim() });
        toast("已录入");
        year.value = day.value.slice(0, 4);
        await loadYear();
      } catch (error) {
        if (error.status !== 401) showError(form, error);
      }
    } }, "primary")));

  async function loadYear() {
    const y = await ops.get(`/ops/v1/calendar/years/${year.value}`);
    if (ctx.stale) return;
    const status = y.source === "package" ? alertBox(`${y.year} 年：已包含国务院办公厅放假通知（随系统发布）。下列为人工更正。`, "ok", "year-status")
      : y.source === "declared" ? alertBox(`${y.year} 年：已由管理员录入并确认全年安排。`, "ok", "year-status")
        : alertBox(`${y.year} 年：尚未覆盖。该年的审核期限无法计算，会产生告警。请按国务院办公厅通知逐日录入放假和调休上班日，然后确认全年已录入。`,
          "warn", "year-status");
    yearBody.replaceChildren(status,
      table([
        { label: "日期", cell: (d) => d.day },
        { label: "类型", cell: (d) => (d.working ? pill("调休上班", "blue") : pill("放假", "red")) },
        { label: "说明", cell: (d) => d.note },
        { label: "录入人", cell: (d) => d.set_by },
      ], y.overrides, { empty: "没有人工录入的日期", testid: "overrides" }),
      y.covered ? null : h("div.c-form-actions", button(`确认 ${y.year} 年安排已全部录入`, { testid: "declare-year", onclick: async () => {
        const done = await modal({ title: "确认全年安排", confirm: "确认", testid: "declare-dialog",
          body: h("p", "确认后，未录入的日期按正常周一至周五工作计算，并解除该年的告警。"),
          onConfirm: () => ops.post(`/ops/v1/calendar/years/${y.year}`) });
        if (done) { toast("已确认"); loadYear(); loadAlarms(); }
      } }, "primary")));
  }

  async function loadAlarms() {
    const alarms = await ops.get("/ops/v1/calendar/alarms");
    if (ctx.stale) return;
    alarmsBody.replaceChildren(table([
      { label: "申请", cell: (a) => h("a", { href: `#/claims/${a.claim_id}` }, a.claim_id.slice(0, 8)) },
      { label: "未覆盖的年份", cell: (a) => `${a.year} 年` },
      { label: "告警时间", cell: (a) => dateTimeText(a.raised_at) },
    ], alarms, { empty: "没有告警", testid: "alarms" }));
  }

  year.addEventListener("change", loadYear);
  page.append(pageHeader("工作日历与告警", "审核与支付期限按法定工作日计算（含调休）；日历未覆盖的年份不做猜测，而是告警。"),
    h("div.c-grid2",
      card("年度日历", [h("div.c-filters", field("年份", year)), yearBody], { testid: "year-card" }),
      h("div", card("录入放假或调休日", form), card("期限告警", alarmsBody, { testid: "alarms-card" }))));
  await Promise.all([loadYear(), loadAlarms()]);
}
