// 申请血费减免: who used the blood -> blood use and invoice -> payee (the draft is created)
// -> photos and the signed pledge -> review and submit. The form survives a reload
// (sessionStorage); once the draft exists its data is fixed and only documents change.
import { api, WIZARD_KEY as KEY } from "../api.js";
import { loadCertificate, relativesQuota, selfQuota } from "../certificate.js";
import { icons } from "../icons.js";
import { itemsEditor } from "../items.js";
import { DOC_KINDS, PRODUCTS, PROVINCES, RELATIONSHIPS } from "../labels.js";
import { go } from "../nav.js";
import {
  busy, button, clearErrors, dateText, dialog, fieldCell, formAlert, h, input, kv, parseFen, reportError, select,
  showErrors, tag, toast, todayIso, yuan,
} from "../ui.js";
import { documentUploader, missingBanner, requiredKinds } from "../uploads.js";

const STEPS = ["用血人", "用血与发票", "收款账户", "上传材料", "核对提交"];
// Adoptive and step relations count as parent and child (民法典 1111, 1072).
const CLAIM_RELATIONSHIPS = ["self", "spouse", "parent", "child", "adoptive_parent", "adoptive_child", "step_parent",
  "step_child"];
// Several donors on one bill (Beijing annex 1 rule 5): the user's relationship to each further donor.
const OTHER_RELATIONSHIPS = Object.fromEntries(CLAIM_RELATIONSHIPS.map((r) => [r, r === "self" ? "用血者本人（用血者也献过血）"
  : `用血者是该献血者的${RELATIONSHIPS[r]}`]));
const MAX_OTHERS = 5;

const needsKinship = (f) => f.relationship !== "self" || (f.others || []).some((d) => d.relationship !== "self");

function blankForm(me) {
  return {
    province: "", relationship: "self", kinship_evidence: "pledge",
    donor: { name: me.name || "", cert_number: "", phone: "" },
    beneficiary: { name: "", cert_number: "", phone: "" },
    others: [],
    usage: { hospital_name: "", usage_province: "", used_on: "", paid_on: "", items: [{ product: "red_cells", quantity: 2 }] },
    invoice: { code: "", number: "", check_code: "", issued_on: "", total: "", blood_fee: "", mutual_aid: "" },
    payee: { account_name: me.name || "", account_number: "", bank_name: "" },
  };
}

function load() {
  try { return JSON.parse(sessionStorage.getItem(KEY) || "null"); } catch { return null; }
}

/** The claim JSON of the API from the form (amounts: yuan text -> integer fen). */
export function claimBody(f) {
  const person = (p) => ({ cert_type: "resident_id", cert_number: p.cert_number.trim().toUpperCase(), name: p.name.trim(),
    ...(p.phone.trim() ? { phone: p.phone.trim() } : {}) });
  const self = f.relationship === "self";
  return {
    province: f.province,
    donor: person(f.donor),
    beneficiary: self ? person(f.donor) : person(f.beneficiary),
    relationship: f.relationship,
    additional_donors: (f.others || []).map((d) => ({ cert_type: "resident_id", cert_number: d.cert_number.trim().toUpperCase(),
      name: d.name.trim(), relationship: d.relationship })),
    kinship_evidence: needsKinship(f) ? f.kinship_evidence : null,
    agent: null,
    donor_deceased: false,
    usage: { ...f.usage, hospital_name: f.usage.hospital_name.trim() },
    invoice: {
      code: f.invoice.code.trim(), number: f.invoice.number.trim(), check_code: f.invoice.check_code.trim() || null,
      issued_on: f.invoice.issued_on, total_fen: parseFen(f.invoice.total) ?? 0, blood_fee_fen: parseFen(f.invoice.blood_fee) ?? 0,
      mutual_aid_fen: parseFen(f.invoice.mutual_aid || "") ?? 0,
    },
    payee: { account_name: f.payee.account_name.trim(), account_number: f.payee.account_number.replace(/\s+/g, ""),
      bank_name: f.payee.bank_name.trim() },
  };
}

const STEP_OF_FIELD = [
  [/^(donor|beneficiary|relationship|additional_donors|kinship_evidence|province|agent)/, 0],
  [/^(usage|invoice)/, 1],
  [/^payee/, 2],
  [/^documents/, 3],
];

function stepFor(errors) {
  let best = 4;
  for (const e of errors) {
    const hit = STEP_OF_FIELD.find(([re]) => re.test(e.field || ""));
    best = Math.min(best, hit ? hit[1] : 2);
  }
  return best;
}

export async function renderClaimNew(page, ctx) {
  const [me, cert] = await Promise.all([api.get("/api/v1/me"), loadCertificate()]);
  if (ctx.stale) return;
  let state = load();
  if (ctx.query.get("fresh") === "1" || !state || !state.form) state = { step: 0, form: blankForm(me), claim: null };
  state.form.others = state.form.others || []; // a form saved before several donors were possible
  const provinces = cert ? cert.provinces : [];
  if (!state.form.province && provinces.length) state.form.province = provinces[0].province;
  if (!state.form.usage.usage_province) state.form.usage.usage_province = state.form.province || "11";
  let pendingErrors = null;
  let pendingProblem = null;

  const save = () => sessionStorage.setItem(KEY, JSON.stringify(state));
  const body = h("div");
  page.append(body);

  if (!provinces.length) {
    body.append(h("div.x-notice.is-warn", { testid: "no-records" },
      "未查询到您的献血记录，暂不能在线申请。请联系献血地血站核实或补录献血记录。"));
    return;
  }

  const bindInput = (obj, key, attrs = {}) => {
    const el = input({ ...attrs, value: obj[key] ?? "", disabled: !!state.claim });
    el.addEventListener("input", () => { obj[key] = el.value; save(); });
    el.addEventListener("change", () => { obj[key] = el.value; save(); });
    return el;
  };
  const bindSelect = (obj, key, options, attrs = {}) => {
    const el = select(options, { ...attrs, disabled: !!state.claim });
    el.value = obj[key];
    el.addEventListener("change", () => { obj[key] = el.value; save(); });
    return el;
  };
  const radios = (name, options, value, onPick, testPrefix) => h("div.x-cells.x-radios", { dataset: { field: name } },
    Object.entries(options).map(([v, label]) => {
      const radio = h("input", { type: "radio", name, value: v, checked: v === value, disabled: !!state.claim });
      const cell = h("label.x-cell", { class: v === value ? "is-checked" : "", testid: `${testPrefix}-${v}` }, radio,
        h("div.x-cell__bd", label), h("span.x-radio-mark", { html: icons.check }));
      radio.addEventListener("change", () => onPick(v));
      return cell;
    }),
    h("div.x-field-error", { hidden: true, dataset: { errorFor: name }, testid: `error-${name}`, style: "padding:0 16px 10px" }));

  const required = (root, checks) => {
    const errors = checks.filter(([, value]) => !String(value ?? "").trim()).map(([field, , message]) => ({ field, message: message || "必填" }));
    if (errors.length) { clearErrors(root); showErrors(root, errors); root.querySelector(".has-error")?.scrollIntoView({ block: "center" }); }
    return !errors.length;
  };

  const stepsBar = () => h("div.x-steps", { testid: "wizard-steps" }, STEPS.map((label, i) =>
    h("div.x-steps__item", { class: i < state.step ? "is-done" : i === state.step ? "is-current" : "" },
      h("div.x-steps__dot", i < state.step ? "✓" : String(i + 1)), label)));

  const lockedNote = () => (state.claim && state.step < 3 ? h("div.x-notice.is-info", { testid: "draft-locked" },
    `申请已保存为草稿（${state.claim.reference}），以下信息不能再修改。如需修改，请在「我的申请」中撤回该草稿后重新申请。`) : null);

  const nav = (prev, next) => h("div.x-btn-area", next, prev);

  const render = () => {
    save();
    const form = state.form;
    const root = h("form", { novalidate: true, testid: `wizard-step-${state.step}` });
    root.addEventListener("submit", (e) => e.preventDefault());
    body.replaceChildren(...[stepsBar(), lockedNote(), root, restartLink()].filter(Boolean));
    window.scrollTo(0, 0);
    ctx.setTitle(`申请血费减免（${state.step + 1}/${STEPS.length}）`);
    [renderWho, renderUsage, renderPayee, renderDocuments, renderReview][state.step](root, form);
    if (pendingErrors) {
      const unplaced = showErrors(root, pendingErrors);
      if (unplaced.length || !pendingErrors.length) formAlert(root, pendingProblem, unplaced);
      root.querySelector(".has-error")?.scrollIntoView({ block: "center" });
      pendingErrors = null;
      pendingProblem = null;
    }
  };
  const goStep = (step) => { state.step = step; render(); };

  // ---- step 1: 用血人 -------------------------------------------------------------------
  function renderWho(root, form) {
    const p = provinces.find((x) => x.province === form.province) || provinces[0];
    const donorCells = h("div.x-cells",
      fieldCell("姓名", input({ value: form.donor.name, disabled: true }), { field: "donor.name" }),
      fieldCell("身份证号", bindInput(form.donor, "cert_number", { placeholder: "请输入您的18位身份证号", maxlength: "18" }),
        { field: "donor.cert_number", required: true, hint: "与绑定的身份一致，用于核对献血记录" }),
      fieldCell("手机号", bindInput(form.donor, "phone", { placeholder: "选填，便于审核人员联系", inputmode: "tel", maxlength: "11" }),
        { field: "donor.phone" }),
      provinces.length > 1
        ? fieldCell("献血省份", bindSelect(form, "province",
          Object.fromEntries(provinces.map((x) => [x.province, PROVINCES[x.province] || x.province]))), { field: "province", hint: "按献血地的规定审核和支付" })
        : fieldCell("献血地", h("div", `${PROVINCES[form.province] || form.province}（按献血地规定审核）`), { field: "province" }));
    root.append(
      h("div.x-cells__title", "用血人与献血者的关系"),
      radios("relationship", Object.fromEntries(CLAIM_RELATIONSHIPS.map((r) => [r, r === "self" ? "献血者本人用血" : `献血者的${RELATIONSHIPS[r]}用血`])),
        form.relationship, (v) => { form.relationship = v; render(); }, "rel"),
      h("div.x-cells__tips", { testid: "quota-hint" }, `您在${PROVINCES[p.province] || p.province}的用血额度：本人 ${selfQuota(p)}；配偶、父母、子女共用 ${relativesQuota(p)}。`),
      h("div.x-cells__title", "献血者（您本人）"),
      donorCells);

    if (form.relationship !== "self") {
      root.append(
        h("div.x-cells__title", "用血者"),
        h("div.x-cells",
          fieldCell("姓名", bindInput(form.beneficiary, "name", { placeholder: "用血者姓名" }), { field: "beneficiary.name", required: true }),
          fieldCell("身份证号", bindInput(form.beneficiary, "cert_number", { placeholder: "用血者18位身份证号", maxlength: "18" }),
            { field: "beneficiary.cert_number", required: true }),
          fieldCell("手机号", bindInput(form.beneficiary, "phone", { placeholder: "选填", inputmode: "tel", maxlength: "11" }),
            { field: "beneficiary.phone" })));
    }
    root.append(...otherDonors(form));
    if (needsKinship(form)) {
      root.append(
        h("div.x-cells__title", "亲属关系证明方式"),
        radios("kinship_evidence", { pledge: "在线签署《亲属关系承诺书》", document: "上传户口本、结婚证或出生证明" },
          form.kinship_evidence, (v) => { form.kinship_evidence = v; render(); }, "evidence"));
    }
    const next = button("下一步", { testid: "wizard-next" });
    next.addEventListener("click", () => {
      if (state.claim) { goStep(1); return; }
      const checks = [["donor.cert_number", form.donor.cert_number]];
      if (form.relationship !== "self") checks.push(["beneficiary.name", form.beneficiary.name], ["beneficiary.cert_number", form.beneficiary.cert_number]);
      form.others.forEach((d, i) => checks.push([`additional_donors[${i}].name`, d.name], [`additional_donors[${i}].cert_number`, d.cert_number]));
      if (required(root, checks)) goStep(1);
    });
    root.append(nav(null, next));
  }

  /** 其他献血亲属: further donors whose quotas cover what the first one's leaves of the bill. */
  function otherDonors(form) {
    const rows = form.others.map((d, i) => h("div.x-cells", { testid: `other-donor-${i}` },
      fieldCell("姓名", bindInput(d, "name", { placeholder: "该献血者姓名" }), { field: `additional_donors[${i}].name`, required: true }),
      fieldCell("身份证号", bindInput(d, "cert_number", { placeholder: "该献血者18位身份证号", maxlength: "18" }),
        { field: `additional_donors[${i}].cert_number`, required: true }),
      fieldCell("关系", bindSelect(d, "relationship", OTHER_RELATIONSHIPS), { field: `additional_donors[${i}].relationship` }),
      state.claim ? null : h("div.x-btn-area", h("button.x-btn.x-btn--plain", { type: "button", testid: `remove-donor-${i}`,
        onclick: () => { form.others.splice(i, 1); render(); } }, "删除该献血者"))));
    const add = state.claim || form.others.length >= MAX_OTHERS ? null
      : h("div.x-btn-area", h("button.x-btn.x-btn--plain", { type: "button", testid: "add-donor",
        onclick: () => { form.others.push({ name: "", cert_number: "", relationship: "spouse" }); render(); } }, "＋ 添加献血亲属"));
    return [
      h("div.x-cells__title", "用血者的其他献血亲属（选填）"),
      h("div.x-cells__tips", { testid: "other-donors-tip" },
        "用血者还有其他献过血的亲属（或本人也献过血）的，可一并申请：按所列顺序依次使用各自额度，合计不超过本次输血费用（一次用血不得重复报销）。"),
      ...rows, add];
  }

  // ---- step 2: 用血与发票 ----------------------------------------------------------------
  function renderUsage(root, form) {
    const items = itemsEditor(form.usage.items, { field: "usage.items", disabled: !!state.claim,
      onChange: () => { form.usage.items = items.value(); save(); } });
    const money = (key, placeholder) => h("div.x-inline", bindInput(form.invoice, key, { inputmode: "decimal", placeholder }), h("span.x-muted", "元"));
    const total = money("total", "发票总金额");
    const fee = money("blood_fee", "发票上的输血费用");
    const aid = money("mutual_aid", "选填，没有则不填");
    root.append(
      h("div.x-cells__title", "用血信息"),
      h("div.x-cells",
        fieldCell("就诊医院", bindInput(form.usage, "hospital_name", { placeholder: "医院全称" }), { field: "usage.hospital_name", required: true }),
        fieldCell("医院所在地", bindSelect(form.usage, "usage_province", PROVINCES), { field: "usage.usage_province" }),
        fieldCell("用血日期", bindInput(form.usage, "used_on", { type: "date", max: todayIso() }), { field: "usage.used_on", required: true }),
        fieldCell("缴费日期", bindInput(form.usage, "paid_on", { type: "date", max: todayIso() }), { field: "usage.paid_on", required: true,
          hint: "北京市献血者须在缴费之日起一年内申请（最后一日含当天，遇节假日顺延）" }),
        fieldCell("血液品种", items, { field: "usage.items", vertical: true, required: true })),
      h("div.x-cells__title", "医疗收费票据（发票）"),
      h("div.x-cells",
        fieldCell("票据代码", bindInput(form.invoice, "code", { placeholder: "发票左上角票据代码" }), { field: "invoice.code", required: true }),
        fieldCell("票据号码", bindInput(form.invoice, "number", { placeholder: "票据号码" }), { field: "invoice.number", required: true }),
        fieldCell("校验码", bindInput(form.invoice, "check_code", { placeholder: "选填" }), { field: "invoice.check_code" }),
        fieldCell("开票日期", bindInput(form.invoice, "issued_on", { type: "date", max: todayIso() }), { field: "invoice.issued_on", required: true }),
        fieldCell("发票总金额", total, { field: "invoice.total_fen", required: true }),
        fieldCell("输血费用", fee, { field: "invoice.blood_fee_fen", required: true, hint: "发票中的输血费（血费），配血、输注费用不在减免范围" }),
        fieldCell("用血互助金", aid, { field: "invoice.mutual_aid_fen", hint: "部分省份收取的用血互助金，符合条件的按实际缴纳退还" })));
    const next = button("下一步", { testid: "wizard-next" });
    next.addEventListener("click", () => {
      if (state.claim) { goStep(2); return; }
      form.usage.items = items.value();
      const badMoney = (text) => (String(text).trim() && parseFen(text) === null ? "" : text);
      const ok = required(root, [
        ["usage.hospital_name", form.usage.hospital_name], ["usage.used_on", form.usage.used_on, "请选择日期"],
        ["usage.paid_on", form.usage.paid_on, "请选择日期"], ["invoice.code", form.invoice.code], ["invoice.number", form.invoice.number],
        ["invoice.issued_on", form.invoice.issued_on, "请选择日期"],
        ["invoice.total_fen", badMoney(form.invoice.total), "请输入金额，如 12500.00"],
        ["invoice.blood_fee_fen", badMoney(form.invoice.blood_fee), "请输入金额，如 880.00"],
        ["invoice.mutual_aid_fen", String(form.invoice.mutual_aid || "").trim() ? badMoney(form.invoice.mutual_aid) : "0", "请输入金额，如 150.00"],
      ]);
      if (ok) goStep(2);
    });
    root.append(nav(button("上一步", { testid: "wizard-prev", onclick: () => goStep(0) }, "default"), next));
  }

  // ---- step 3: 收款账户 (creates the draft) ----------------------------------------------
  function renderPayee(root, form) {
    root.append(
      h("div.x-cells__title", "收款账户"),
      h("div.x-cells",
        fieldCell("户名", bindInput(form.payee, "account_name", { placeholder: "银行卡户名" }), { field: "payee.account_name", required: true,
          hint: "须为献血者本人名下的银行卡" }),
        fieldCell("银行卡号", bindInput(form.payee, "account_number", { placeholder: "15-19位银行卡号", inputmode: "numeric", maxlength: "23" }),
          { field: "payee.account_number", required: true }),
        fieldCell("开户银行", bindInput(form.payee, "bank_name", { placeholder: "如：中国工商银行北京分行" }), { field: "payee.bank_name", required: true })),
      h("div.x-cells__tips", "审核通过后，减免费用将在10个工作日内转入该银行卡。"));
    const next = button(state.claim ? "下一步" : "保存并上传材料", { testid: "wizard-create" });
    next.addEventListener("click", async () => {
      if (state.claim) { goStep(3); return; }
      if (!required(root, [["payee.account_name", form.payee.account_name], ["payee.account_number", form.payee.account_number],
        ["payee.bank_name", form.payee.bank_name]])) return;
      try {
        state.claim = await busy(api.post("/api/v1/claims", claimBody(form)), "正在保存");
        toast("已保存草稿");
        goStep(3);
      } catch (err) {
        pendingErrors = err.errors || [];
        pendingProblem = err;
        const step = pendingErrors.length ? stepFor(pendingErrors) : 2;
        goStep(step);
      }
    });
    root.append(nav(button("上一步", { testid: "wizard-prev", onclick: () => goStep(1) }, "default"), next));
  }

  // ---- step 4: 上传材料 ------------------------------------------------------------------
  function renderDocuments(root, form) {
    const claim = state.claim;
    const banner = h("div", missingBanner(claim.missing_documents));
    const pledge = {
      province: claim.province, relationship: claim.relationship,
      others: form.others.map((d) => ({ name: d.name, cert: d.cert_number.toUpperCase(), relationship: d.relationship })),
      donorName: form.donor.name, donorCert: form.donor.cert_number.toUpperCase(), donorPhone: form.donor.phone,
      beneficiaryName: form.beneficiary.name, beneficiaryCert: form.beneficiary.cert_number.toUpperCase(), beneficiaryPhone: form.beneficiary.phone,
    };
    const uploader = documentUploader(claim, [...requiredKinds(claim), "bank_card"], {
      pledge,
      onUploaded: (result) => {
        claim.missing_documents = result.missing_documents;
        claim.documents = [...(claim.documents || []), result.document];
        save();
        banner.replaceChildren(missingBanner(result.missing_documents));
      },
    });
    root.append(banner,
      h("div.x-cells__title", "请拍摄或上传清晰的原件照片（JPG/PNG/PDF，每个不超过10MB）"),
      h("div", { dataset: { errorFor: "documents" }, class: "x-field-error", hidden: true, style: "padding:0 16px", testid: "error-documents" }),
      uploader);
    const next = button("下一步", { testid: "wizard-next" });
    next.addEventListener("click", () => goStep(4));
    root.append(nav(button("上一步", { testid: "wizard-prev", onclick: () => goStep(2) }, "default"), next));
  }

  // ---- step 5: 核对提交 ------------------------------------------------------------------
  function renderReview(root) {
    const c = state.claim;
    const items = c.usage.items.map((i) => `${PRODUCTS[i.product]?.name || i.product} ${i.quantity} ${PRODUCTS[i.product]?.unit || ""}`).join("、");
    const row = (label, value, field) => h("div.x-cell", { dataset: field ? { cell: field } : {} },
      h("div.x-cell__bd.x-muted", label),
      h("div.x-cell__ft.x-strong", value, field ? h("div.x-field-error", { hidden: true, dataset: { errorFor: field }, testid: `error-${field}` }) : null));
    if (c.missing_documents.length) root.append(missingBanner(c.missing_documents));
    root.append(
      h("div.x-cells__title", "申请信息"),
      h("div.x-cells", { testid: "review" },
        row("申请编号", c.reference),
        row("献血者", `${c.donor.name} ${c.donor.cert_number_masked}`, "donor.cert_number"),
        row("用血者", c.relationship === "self" ? "献血者本人" : `${c.beneficiary.name}（${RELATIONSHIPS[c.relationship]}）`, "beneficiary.cert_number"),
        ...(c.additional_donors || []).map((d, i) => row(`其他献血者${i + 1}`,
          `${d.name} ${d.cert_number_masked}（${d.relationship === "self" ? "用血者本人" : `用血者是其${RELATIONSHIPS[d.relationship]}`}）`,
          `additional_donors[${i}].cert_number`)),
        c.kinship_evidence ? row("亲属关系证明", c.kinship_evidence === "pledge" ? "亲属关系承诺书" : "证明材料") : null,
        row("就诊医院", `${c.usage.hospital_name}（${PROVINCES[c.usage.usage_province] || c.usage.usage_province}）`),
        row("用血日期", dateText(c.usage.used_on), "usage.used_on"),
        row("缴费日期", dateText(c.usage.paid_on), "usage.paid_on"),
        row("血液品种", items),
        row("票据代码/号码", `${c.invoice.code} / ${c.invoice.number}`, "invoice.number"),
        row("发票总金额", `¥${yuan(c.invoice.total_fen)}`),
        row("输血费用（申请金额）", `¥${yuan(c.invoice.blood_fee_fen)}`, "invoice.blood_fee_fen"),
        row("收款账户", `${c.payee.account_name} ${c.payee.account_number_masked}`, "payee.account_name"),
        row("开户银行", c.payee.bank_name)),
      h("div.x-cells__title", "已上传材料"),
      h("div.x-cells", (c.documents || []).length ? c.documents.map((d) => kv(DOC_KINDS[d.kind] || d.kind, tag("已上传", "green")))
        : h("div.x-cell.x-muted", "尚未上传材料")),
      h("div.x-cells__tips", "提交后，献血地血站将在10个工作日内完成审核；审核通过后10个工作日内转账。提交前可随时撤回。"));
    const submit = button("提交申请", { testid: "wizard-submit" });
    submit.addEventListener("click", async () => {
      clearErrors(root);
      if (c.missing_documents.length) {
        const upload = await dialog({ title: "材料未齐全", body: "还有材料未上传，请先上传齐全再提交。", confirm: "去上传", cancel: "仍要提交" });
        if (upload) { goStep(3); return; } // "仍要提交": the server decides and names what is missing
      }
      try {
        const claim = await busy(api.post(`/api/v1/claims/${c.id}/submit`), "正在提交");
        sessionStorage.removeItem(KEY);
        toast("提交成功");
        go(`#/claims?submitted=${encodeURIComponent(claim.id)}`);
      } catch (err) {
        if ((err.errors || []).some((e) => e.field === "documents")) {
          pendingErrors = err.errors;
          pendingProblem = err;
          goStep(3);
          return;
        }
        reportError(root, err);
        if (err.problem && err.problem.earlier_reference) {
          const by = (err.problem.covered_by || [err.problem.earlier_reference]).join("、");
          formAlert(root, { message: `该发票已由 ${by} 减免或正在办理，同一次用血不能重复报销。` });
        }
      }
    });
    root.append(nav(button("上一步", { testid: "wizard-prev", onclick: () => goStep(3) }, "default"), submit));
  }

  function restartLink() {
    if (!state.claim && state.step === 0) return null;
    return h("div.x-btn-area", h("button.x-btn.x-btn--plain", { type: "button", testid: "wizard-restart", onclick: async () => {
      const body = state.claim
        ? "当前草稿会保留在「我的申请」中，可随时继续上传或撤回。确定重新填写一份新申请？" : "清空已填写的内容？";
      if (!(await dialog({ title: "重新填写", body, confirm: "重新填写" }))) return;
      sessionStorage.removeItem(KEY);
      go("#/claim/new?fresh=1");
    } }, "重新填写新申请"));
  }

  if (ctx.query.get("fresh") === "1") history.replaceState(null, "", "#/claim/new");
  render();
}
