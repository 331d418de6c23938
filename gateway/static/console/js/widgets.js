// Desktop building blocks on top of the client's DOM helpers (/js/ui.js): page headers, cards,
// form fields with their API error slot, tables, "load more", modal forms, status tags.
import { cleanMessage, h, showErrors, tag, yuan } from "/js/ui.js";
import { STATUS, STATUS_TONE } from "./labels.js";

export { busy, cleanMessage, dateText, dateTimeText, h, parseFen, tag, toast, todayIso, yuan } from "/js/ui.js";

export function pageHeader(title, sub, ...actions) {
  return h("div.c-page__hd", h("div", h("h1.c-page__title", title), sub ? h("p.c-page__sub", sub) : null),
    actions.length ? h("div.c-row", actions) : null);
}

export function card(title, children, { actions = [], testid } = {}) {
  return h("section.c-card", { testid },
    title || actions.length ? h("div.c-card__hd", h("h2.c-card__title", title || ""), h("div.c-row", actions)) : null,
    children);
}

export function button(label, attrs = {}, tone = "") {
  return h("button.c-btn", { type: "button", class: tone ? `c-btn--${tone}` : "", ...attrs }, label);
}

export function input(attrs = {}) {
  return h("input.c-input", { type: "text", autocomplete: "off", ...attrs });
}

export function textarea(attrs = {}) {
  return h("textarea.c-textarea", attrs);
}

/** `options`: {value: label}; `empty`: a first option with value "" (e.g. "全部"). */
export function select(options, attrs = {}, empty = null) {
  const node = h("select.c-select", attrs,
    empty !== null ? h("option", { value: "" }, empty) : null,
    Object.entries(options).map(([value, label]) => h("option", { value }, label)));
  if (attrs.value !== undefined) node.value = attrs.value;
  return node;
}

/** Checkboxes; `read()` on the returned node gives the checked values. */
export function checks(options, { name, checked = [], testid } = {}) {
  const node = h("div.c-checks", { testid, role: "group" },
    Object.entries(options).map(([value, label]) => h("label",
      h("input", { type: "checkbox", name, value, checked: checked.includes(value), testid: `${name}-${value}` }),
      label)));
  node.read = () => [...node.querySelectorAll("input:checked")].map((i) => i.value);
  return node;
}

/** A labelled control with the slot where an API error on `field` is shown. */
export function field(label, control, { field: name, required = false, wide = false, full = false, hint } = {}) {
  if (name && control instanceof HTMLElement) {
    const target = control.matches("input, select, textarea") ? control : control.querySelector("input, select, textarea");
    if (target && !target.dataset.field) {
      target.dataset.field = name;
      if (!target.dataset.testid) target.dataset.testid = `input-${name}`;
      if (!target.getAttribute("aria-label")) target.setAttribute("aria-label", label);
    }
  }
  return h("div.c-field", { class: `${wide ? "is-wide" : ""} ${full ? "is-full" : ""}`, dataset: name ? { cell: name } : {} },
    h("label", required ? h("span.x-required", "*") : null, label),
    control,
    hint ? h("div.x-hint", hint) : null,
    name ? h("div.x-field-error", { dataset: { errorFor: name }, testid: `error-${name}`, role: "alert", hidden: true }) : null);
}

export function clearErrors(root) {
  for (const node of root.querySelectorAll("[data-error-for]")) { node.textContent = ""; node.hidden = true; }
  for (const node of root.querySelectorAll(".has-error")) node.classList.remove("has-error");
  for (const node of root.querySelectorAll(":scope > .c-alert.is-error")) node.remove();
}

/** The error's fields next to their controls; what has no place (or no field) in an alert on top. */
export function showError(root, error) {
  clearErrors(root);
  const errors = error?.errors || [];
  const unplaced = showErrors(root, errors);
  if (unplaced.length || !errors.length) {
    const lines = unplaced.length ? unplaced.map((e) => `${e.field}：${cleanMessage(e.message)}`)
      : [cleanMessage(error?.problem?.detail || error?.message || "操作失败，请稍后重试")];
    root.prepend(h("div.c-alert.is-error", { role: "alert", testid: "form-alert" }, lines.map((l) => h("p", l))));
  }
  (root.querySelector(".has-error") || root.querySelector(".c-alert.is-error"))?.scrollIntoView({ block: "center" });
  return unplaced.length < errors.length;
}

export function alertBox(text, tone = "info", testid) {
  return h("div.c-alert", { class: `is-${tone}`, testid, role: tone === "error" ? "alert" : "status" }, text);
}

export function statusTag(status, testid) {
  return tag(STATUS[status] || status, STATUS_TONE[status] || "grey", testid);
}

export function pill(text, tone = "", testid) {
  return h("span.c-pill", { class: tone ? `is-${tone}` : "", testid }, text);
}

export function money(fen) {
  return fen === null || fen === undefined ? "—" : `¥${yuan(fen)}`;
}

/**
 * A table. `columns`: [{label, cell(row) -> node|text, num}]; `onRow(row)` makes rows links;
 * `rowAttrs(row)` adds attributes (testid, dataset, class).
 */
export function table(columns, rows, { onRow, rowAttrs, empty = "暂无数据", testid } = {}) {
  const body = h("tbody");
  const node = h("table.c-table", { testid },
    h("thead", h("tr", columns.map((c) => h("th", { class: c.num ? "is-num" : "" }, c.label)))), body);
  node.add = (more) => {
    body.querySelector(".c-empty-row")?.remove();
    for (const row of more) {
      const attrs = rowAttrs ? rowAttrs(row) : {};
      body.append(h("tr", { ...attrs, class: `${attrs.class || ""} ${onRow ? "is-link" : ""}`,
        onclick: onRow ? (e) => { if (!e.target.closest("button, a, input")) onRow(row); } : null },
        columns.map((c) => h("td", { class: c.num ? "is-num" : "" }, c.cell(row)))));
    }
    if (!body.children.length) {
      body.append(h("tr.c-empty-row", h("td", { colspan: String(columns.length) }, h("div.c-empty", { testid: "table-empty" }, empty))));
    }
  };
  node.add(rows);
  return node;
}

/** A table fed by a pager (api.pager): the first page now, then "加载更多" until done. */
export async function pagedTable(columns, pagerState, options = {}) {
  const node = table(columns, await pagerState.next(), options);
  const more = h("div.c-more");
  const render = () => {
    more.replaceChildren(pagerState.done ? h("span.c-muted.c-small", node.querySelectorAll("tbody tr:not(.c-empty-row)").length
      ? "已全部显示" : "")
      : button("加载更多", { testid: "load-more", onclick: async () => { node.add(await pagerState.next()); render(); } }));
  };
  render();
  return h("div", node, more);
}

/**
 * A modal with a form. `onConfirm(box)` may throw an ApiError: its fields are shown inside and the
 * modal stays open. Resolves with onConfirm's result, or null when cancelled.
 */
export function modal({ title, body, confirm = "确定", cancel = "取消", tone = "primary", testid = "modal", onConfirm }) {
  return new Promise((resolve) => {
    const content = h("div.c-modal__bd", body);
    const ok = button(confirm, { testid: "modal-confirm" }, tone);
    const close = (value) => { mask.remove(); document.removeEventListener("keydown", onKey); resolve(value); };
    const onKey = (e) => { if (e.key === "Escape") close(null); };
    ok.addEventListener("click", async () => {
      ok.disabled = true;
      try {
        close(onConfirm ? await onConfirm(content) : true);
      } catch (error) {
        if (error && error.status === 401) { close(null); return; }
        showError(content, error);
      } finally {
        ok.disabled = false;
      }
    });
    const mask = h("div.c-modal", { testid },
      h("div.c-modal__box", { role: "dialog", "aria-modal": "true", "aria-label": title },
        h("div.c-modal__hd", title), content,
        h("div.c-modal__ft", button(cancel, { testid: "modal-cancel", onclick: () => close(null) }), ok)));
    document.addEventListener("keydown", onKey);
    document.body.append(mask);
    mask.querySelector("input, select, textarea")?.focus();
  });
}

/** Ask why sensitive personal data is opened (the server records it with who and when): the
 * reason given, or null when the dialog is cancelled. `input` is the reason's textarea. */
export function askReason({ title, confirm, testid, note, input }) {
  return modal({
    title, confirm, testid,
    body: [h("p.c-muted.c-small", note), field("查看原因", input, { field: "reason", required: true, full: true })],
    onConfirm: async () => {
      const text = input.value.trim();
      if (text.length < 2) throw { errors: [{ field: "reason", message: "请填写查看原因（至少2个字）" }] };
      return text;
    },
  });
}

/** The review clock in words: due date, working days left, or overdue in red. */
export function clockText(clock, status) {
  if (!clock) return "—";
  if (clock.paused) return h("span.c-muted", { testid: "clock" }, "待补充材料，计时暂停");
  if (!clock.due_on) {
    return ["submitted", "under_review", "awaiting_second_review"].includes(status)
      ? h("span.c-red", { testid: "clock" }, "工作日历未覆盖，期限无法计算") : h("span.c-muted", { testid: "clock" }, "—");
  }
  if (clock.overdue) {
    const days = clock.working_days_left === null ? "" : ` ${-clock.working_days_left} 个工作日`;
    return h("span.c-red", { testid: "clock" }, `${clock.due_on} · 已超期${days}`);
  }
  if (clock.working_days_left === null) return h("span", { testid: "clock" }, clock.due_on);
  const text = clock.working_days_left === 0 ? "今天到期" : `剩余 ${clock.working_days_left} 个工作日`;
  return h("span", { class: clock.working_days_left <= 2 ? "c-red" : "", testid: "clock" }, `${clock.due_on} · ${text}`);
}

export function kvList(rows, testid) {
  return h("dl.c-kv", { testid }, rows.filter(Boolean).flatMap(([k, v]) => [h("dt", k), h("dd", v ?? "—")]));
}

/** Yuan text from a form control to integer fen (null when empty or not an amount). */
export { parseFen as fenOf } from "/js/ui.js";
