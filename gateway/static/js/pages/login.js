// 登录: wx.login() code -> session; then bind the real identity with an SMS code.
import { api, session } from "../api.js";
import { icons } from "../icons.js";
import { goAfterSignIn, go } from "../nav.js";
import { busy, button, cleanMessage, clearErrors, dateTimeText, fieldCell, formAlert, h, input, reportError, toast } from "../ui.js";

const DEMO_OPENID = "demo-donor";

export async function renderLogin(page) {
  const current = session.get();
  if (current && current.bound) {
    try {
      const me = await api.get("/api/v1/me");
      if (me.bound) { goAfterSignIn(); return; }
      session.update({ bound: false });
    } catch (err) {
      if (err.status !== 401) throw err;
    }
  }
  const dev = await devPanel();
  const body = h("div");
  page.append(body);
  if (dev) page.append(dev.node);
  const s = session.get();
  if (s && !s.bound) renderBind(body, dev);
  else renderWelcome(body, dev);
}

/** wx.login(): inside WeChat the JS-SDK gives the code; in the sandbox the dev panel plays WeChat. */
async function wxLogin(dev) {
  if (window.wx && typeof window.wx.login === "function") {
    return new Promise((resolve, reject) => window.wx.login({
      success: (r) => resolve(r.code), fail: () => reject(new Error("微信登录失败")) }));
  }
  if (!dev) throw new Error("请在微信中打开「全国电子无偿献血证」小程序");
  const { code } = await api.post("/api/v1/dev/wx-code", { openid: dev.openid() }, { auth: false });
  return code;
}

function renderWelcome(body, dev) {
  const area = h("div");
  const login = h("button.x-btn.x-btn--wechat.x-btn--wide", { type: "button", testid: "login-wechat" },
    h("span", { html: icons.wechat }), "微信一键登录");
  login.addEventListener("click", async () => {
    clearErrors(area);
    login.disabled = true;
    try {
      const code = await busy(wxLogin(dev), "登录中");
      // The session comes back as an HttpOnly cookie only, never in the page's reach.
      const out = await busy(api.post("/api/v1/auth/wx-login", { code, session: "cookie" }), "登录中");
      session.set(out.expires_in, out.bound);
      if (out.bound) { toast("登录成功"); goAfterSignIn(); return; }
      renderBind(body, dev);
    } catch (err) {
      formAlert(area, err);
    } finally {
      login.disabled = false;
    }
  });
  body.replaceChildren(
    h("div.x-brand", h("div.x-brand__logo", { html: icons.logo }), h("h1", "全国电子无偿献血证"),
      h("p", "献血者及家人用血 · 血费减免一次都不跑")),
    area,
    h("div.x-login-actions", login),
    h("p.x-agreement", "登录后需核验献血者身份（姓名、身份证号及献血档案预留手机号的短信验证码）"),
    h("div.x-btn-area", h("a.x-btn.x-btn--plain", { href: "#/stations", testid: "link-stations" }, "查看血费减免服务网点（无需登录）")),
  );
}

function renderBind(body, dev) {
  let challengeId = null;
  let timer = null;
  const name = input({ placeholder: "与献血档案一致的姓名", autocomplete: "name" });
  const cert = input({ placeholder: "18位居民身份证号", maxlength: "18", inputmode: "text" });
  const code = input({ placeholder: "6位短信验证码", inputmode: "numeric", maxlength: "6", autocomplete: "one-time-code" });
  const send = h("button.x-vcode", { type: "button", testid: "bind-send-code" }, "获取验证码");
  const notice = h("div.x-cells__tips", { testid: "bind-message", hidden: true });
  const form = h("form", { novalidate: true, testid: "bind-form" },
    h("div.x-step-title", h("h2", "绑定献血者身份"),
      h("p", "请填写与献血档案一致的姓名和身份证号。验证码将发送至您献血时登记的手机号，绑定后即可查看电子献血证和办理血费减免。")),
    h("div.x-cells",
      fieldCell("姓名", name, { field: "name" }),
      fieldCell("证件类型", h("div", "居民身份证")),
      fieldCell("身份证号", cert, { field: "cert_number" }),
      fieldCell("验证码", h("div.x-inline", code, send), { field: "code" })),
    notice,
    h("div.x-btn-area",
      button("绑定", { type: "submit", testid: "bind-submit" }),
      h("button.x-btn.x-btn--plain", { type: "button", testid: "bind-switch", onclick: async () => {
        try { await api.post("/api/v1/auth/logout"); } catch { /* the session may be gone already */ }
        session.clear();
        go("#/login");
      } }, "更换微信账号")),
  );

  const countdown = (seconds) => {
    clearInterval(timer);
    let left = seconds;
    send.disabled = true;
    send.textContent = `${left}秒后重发`;
    timer = setInterval(() => {
      left -= 1;
      if (left <= 0 || !send.isConnected) { clearInterval(timer); send.disabled = false; send.textContent = "重新获取"; return; }
      send.textContent = `${left}秒后重发`;
    }, 1000);
  };

  send.addEventListener("click", async () => {
    clearErrors(form);
    try {
      const out = await busy(api.post("/api/v1/auth/bind/start",
        { name: name.value.trim(), cert_type: "resident_id", cert_number: cert.value.trim().toUpperCase() }), "发送中");
      challengeId = out.challenge_id;
      notice.textContent = cleanMessage(out.message);
      notice.hidden = false;
      toast("验证码已发送");
      countdown(60);
      if (dev) dev.refresh();
      code.focus();
    } catch (err) {
      reportError(form, err);
    }
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    if (!challengeId) {
      reportError(form, { errors: [{ field: "code", message: "请先获取短信验证码" }] });
      return;
    }
    try {
      const me = await busy(api.post("/api/v1/auth/bind/verify", { challenge_id: challengeId, code: code.value.trim() }), "验证中");
      session.update({ bound: true });
      clearInterval(timer);
      toast("绑定成功");
      if (me.bound) goAfterSignIn();
    } catch (err) {
      reportError(form, err);
    }
  });
  body.replaceChildren(form);
  if (dev) dev.onFill = (value) => { code.value = value; };
}

/** The SANDBOX / dev panel: only where the gateway runs in sandbox mode (its routes answer). */
async function devPanel() {
  let sms;
  try {
    sms = await api.get("/api/v1/dev/sms?limit=3", { auth: false });
  } catch {
    return null;
  }
  const custom = h("input", { type: "text", placeholder: "其他测试 openid", testid: "dev-openid", "aria-label": "自定义 openid" });
  const demo = h("input", { type: "radio", name: "dev-openid", value: DEMO_OPENID, checked: true, testid: "dev-openid-demo" });
  const other = h("input", { type: "radio", name: "dev-openid", value: "custom", testid: "dev-openid-custom" });
  custom.addEventListener("input", () => { other.checked = true; });
  const list = h("div", { testid: "dev-sms-list" });
  const panel = {
    onFill: null,
    openid: () => (other.checked && custom.value.trim() ? custom.value.trim() : DEMO_OPENID),
    async refresh() {
      try { draw(await api.get("/api/v1/dev/sms?limit=3", { auth: false })); } catch { /* keep the old list */ }
    },
  };
  const draw = (rows) => {
    list.replaceChildren(...(rows.length ? rows.map((row) => {
      const code = /验证码\s*(\d{6})/.exec(row.text)?.[1];
      return h("div.x-sms", { testid: "dev-sms" },
        h("div.x-sms__meta", h("span", `发往 ${row.phone_masked}`), h("span", dateTimeText(row.sent_at))),
        h("div", row.text),
        code && panel.onFill ? h("button.x-btn.x-btn--mini", { type: "button", style: "margin-top:6px",
          onclick: () => panel.onFill(code) }, `填入验证码 ${code}`) : null);
    }) : [h("p", "暂无短信")]));
  };
  draw(sms);
  panel.node = h("section.x-devpanel", { testid: "dev-panel", "aria-label": "沙箱开发面板" },
    h("div.x-devpanel__hd", h("span.x-devpanel__badge", "沙箱 / 开发"), h("strong", "开发面板（非小程序内容）")),
    h("p", "仅在沙箱环境显示：模拟 wx.login() 的微信用户，并查看沙箱“发送”的短信。真实小程序中由微信登录、短信发至手机。"),
    h("label", demo, h("span", "demo-donor（演示献血者：张三 / 110105198503120215）")),
    h("label", other, custom),
    h("div.x-devpanel__hd.is-split", { style: "margin-top:10px" }, h("strong", "最新短信"),
      h("button.x-btn.x-btn--mini", { type: "button", testid: "dev-sms-refresh", onclick: () => panel.refresh() }, "刷新")),
    list);
  return panel;
}
