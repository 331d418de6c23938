// Staff sign-in (OAuth2 password form at /ops/v1/auth/token).
import { signIn } from "../js/api.js";
import { signedIn } from "../js/nav.js";
import { button, field, h, input, showError } from "../js/widgets.js";

export async function renderLogin(page) {
  const username = input({ autocomplete: "username", name: "username" });
  const password = input({ type: "password", autocomplete: "current-password", name: "password" });
  const submit = button("登录", { type: "submit", testid: "login-submit" }, "primary");
  const form = h("form.c-form", { testid: "login-form", novalidate: true },
    field("用户名", username, { field: "username", required: true }),
    field("密码", password, { field: "password", required: true }),
    h("div.c-form-actions", submit));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    submit.disabled = true;
    try {
      await signIn(username.value.trim(), password.value);
      await signedIn();
    } catch (error) {
      showError(form, error);
      password.value = "";
    } finally {
      submit.disabled = false;
    }
  });
  page.append(h("div.c-login",
    h("section.c-card",
      h("h1", "运营后台登录"),
      h("p.c-muted.c-small", "血站受理、审核、财务与系统管理人员使用。账号由管理员分配。"),
      form)));
  username.focus();
}
