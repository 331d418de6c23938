// 窗口与邮寄受理: a station operator registers a claim from the counter or the post, with the API's
// own validations shown on their fields, then adds the papers (photos or scans from a file) and submits.
import { ops } from "../js/api.js";
import { CERT_TYPES, DOC_KINDS, PRODUCTS, PROVINCES, RELATIONSHIPS } from "../js/labels.js";
import { account, go } from "../js/nav.js";
import {
  alertBox, button, card, clearErrors, fenOf, field, h, input, money, pageHeader, pill, select, showError, statusTag, toast,
} from "../js/widgets.js";

const PRODUCT_NAMES = Object.fromEntries(Object.entries(PRODUCTS).map(([k, v]) => [k, `${v.name}（${v.unit}）`]));
const ACCEPT = "image/jpeg,image/png,application/pdf";

export async function renderIntake(page, ctx) {
  const [id] = ctx.params;
  if (id) return renderDocuments(page, ctx, id);
  return renderForm(page, ctx);
}

function personFields(prefix, label) {
  const controls = {
    cert_type: select(CERT_TYPES), cert_number: input({ placeholder: "18位身份证号" }), name: input(),
    phone: input({ placeholder: "11位手机号（选填）", inputmode: "numeric" }),
  };
  const nodes = [
    field(`${label}证件类型`, controls.cert_type, { field: `${prefix}.cert_type` }),
    field(`${label}证件号码`, controls.cert_number, { field: `${prefix}.cert_number`, required: true }),
    field(`${label}姓名`, controls.name, { field: `${prefix}.name`, required: true }),
    field(`${label}手机号`, controls.phone, { field: `${prefix}.phone` }),
  ];
  const read = () => ({ cert_type: controls.cert_type.value, cert_number: controls.cert_number.value.trim(),
    name: controls.name.value.trim(), phone: controls.phone.value.trim() || null });
  return { controls, nodes, read };
}

function itemsEditor() {
  const rows = h("div", { testid: "items" });
  const addRow = (product = "red_cells", quantity = "") => {
    const p = select(PRODUCT_NAMES, { testid: `item-product-${rows.children.length}` });
    p.value = product;
    const q = input({ value: quantity, inputmode: "numeric", testid: `item-quantity-${rows.children.length}`, placeholder: "数量" });
    const row = h("div.c-row", { dataset: { item: "" } }, p, q,
      button("删除", { onclick: () => { if (rows.children.length > 1) row.remove(); } }, "link"));
    row.read = () => ({ product: p.value, quantity: /^\d+$/.test(q.value.trim()) ? Number(q.value.trim()) : q.value.trim() });
    rows.append(row);
  };
  addRow();
  const node = h("div", rows, button("+ 添加一项", { testid: "item-add", onclick: () => addRow() }, "link"));
  node.read = () => [...rows.children].map((r) => r.read());
  return node;
}

function renderForm(page, ctx) {
  const me = account.me;
  const channel = select({ counter: "窗口受理（现场）", mail: "邮寄受理" }, { testid: "input-channel" });
  const province = select(PROVINCES, { value: me.province || "11" });
  const donor = personFields("donor", "献血者");
  const relationship = select(RELATIONSHIPS);
  const postmark = input({ type: "date" });  // 邮戳日期: a mailed claim's deadline is judged on it (民法典 201-203)
  const beneficiary = personFields("beneficiary", "用血者");
  const evidence = select({ pledge: "亲属关系承诺书（签字）", document: "亲属关系证明材料" }, {}, "请选择");
  const deceased = h("input", { type: "checkbox", testid: "input-donor_deceased" });
  const withAgent = h("input", { type: "checkbox", testid: "input-with-agent" });
  const agent = personFields("agent", "代办人");
  const hospital = input({ placeholder: "用血医院全称" });
  const usageProvince = select(PROVINCES, { value: me.province || "11" });
  const usedOn = input({ type: "date" });
  const paidOn = input({ type: "date" });
  const items = itemsEditor();
  const inv = { code: input(), number: input(), check: input(), issuedOn: input({ type: "date" }),
    total: input({ inputmode: "decimal", placeholder: "元" }), fee: input({ inputmode: "decimal", placeholder: "元" }) };
  const payee = { name: input({ placeholder: "默认为献血者本人" }), number: input({ inputmode: "numeric" }), bank: input({ placeholder: "开户行" }) };
  const relativeOnly = h("div.c-form", { testid: "relative-fields", hidden: true }, ...beneficiary.nodes,
    field("亲属关系证明方式", evidence, { field: "kinship_evidence", required: true, wide: true }));
  const agentOnly = h("div.c-form", { hidden: true, testid: "agent-fields" }, ...agent.nodes);
  relationship.addEventListener("change", () => { relativeOnly.hidden = relationship.value === "self"; });
  withAgent.addEventListener("change", () => { agentOnly.hidden = !withAgent.checked; });
  const mailOnly = h("div.c-form", { hidden: true, testid: "mail-fields" },
    field("邮戳日期", postmark, { field: "postmarked_on", required: true }));
  channel.addEventListener("change", () => { mailOnly.hidden = channel.value !== "mail"; });

  const form = h("div", { testid: "intake-form" },
    h("div.c-form",
      field("受理方式", channel, { field: "channel", required: true }),
      field("献血地（审核省份）", province, { field: "province", required: true }),
      h("div.c-form__section", "献血者"),
      ...donor.nodes,
      field("用血者与献血者关系", relationship, { field: "relationship", required: true }),
      h("div.c-field", h("label", "其他情况"), h("div.c-checks", h("label", deceased, "献血者已故"), h("label", withAgent, "由代办人办理")))),
    mailOnly, relativeOnly, agentOnly,
    h("div.c-form",
      h("div.c-form__section", "用血信息"),
      field("用血医院", hospital, { field: "usage.hospital_name", required: true, wide: true }),
      field("用血所在省份", usageProvince, { field: "usage.usage_province", required: true }),
      field("用血日期", usedOn, { field: "usage.used_on", required: true }),
      field("缴费日期", paidOn, { field: "usage.paid_on", required: true }),
      field("血液制品", items, { field: "usage.items", required: true, wide: true }),
      h("div.c-form__section", "医疗收费票据（发票）"),
      field("票据代码", inv.code, { field: "invoice.code", required: true }),
      field("票据号码", inv.number, { field: "invoice.number", required: true }),
      field("校验码", inv.check, { field: "invoice.check_code" }),
      field("开票日期", inv.issuedOn, { field: "invoice.issued_on", required: true }),
      field("发票总额（元）", inv.total, { field: "invoice.total_fen", required: true }),
      field("其中输血费用（元）", inv.fee, { field: "invoice.blood_fee_fen", required: true }),
      h("div.c-form__section", "收款账户"),
      field("户名", payee.name, { field: "payee.account_name" }),
      field("银行卡号", payee.number, { field: "payee.account_number", required: true, wide: true }),
      field("开户行", payee.bank, { field: "payee.bank_name", required: true }),
      h("div.c-form-actions", button("保存并上传材料", { testid: "intake-create", onclick: create }, "primary"))));

  async function create() {
    clearErrors(form);
    const local = [];
    const total = fenOf(inv.total.value);
    const fee = fenOf(inv.fee.value);
    if (total === null) local.push({ field: "invoice.total_fen", message: "请输入金额（元），最多两位小数" });
    if (fee === null) local.push({ field: "invoice.blood_fee_fen", message: "请输入金额（元），最多两位小数" });
    if (local.length) { showError(form, { errors: local }); return; }
    const d = donor.read();
    const self = relationship.value === "self";
    const body = {
      province: province.value, channel: channel.value, donor: d,
      beneficiary: self ? d : beneficiary.read(), relationship: relationship.value,
      kinship_evidence: self ? null : evidence.value || null,
      agent: withAgent.checked ? agent.read() : null, donor_deceased: deceased.checked,
      usage: { hospital_name: hospital.value.trim(), usage_province: usageProvince.value, used_on: usedOn.value || null,
        paid_on: paidOn.value || null, items: items.read() },
      invoice: { code: inv.code.value.trim(), number: inv.number.value.trim(), check_code: inv.check.value.trim() || null,
        issued_on: inv.issuedOn.value || null, total_fen: total, blood_fee_fen: fee },
      payee: { account_name: payee.name.value.trim() || d.name, account_number: payee.number.value.trim(),
        bank_name: payee.bank.value.trim() },
    };
    if (channel.value === "mail") body.postmarked_on = postmark.value || null;
    try {
      const claim = await ops.post("/ops/v1/claims", body);
      toast("已保存，请上传材料");
      go(`#/intake/${claim.id}`);
    } catch (error) {
      if (error.status === 401) return;
      showError(form, error);
    }
  }

  page.append(pageHeader("窗口与邮寄受理", "登记现场或邮寄的报销申请。校验与线上申请相同，错误显示在对应栏目。"),
    card(null, form, { testid: "intake-card" }));
}

async function renderDocuments(page, ctx, id) {
  let claim = await ops.get(`/ops/v1/claims/${id}`);
  if (ctx.stale) return;
  const body = h("div");
  page.append(pageHeader(`受理材料 · ${claim.reference}`, "按清单上传纸质材料的照片或扫描件（JPEG、PNG、PDF，单个不超过10 MB），齐全后提交。"), body);

  function render(notice) {
    const uploaded = (kind) => claim.documents.filter((d) => d.kind === kind).length;
    const kinds = [...new Set([...claim.missing_documents, ...claim.documents.map((d) => d.kind), "bank_card"])];
    const open = claim.status === "draft" || claim.status === "needs_more_info";
    const rows = kinds.map((kind) => {
      const file = h("input", { type: "file", accept: ACCEPT, testid: `file-${kind}`, hidden: true });
      file.addEventListener("change", () => upload(kind, file));
      const count = uploaded(kind);
      return h("tr", { testid: `doc-row-${kind}` },
        h("td", DOC_KINDS[kind] || kind, kind === "bank_card" ? h("span.c-muted.c-small", "（选传）") : null),
        h("td", { testid: `doc-status-${kind}` }, count ? pill(`已上传 ${count} 份`, "green")
          : claim.missing_documents.includes(kind) ? pill("待上传", "red") : pill("未上传")),
        h("td", open ? [file, button("选择文件或扫描件", { testid: `choose-${kind}`, onclick: () => file.click() })] : null));
    });
    body.replaceChildren(
      notice || null,
      card("申请信息", h("dl.c-kv", { testid: "intake-summary" },
        h("dt", "申请编号"), h("dd", { testid: "intake-reference" }, claim.reference),
        h("dt", "状态"), h("dd", statusTag(claim.status, "intake-status")),
        h("dt", "献血者"), h("dd", `${claim.donor.name} ${claim.donor.cert_number_masked}`),
        h("dt", "发票"), h("dd", `${claim.invoice.code} / ${claim.invoice.number} · 输血费用 ${money(claim.invoice.blood_fee_fen)}`),
        claim.due_on ? [h("dt", "审核期限"), h("dd", { testid: "intake-due" }, claim.due_on)] : null)),
      card("材料清单", [
        claim.missing_documents.length
          ? alertBox(`还需上传 ${claim.missing_documents.length} 项：${claim.missing_documents.map((k) => DOC_KINDS[k] || k).join("、")}`, "warn", "missing")
          : alertBox("材料已齐全，可以提交。", "ok", "missing"),
        h("table.c-table", { testid: "documents" }, h("thead", h("tr", h("th", "材料"), h("th", "状态"), h("th", ""))), h("tbody", rows)),
        open ? h("div.c-form-actions", button("提交申请", { testid: "intake-submit", onclick: submit }, "primary")) : null,
      ]));
  }

  async function upload(kind, file) {
    const chosen = file.files[0];
    if (!chosen) return;
    const form = new FormData();
    form.append("kind", kind);
    form.append("file", chosen, chosen.name);
    try {
      await ops.upload(`/ops/v1/claims/${id}/documents`, form);
      claim = await ops.get(`/ops/v1/claims/${id}`);
      render();
    } catch (error) {
      if (error.status === 401) return;
      render(alertBox(`${DOC_KINDS[kind] || kind}：${error.message}`, "error", "upload-error"));
    }
  }

  async function submit() {
    try {
      claim = await ops.post(`/ops/v1/claims/${id}/submit`);
      toast("已提交");
      render(alertBox(`已提交，申请编号 ${claim.reference}${claim.due_on ? `，审核期限 ${claim.due_on}` : ""}。`, "ok", "submitted"));
    } catch (error) {
      if (error.status === 401) return;
      const box = h("div");
      showError(box, error);
      render(box);
    }
  }

  render();
}
