// 献血记录导入与补录: a station's CSV export imported in batches with a progress bar and the
// rejected rows listed; and one missing record back-filled after checking the paper certificate.
import { ops } from "../js/api.js";
import { CERT_TYPES, PROVINCES } from "../js/labels.js";
import { account } from "../js/nav.js";
import {
  alertBox, button, card, cleanMessage, clearErrors, field, h, input, pageHeader, select, showError, table,
} from "../js/widgets.js";

const BATCH = 500;
const BOOL = { true: true, 1: true, yes: true, 是: true, false: false, 0: false, no: false, 否: false, "": false };

/** RFC 4180 CSV (quotes, doubled quotes, CRLF), UTF-8 with or without a BOM. */
export function parseCsv(text) {
  const rows = [];
  let row = [];
  let cell = "";
  let quoted = false;
  const src = text.replace(/^\uFEFF/, "");
  for (let i = 0; i < src.length; i += 1) {
    const c = src[i];
    if (quoted) {
      if (c === "\"" && src[i + 1] === "\"") { cell += "\""; i += 1; } else if (c === "\"") quoted = false; else cell += c;
    } else if (c === "\"") quoted = true;
    else if (c === ",") { row.push(cell); cell = ""; } else if (c === "\n" || c === "\r") {
      if (c === "\r" && src[i + 1] === "\n") i += 1;
      row.push(cell); rows.push(row); row = []; cell = "";
    } else cell += c;
  }
  if (cell !== "" || row.length) { row.push(cell); rows.push(row); }
  const [header = [], ...body] = rows.filter((r) => r.some((v) => v.trim() !== ""));
  return body.map((r) => Object.fromEntries(header.map((k, i) => [k.trim(), (r[i] ?? "").trim()])));
}

/** CSV text to the API's JSON types, as the import CLI does; anything odd is left for the API to refuse. */
export function toRecord(row) {
  const record = { ...row };
  for (const name of ["volume_ml", "units"]) {
    const v = record[name];
    record[name] = /^\d+$/.test(v || "") ? Number(v) : v ? v : null;
  }
  for (const name of ["military", "qualified"]) {
    if (name in record) record[name] = BOOL[String(record[name]).toLowerCase()] ?? record[name];
  }
  if (!record.phone) delete record.phone;
  return record;
}

async function sendBatch(records, start) {
  const rejected = [];
  let positions = records.map((_, i) => i);
  while (positions.length) {
    try {
      const result = await ops.post("/ops/v1/donations", { records: positions.map((p) => records[p]) });
      rejected.push(...result.rejected.map((r) => ({ row: start + positions[r.index] + 2, problem: r.problem })));
      return { created: result.created, unchanged: result.unchanged, rejected };
    } catch (error) {
      const conflicts = error.status === 409 ? error.problem.conflicts : null;
      if (!conflicts) throw error;
      const drop = new Set(conflicts.map((c) => c.index));
      for (const c of conflicts) {
        rejected.push({ row: start + positions[c.index] + 2,
          problem: `与已导入的记录 ${c.station_code}/${c.donation_no} 内容不同（同一献血编号不能改写）` });
      }
      positions = positions.filter((_, i) => !drop.has(i));
    }
  }
  return { created: 0, unchanged: 0, rejected };
}

function importCard() {
  const file = h("input", { type: "file", accept: ".csv,text/csv", testid: "csv-file" });
  const bar = h("div.c-progress__bar", { testid: "progress-bar" });
  const progressText = h("span.c-small.c-muted", { testid: "progress-text" });
  const result = h("div", { testid: "import-result" });
  const start = button("开始导入", { testid: "import-start", disabled: true }, "primary");
  let rows = [];
  file.addEventListener("change", async () => {
    result.replaceChildren();
    const chosen = file.files[0];
    rows = chosen ? parseCsv(await chosen.text()) : [];
    start.disabled = !rows.length;
    progressText.textContent = chosen ? `共 ${rows.length} 行，待导入` : "";
    bar.style.width = "0%";
  });
  start.addEventListener("click", async () => {
    start.disabled = true;
    file.disabled = true;
    const totals = { created: 0, unchanged: 0, rejected: [] };
    try {
      for (let at = 0; at < rows.length; at += BATCH) {
        const batch = rows.slice(at, at + BATCH).map(toRecord);
        const r = await sendBatch(batch, at);
        totals.created += r.created;
        totals.unchanged += r.unchanged;
        totals.rejected.push(...r.rejected);
        const done = Math.min(rows.length, at + BATCH);
        bar.style.width = `${Math.round((done * 100) / rows.length)}%`;
        progressText.textContent = `已处理 ${done} / ${rows.length} 行`;
      }
      result.replaceChildren(
        alertBox(`导入完成：新增 ${totals.created} 条，已存在 ${totals.unchanged} 条，未导入 ${totals.rejected.length} 条。`,
          totals.rejected.length ? "warn" : "ok", "import-summary"),
        totals.rejected.length ? table([
          { label: "行号", cell: (r) => String(r.row) },
          { label: "原因", cell: (r) => r.problem.split("; ").map((part) => cleanMessage(part)).join("；") },
        ], totals.rejected.sort((a, b) => a.row - b.row), { testid: "rejected-rows" }) : null);
    } catch (error) {
      if (error.status !== 401) result.replaceChildren(alertBox(`导入中断：${error.message}（已处理的批次已保存，可重新导入，已有记录不会重复）`, "error", "import-summary"));
    } finally {
      file.disabled = false;
      start.disabled = !rows.length;
    }
  });
  return card("导入献血记录（CSV）", [
    h("p.c-muted.c-small", "血站系统导出的 CSV：表头 donation_no, station_code, cert_type, cert_number, name, province, military, "
      + "donated_on, kind, volume_ml, units, qualified, phone。同一献血编号重复导入不会重复记录。"),
    h("div.c-row", file, start),
    h("div.c-progress", { testid: "progress" }, bar), progressText, result,
  ], { testid: "import-card" });
}

function backfillCard() {
  const me = account.me;
  const c = {
    donation_no: input(), station_code: input({ placeholder: "如 110000-XZ" }), cert_type: select(CERT_TYPES),
    cert_number: input(), name: input(), province: select(PROVINCES, { value: me.province || "11" }),
    donated_on: input({ type: "date" }), kind: select({ whole_blood: "全血", platelet_apheresis: "机采血小板" }),
    volume_ml: select({ 200: "200 mL", 300: "300 mL", 400: "400 mL" }), units: select({ 1: "1 个治疗量", 2: "2 个治疗量" }),
    military: h("input", { type: "checkbox", testid: "input-military" }),
    qualified: h("input", { type: "checkbox", checked: true, testid: "input-qualified" }),
    phone: input({ placeholder: "选填" }),
  };
  const volumeField = field("献血量", c.volume_ml, { field: "volume_ml" });
  const unitsField = field("治疗量", c.units, { field: "units" });
  unitsField.hidden = true;
  c.kind.addEventListener("change", () => {
    volumeField.hidden = c.kind.value !== "whole_blood";
    unitsField.hidden = c.kind.value === "whole_blood";
  });
  const outcome = h("div", { testid: "backfill-result" });
  const form = h("div.c-form", { testid: "backfill-form" },
    field("献血编号", c.donation_no, { field: "donation_no", required: true }),
    field("采血机构编码", c.station_code, { field: "station_code", required: true }),
    field("证件类型", c.cert_type, { field: "cert_type" }),
    field("证件号码", c.cert_number, { field: "cert_number", required: true }),
    field("姓名", c.name, { field: "name", required: true }),
    field("献血省份", c.province, { field: "province", required: true }),
    field("献血日期", c.donated_on, { field: "donated_on", required: true }),
    field("献血类型", c.kind, { field: "kind", required: true }),
    volumeField, unitsField,
    field("手机号", c.phone, { field: "phone" }),
    h("div.c-field", h("label", "其他"), h("div.c-checks", h("label", c.military, "部队采血"), h("label", c.qualified, "检测合格"))),
    h("div.c-form-actions", button("补录", { testid: "backfill-submit", onclick: submit }, "primary")));

  async function submit() {
    clearErrors(form);
    outcome.replaceChildren();
    const whole = c.kind.value === "whole_blood";
    const record = {
      donation_no: c.donation_no.value.trim(), station_code: c.station_code.value.trim(), cert_type: c.cert_type.value,
      cert_number: c.cert_number.value.trim(), name: c.name.value.trim(), province: c.province.value,
      military: c.military.checked, donated_on: c.donated_on.value || null, kind: c.kind.value,
      volume_ml: whole ? Number(c.volume_ml.value) : null, units: whole ? null : Number(c.units.value),
      qualified: c.qualified.checked, ...(c.phone.value.trim() ? { phone: c.phone.value.trim() } : {}),
    };
    try {
      const result = await ops.post("/ops/v1/donations", { records: [record] });
      if (result.rejected.length) {
        // "donated_on: 献血日期不能晚于今天; cert_number: ..." -> each message on its field
        const errors = result.rejected[0].problem.split("; ").map((part) => {
          const m = /^([a-z_]+): (.*)$/.exec(part);
          return m ? { field: m[1], message: m[2] } : { field: "record", message: part };
        });
        showError(form, { errors, message: result.rejected[0].problem });
        return;
      }
      outcome.replaceChildren(alertBox(result.created ? `已补录献血记录 ${record.donation_no}。` : "该记录已存在，内容相同，无需补录。",
        "ok", "backfill-done"));
    } catch (error) {
      if (error.status === 409 && error.problem.conflicts) {
        showError(form, { errors: [{ field: "donation_no", message: "该献血编号已有内容不同的记录，不能改写" }] });
      } else if (error.status !== 401) showError(form, error);
    }
  }
  return card("补录献血记录", [h("p.c-muted.c-small", "献血者反映记录缺失（多为早年或部队记录）时，核对纸质献血证后逐条补录。"), form, outcome],
    { testid: "backfill-card" });
}

export async function renderDonations(page) {
  page.append(pageHeader("献血记录导入与补录", "导入血站的献血记录，或补录缺失的记录。"), importCard(), backfillCard());
}
