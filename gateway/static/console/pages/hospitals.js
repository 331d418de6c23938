// 医院与接口凭证: hospitals registered for direct reduction, and their API credentials (the
// secret is shown once, when issued; rotation = issue a new pair, switch over, revoke the old).
import { ops, pager } from "../js/api.js";
import { PROVINCES } from "../js/labels.js";
import { account } from "../js/nav.js";
import {
  alertBox, button, card, clearErrors, dateTimeText, field, h, input, modal, pageHeader, pagedTable, pill, select, showError,
  table, toast,
} from "../js/widgets.js";

async function credentialsPanel(hospital, slot) {
  const rows = await ops.get(`/ops/v1/hospitals/${encodeURIComponent(hospital.code)}/credentials`);
  const reload = () => credentialsPanel(hospital, slot);
  slot.replaceChildren(card(`${hospital.name} 的接口凭证`, table([
    { label: "client_id", cell: (c) => h("span.x-mono", c.client_id) },
    { label: "签发", cell: (c) => `${dateTimeText(c.created_at)} · ${c.created_by}` },
    { label: "状态", cell: (c) => (c.revoked_at ? pill(`已吊销 ${dateTimeText(c.revoked_at)}`) : pill("有效", "green")) },
    { label: "操作", cell: (c) => (c.revoked_at ? "" : button("吊销", { testid: "credential-revoke", onclick: async () => {
      const done = await modal({ title: "吊销凭证", confirm: "吊销", tone: "warn", body: h("p", `吊销后 ${c.client_id} 的令牌立即失效。`),
        onConfirm: () => ops.post(`/ops/v1/hospitals/${encodeURIComponent(hospital.code)}/credentials/${encodeURIComponent(c.client_id)}/revoke`) });
      if (done) { toast("已吊销"); reload(); }
    } }, "link")) },
  ], rows, { empty: "尚未签发凭证", testid: "credentials" }), { testid: "credentials-card", actions: [
    button("签发新凭证", { testid: "credential-issue", onclick: async () => {
      const issued = await ops.post(`/ops/v1/hospitals/${encodeURIComponent(hospital.code)}/credentials`);
      await modal({ title: "新凭证（密钥只显示这一次）", confirm: "我已妥善保存", cancel: "关闭", testid: "secret-dialog",
        body: [alertBox("请立即交给医院信息科配置到收费系统。平台不保存密钥原文，关闭后无法再次查看。", "warn"),
          h("dl.c-kv", h("dt", "client_id"), h("dd.x-mono", { testid: "issued-client-id" }, issued.client_id),
            h("dt", "client_secret"), h("dd.x-mono", { testid: "issued-secret" }, issued.client_secret))] });
      reload();
    } }, "primary")] }));
}

export async function renderHospitals(page, ctx) {
  const list = h("div");
  const credentials = h("div", { testid: "credentials-slot" });
  async function load() {
    const tableNode = await pagedTable([
      { label: "编码", cell: (x) => x.code },
      { label: "名称", cell: (x) => x.name },
      { label: "省份", cell: (x) => PROVINCES[x.province] || x.province },
      { label: "区献血办", cell: (x) => x.district_office },
      { label: "结算", cell: (x) => (x.military ? "部队（半年）" : "按月") },
      { label: "对公账户", cell: (x) => `${x.account_name} · ${x.bank_name} ${x.account_number_masked}` },
      { label: "", cell: (x) => button("接口凭证", { testid: "hospital-credentials", onclick: () => credentialsPanel(x, credentials) }, "link") },
    ], pager("/ops/v1/hospitals"), { testid: "hospitals", empty: "尚未登记医院",
      rowAttrs: (x) => ({ testid: "hospital-row", dataset: { code: x.code } }) });
    if (!ctx.stale) list.replaceChildren(tableNode);
  }
  const c = { code: input(), name: input(), province: select(PROVINCES, { value: account.me.province || "11" }),
    office: input({ placeholder: "如 朝阳区献血办" }), military: h("input", { type: "checkbox" }),
    accountName: input(), accountNumber: input({ inputmode: "numeric" }), bank: input() };
  c.province.value = account.me.province || "11";
  const outcome = h("div");
  const form = h("div.c-form", { testid: "hospital-form" },
    field("医院编码", c.code, { field: "code", required: true }),
    field("医院名称", c.name, { field: "name", required: true, wide: true }),
    field("省份", c.province, { field: "province", required: true }),
    field("所属区献血办", c.office, { field: "district_office", required: true }),
    field("对公账户户名", c.accountName, { field: "account_name", required: true }),
    field("对公账号", c.accountNumber, { field: "account_number", required: true }),
    field("开户行", c.bank, { field: "bank_name", required: true }),
    h("div.c-field", h("label", "类型"), h("label.c-checks", c.military, "部队医院（半年结算）")),
    h("div.c-form-actions", button("登记医院", { testid: "hospital-submit", onclick: async () => {
      clearErrors(form);
      try {
        const created = await ops.post("/ops/v1/hospitals", {
          code: c.code.value.trim(), name: c.name.value.trim(), province: c.province.value, district_office: c.office.value.trim(),
          military: c.military.checked, account_name: c.accountName.value.trim(), account_number: c.accountNumber.value.trim(),
          bank_name: c.bank.value.trim() });
        outcome.replaceChildren(alertBox(`已登记 ${created.name}（${created.code}）。`, "ok", "hospital-created"));
        await load();
      } catch (error) {
        if (error.status !== 401) showError(form, error);
      }
    } }, "primary")));
  page.append(pageHeader("医院与接口凭证", "登记开展直免的医院，并为其收费系统签发接口凭证（OAuth2 client credentials）。"),
    card("已登记医院", list), credentials, card("登记医院", [form, outcome], { testid: "hospital-card" }));
  await load();
}
