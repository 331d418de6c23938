// 用户与角色: staff accounts, their roles and province; create, change roles, reset a password,
// disable (admin). A new password and disabling both end the account's tokens at once.
import { ops, pager } from "../js/api.js";
import { PROVINCES, ROLES } from "../js/labels.js";
import { account } from "../js/nav.js";
import {
  alertBox, button, card, checks, clearErrors, dateTimeText, field, h, input, modal, pageHeader, pagedTable, pill, select,
  showError, toast,
} from "../js/widgets.js";

function rolesText(roles) {
  return roles.map((r) => ROLES[r] || r).join("、");
}

function editDialog(user) {
  const roles = checks(ROLES, { name: "edit-role", checked: user.roles, testid: "edit-roles" });
  const province = select(PROVINCES, {}, "全国（仅管理员）");
  province.value = user.province || "";
  const hospital = input({ value: user.hospital_code || "" });
  return modal({
    title: `修改 ${user.username} 的角色`, confirm: "保存", testid: "edit-user-dialog",
    body: h("div.c-form",
      field("角色", roles, { field: "roles", required: true, full: true }),
      field("省份", province, { field: "province" }),
      field("医院编码（医院操作员）", hospital, { field: "hospital_code" })),
    onConfirm: () => ops.put(`/ops/v1/users/${encodeURIComponent(user.username)}`, {
      roles: roles.read(), province: province.value || null, hospital_code: hospital.value.trim() || null }),
  });
}

function passwordDialog(user) {
  const password = input({ type: "password", autocomplete: "new-password", testid: "reset-password" });
  return modal({
    title: `重置 ${user.username} 的密码`, confirm: "重置", tone: "warn", testid: "password-dialog",
    body: h("div.c-form",
      h("p.c-muted.c-small", "重置后该账号已登录的会话立即失效，须用新密码重新登录。"),
      field("新密码", password, { field: "password", required: true, hint: "至少10位，请当面告知本人", full: true })),
    onConfirm: () => ops.post(`/ops/v1/users/${encodeURIComponent(user.username)}/password`,
      { password: password.value }),
  });
}

export async function renderUsers(page, ctx) {
  const list = h("div", { testid: "users-list" });
  async function load() {
    const table = await pagedTable([
      { label: "用户名", cell: (u) => h("span", { testid: "user-username" }, u.username) },
      { label: "角色", cell: (u) => h("span", { testid: "user-roles" }, rolesText(u.roles)) },
      { label: "省份", cell: (u) => (u.province ? PROVINCES[u.province] || u.province : "全国") },
      { label: "医院", cell: (u) => u.hospital_code || "" },
      { label: "状态", cell: (u) => (u.disabled ? pill("已停用") : pill("启用", "green")) },
      { label: "创建时间", cell: (u) => dateTimeText(u.created_at) },
      { label: "操作", cell: (u) => (u.disabled ? "" : h("div.c-row",
        button("修改角色", { testid: "user-edit", onclick: async () => { if (await editDialog(u)) { toast("已保存"); load(); } } }, "link"),
        ctx.can("POST /ops/v1/users/{username}/password") ? button("重置密码", { testid: "user-password",
          onclick: async () => { if (await passwordDialog(u)) toast("密码已重置"); } }, "link") : null,
        u.username === account.me.username ? null : button("停用", { testid: "user-disable", onclick: async () => {
          const done = await modal({ title: `停用 ${u.username}`, confirm: "停用", tone: "warn", testid: "disable-dialog",
            body: h("p", "停用后该账号立即不能登录，已签发的令牌也立即失效。"),
            onConfirm: () => ops.post(`/ops/v1/users/${encodeURIComponent(u.username)}/disable`) });
          if (done) { toast("已停用"); load(); }
        } }, "link"))) },
    ], pager("/ops/v1/users"), { testid: "users", rowAttrs: (u) => ({ testid: "user-row", dataset: { username: u.username } }) });
    if (!ctx.stale) list.replaceChildren(table);
  }

  const username = input({ autocomplete: "off" });
  const password = input({ type: "password", autocomplete: "new-password" });
  const roles = checks(ROLES, { name: "role", testid: "new-roles" });
  const province = select(PROVINCES, { value: account.me.province || "" }, "全国（仅管理员）");
  province.value = account.me.province || "";
  const hospital = input({ placeholder: "医院操作员填写" });
  const outcome = h("div");
  const form = h("div.c-form", { testid: "new-user-form" },
    field("用户名", username, { field: "username", required: true, hint: "字母、数字、下划线，3-64位" }),
    field("初始密码", password, { field: "password", required: true, hint: "至少10位，请当面告知本人" }),
    field("省份", province, { field: "province" }),
    field("医院编码", hospital, { field: "hospital_code" }),
    field("角色", roles, { field: "roles", required: true, full: true }),
    h("div.c-form-actions", button("创建用户", { testid: "new-user-submit", onclick: create }, "primary")));

  async function create() {
    clearErrors(form);
    outcome.replaceChildren();
    try {
      const user = await ops.post("/ops/v1/users", {
        username: username.value.trim(), password: password.value, roles: roles.read(),
        province: province.value || null, hospital_code: hospital.value.trim() || null });
      outcome.replaceChildren(alertBox(`已创建用户 ${user.username}（${rolesText(user.roles)}）。`, "ok", "user-created"));
      username.value = "";
      password.value = "";
      for (const box of roles.querySelectorAll("input")) box.checked = false;
      await load();
    } catch (error) {
      if (error.status !== 401) showError(form, error);
    }
  }

  page.append(pageHeader("用户与角色", "每位工作人员一个账号；除系统管理员外，账号只能处理本省业务。"),
    card("新建用户", [form, outcome], { testid: "new-user-card" }),
    card("全部用户", list));
  await load();
}
