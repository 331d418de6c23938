// Small DOM helpers in the WeUI manner: cells, toasts, dialogs, action sheets, field errors.

/** h("div.cls#id", {attrs}, ...children): build DOM without innerHTML (user data stays text). */
export function h(spec, attrs, ...children) {
  const [, tag = "div", rest = ""] = /^([a-z0-9]*)(.*)$/i.exec(spec);
  const el = document.createElement(tag || "div");
  for (const part of rest.match(/[.#][^.#]+/g) || []) {
    if (part[0] === ".") el.classList.add(part.slice(1));
    else el.id = part.slice(1);
  }
  if (attrs !== null && attrs !== undefined && (typeof attrs !== "object" || attrs instanceof Node || Array.isArray(attrs))) {
    children.unshift(attrs);
    attrs = null;
  }
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className += ` ${value}`;
    else if (key === "testid") el.dataset.testid = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key === "html") el.innerHTML = value; // only for our own constant SVG icons
    else if (key === "value") el.value = value;
    else if (key === "style") el.style.cssText = value; // CSSOM, not a style attribute: allowed by the CSP
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, value);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Integer fen -> "1,234.50" (integers only: no float arithmetic on money). */
export function yuan(fen) {
  if (fen === null || fen === undefined) return "—";
  const negative = fen < 0;
  const abs = Math.abs(Math.trunc(fen));
  const whole = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const cents = String(abs % 100).padStart(2, "0");
  return `${negative ? "-" : ""}${whole}.${cents}`;
}

/** "1234.5" -> 123450; null when not a yuan amount with at most two decimals. */
export function parseFen(text) {
  const s = String(text || "").trim().replace(/[,，\s]/g, "");
  const m = /^(\d{1,9})(?:\.(\d{0,2}))?$/.exec(s);
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] || "").padEnd(2, "0"));
}

/** Keep the surname: 张三 -> 张*, 欧阳娜娜 -> 欧***. */
export function maskName(name) {
  if (!name) return "";
  const chars = Array.from(name);
  return chars[0] + "*".repeat(Math.max(1, chars.length - 1));
}

export function ml(value) {
  return value === null || value === undefined ? "—" : `${Number(value).toLocaleString("zh-CN")} mL`;
}

export function dateText(iso) {
  if (!iso) return "—";
  const d = String(iso).slice(0, 10).split("-");
  return d.length === 3 ? `${d[0]}年${Number(d[1])}月${Number(d[2])}日` : iso;
}

export function dateTimeText(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

export function todayIso() {
  const d = new Date();
  const p = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

const ENGLISH = [
  [/^Field required$/i, "必填"],
  [/^String should have at least 1 character/i, "不能为空"],
  [/^Input should be greater than 0/i, "须大于 0"],
  [/^Input should be less than or equal to (\d+)/i, "不能超过 $1"],
  [/^Input should be a valid date/i, "请选择有效日期"],
  [/^Input should be a valid integer/i, "请输入整数"],
  [/^String should match pattern/i, "格式不正确"],
  [/^Input should be '([^']*)'/i, "选项无效"],
];

/** The server writes "中文 (English)": show the Chinese; translate pydantic's English. */
export function cleanMessage(message) {
  let text = String(message || "").replace(/^Value error,\s*/i, "").trim();
  const stripped = text.replace(/\s*\([\x20-\x7E]*\)\s*$/, "");
  if (/[\u4e00-\u9fff]/.test(stripped)) text = stripped;
  for (const [re, zh] of ENGLISH) if (re.test(text)) return text.replace(re, zh).replace(/\s*\(.*$/, "");
  return text;
}

// ---- feedback: toast, loading, dialog, action sheet -------------------------------------

let toastTimer = null;
export function toast(text, { icon = "success", ms = 1800 } = {}) {
  document.querySelector(".x-toast")?.remove();
  const node = h("div.x-toast", { role: "status", testid: "toast" },
    h("div.x-toast__box", icon === "none" ? null : h("i.x-toast__icon", { class: `is-${icon}` }),
      h("p.x-toast__text", text)));
  document.body.append(node);
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => node.remove(), ms);
}

let loadingCount = 0;
export function loading(on, text = "加载中") {
  loadingCount = Math.max(0, loadingCount + (on ? 1 : -1));
  let node = document.querySelector(".x-loading-toast");
  if (loadingCount > 0 && !node) {
    node = h("div.x-toast.x-loading-toast", { testid: "loading" },
      h("div.x-toast__box", h("i.x-spinner"), h("p.x-toast__text", text)));
    document.body.append(node);
  } else if (loadingCount === 0 && node) node.remove();
}

export async function busy(promise, text) {
  loading(true, text);
  try { return await promise; } finally { loading(false); }
}

/** WeUI dialog; resolves true (confirm) or false. `body` may be a node. */
export function dialog({ title, body, confirm = "确定", cancel = "取消", danger = false }) {
  return new Promise((resolve) => {
    const close = (value) => { mask.remove(); resolve(value); };
    const mask = h("div.x-mask", { testid: "dialog" },
      h("div.x-dialog", { role: "dialog", "aria-modal": "true" },
        title ? h("div.x-dialog__hd", h("strong", title)) : null,
        h("div.x-dialog__bd", body),
        h("div.x-dialog__ft",
          cancel ? h("button.x-dialog__btn.is-default", { type: "button", onclick: () => close(false), testid: "dialog-cancel" }, cancel) : null,
          h("button.x-dialog__btn", { type: "button", class: danger ? "is-warn" : "is-primary",
            onclick: () => close(true), testid: "dialog-confirm" }, confirm))));
    document.body.append(mask);
  });
}

/** Bottom action sheet (wx.showActionSheet); resolves the chosen index or -1. */
export function actionSheet(items, title) {
  return new Promise((resolve) => {
    const close = (value) => { mask.remove(); resolve(value); };
    const mask = h("div.x-mask.is-sheet", { onclick: (e) => { if (e.target === mask) close(-1); } },
      h("div.x-actionsheet",
        title ? h("div.x-actionsheet__title", title) : null,
        h("div.x-actionsheet__menu", items.map((label, i) =>
          h("button.x-actionsheet__cell", { type: "button", onclick: () => close(i) }, label))),
        h("button.x-actionsheet__cell.x-actionsheet__cancel", { type: "button", onclick: () => close(-1) }, "取消")));
    document.body.append(mask);
  });
}

// ---- forms ------------------------------------------------------------------------------

/** A form cell: label, control, and a slot for the API's error on `field`. */
export function fieldCell(label, control, { field, hint, required = false, vertical = false } = {}) {
  if (field && control instanceof HTMLElement) {
    // The testid and field name go on the control itself, or on the first one inside a wrapper.
    const isControl = control.matches("input, select, textarea");
    const target = isControl ? control : control.querySelector("input, select, textarea");
    if (target && !target.dataset.field && (isControl || !target.closest("[data-testid=items]"))) {
      target.dataset.field = field;
      if (!target.dataset.testid) target.dataset.testid = `input-${field}`;
      if (!target.getAttribute("aria-label")) target.setAttribute("aria-label", label);
    }
  }
  return h("div.x-cell.x-form-cell", { class: vertical ? "is-vertical" : "", dataset: field ? { cell: field } : {} },
    h("div.x-cell__hd", h("label.x-label", required ? h("span.x-required", "*") : null, label)),
    h("div.x-cell__bd", control,
      hint ? h("div.x-hint", hint) : null,
      field ? h("div.x-field-error", { dataset: { errorFor: field }, testid: `error-${field}`, role: "alert", hidden: true }) : null));
}

export function clearErrors(root) {
  for (const node of root.querySelectorAll("[data-error-for]")) { node.textContent = ""; node.hidden = true; }
  for (const node of root.querySelectorAll(".has-error")) node.classList.remove("has-error");
  root.querySelector(".x-form-alert")?.remove();
}

/** Put each `{field, message}` next to its field; return the errors that found no place. */
export function showErrors(root, errors) {
  const unplaced = [];
  for (const error of errors) {
    const field = String(error.field || "");
    let slot = root.querySelector(`[data-error-for="${CSS.escape(field)}"]`);
    // usage.items[0] when the item has no own cell, or "body": try the parent path.
    let path = field;
    while (!slot && /[.[]/.test(path)) {
      path = path.replace(/(\.[^.[\]]+|\[\d+\])$/, "");
      slot = root.querySelector(`[data-error-for="${CSS.escape(path)}"]`);
    }
    if (!slot) { unplaced.push(error); continue; }
    const text = cleanMessage(error.message);
    slot.textContent = slot.textContent ? `${slot.textContent}；${text}` : text;
    slot.hidden = false;
    slot.closest(".x-cell, .c-field")?.classList.add("has-error"); // the client's cells, the console's fields
  }
  return unplaced;
}

/** The problem's detail (or leftover field errors) in a red bar at the top of `root`. */
export function formAlert(root, error, unplaced = null) {
  root.querySelector(".x-form-alert")?.remove();
  const lines = unplaced && unplaced.length
    ? unplaced.map((e) => `${e.field}：${cleanMessage(e.message)}`)
    : [cleanMessage(error?.problem?.detail || error?.message || "操作失败，请稍后重试")];
  const node = h("div.x-form-alert", { role: "alert", testid: "form-alert" }, lines.map((l) => h("p", l)));
  root.prepend(node);
  node.scrollIntoView({ block: "nearest" });
  return node;
}

/** Show an ApiError on a form: fields first, detail otherwise. Returns true if any field shown. */
export function reportError(root, error) {
  clearErrors(root);
  const errors = error?.errors || [];
  if (!errors.length) { formAlert(root, error); return false; }
  const unplaced = showErrors(root, errors);
  if (unplaced.length) formAlert(root, error, unplaced);
  root.querySelector(".has-error")?.scrollIntoView({ block: "center" });
  return unplaced.length < errors.length;
}

export function input(attrs = {}) {
  return h("input.x-input", { type: "text", autocomplete: "off", ...attrs });
}

export function select(options, attrs = {}) {
  return h("select.x-select", attrs,
    Object.entries(options).map(([value, label]) => h("option", { value }, label)));
}

export function button(label, attrs = {}, tone = "primary") {
  return h("button.x-btn", { type: "button", class: `x-btn--${tone}`, ...attrs }, label);
}

export function cellLink(title, { href, value, icon, testid, onclick } = {}) {
  // No javascript: URL (the CSP blocks it): without a target the cell is a button-like link.
  return h("a.x-cell.x-cell--access", { href: href || null, role: href ? null : "button", tabindex: href ? null : "0",
    testid, onclick },
    icon ? h("div.x-cell__icon", { html: icon }) : null,
    h("div.x-cell__bd", title),
    value !== undefined ? h("div.x-cell__ft", value) : h("div.x-cell__ft"));
}

export function cells(title, ...rows) {
  return [title ? h("div.x-cells__title", title) : null, h("div.x-cells", rows)];
}

export function kv(label, value, testid) {
  return h("div.x-cell", h("div.x-cell__bd.x-muted", label), h("div.x-cell__ft.x-strong", { testid }, value));
}

export function tag(text, tone = "grey", testid) {
  return h("span.x-tag", { class: `is-${tone}`, testid }, text);
}

export function emptyState(text, action) {
  return h("div.x-empty", h("div.x-empty__icon"), h("p", text), action || null);
}
