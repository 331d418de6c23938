// 电子献血证 (home): masked identity, counts, honours, quotas, entries.
import { api, session } from "../api.js";
import { loadCertificate, relativesQuota, selfQuota } from "../certificate.js";
import { icons } from "../icons.js";
import { HONOURS, PROVINCES } from "../labels.js";
import { go } from "../nav.js";
import { busy, cellLink, dialog, h, maskName, toast } from "../ui.js";

export async function renderHome(page, ctx) {
  const [me, cert] = await Promise.all([api.get("/api/v1/me"), loadCertificate()]);
  if (ctx.stale) return;
  const name = cert ? cert.name : me.name;
  const masked = cert ? cert.cert_number_masked : me.cert_number_masked;
  const provinces = cert ? cert.provinces : [];
  const count = provinces.reduce((n, p) => n + p.donation_count, 0);
  const volume = provinces.reduce((n, p) => n + p.total_volume_ml, 0);
  const honours = [...new Set(provinces.flatMap((p) => p.honours))];
  const top = honours.length ? HONOURS[honours[honours.length - 1]].short : "—";

  page.append(
    h("section.x-cert", { testid: "certificate" },
      h("div.x-cert__watermark", { html: icons.drop }),
      h("div.x-cert__top", h("span", "全国电子无偿献血证"), h("span.x-cert__seal", "已实名")),
      h("div.x-cert__name", { testid: "cert-name" }, maskName(name)),
      h("div.x-cert__id.x-mono", { testid: "cert-id" }, `居民身份证 ${masked || ""}`),
      h("div.x-cert__stats",
        h("div.x-cert__stat", h("div.x-cert__num", { testid: "cert-count" }, String(count), h("small", "次")), h("div.x-cert__label", "献血次数")),
        h("div.x-cert__stat", h("div.x-cert__num", { testid: "cert-volume" }, volume.toLocaleString("zh-CN"), h("small", "mL")), h("div.x-cert__label", "累计献血量")),
        h("div.x-cert__stat", h("div.x-cert__num", { testid: "cert-honour" }, top), h("div.x-cert__label", "荣誉")))),
  );

  if (!cert) {
    page.append(h("div.x-notice.is-info", { testid: "no-records" },
      "暂未查询到您的献血记录。如您持有纸质《无偿献血证》，可联系献血地血站补录后再办理血费减免。"));
  }

  for (const p of provinces) page.append(provinceCard(p, provinces.length > 1));

  page.append(h("nav.x-grid", { testid: "home-entries" },
    entry("#/donations", icons.records, "献血记录", "entry-donations"),
    entry("#/quota", icons.calc, "减免测算", "entry-quota"),
    entry("#/claim/new", icons.apply, "申请减免", "entry-claim"),
    entry("#/stations", icons.place, "服务网点", "entry-stations")));

  page.append(h("div.x-cells.is-inset",
    cellLink("我的申请", { href: "#/claims", icon: icons.list, testid: "link-claims" }),
    cellLink("用血额度说明", { href: "#/quota", icon: icons.quota })));

  const logout = h("button.x-btn.x-btn--warn", { type: "button", testid: "logout" }, "退出登录");
  logout.addEventListener("click", async () => {
    if (!(await dialog({ title: "退出登录", body: "退出后需重新微信登录并验证身份。", confirm: "退出", danger: true }))) return;
    try { await busy(api.post("/api/v1/auth/logout"), "正在退出"); } catch { /* already signed out */ }
    session.clear();
    toast("已退出登录");
    go("#/login");
  });
  page.append(h("div.x-btn-area", logout),
    h("p.x-footnote", "个人信息已脱敏显示 · 数据来源：献血地血站献血档案"));
}

function entry(href, icon, label, testid) {
  return h("a.x-grid__item", { href, testid }, h("span.x-grid__icon", { html: icon }), h("span", label));
}

function provinceCard(p, showProvince) {
  const place = PROVINCES[p.province] || p.province;
  const next = p.next_honour ? HONOURS[p.next_honour] : null;
  const progress = next ? Math.min(100, Math.round((100 * p.donation_count) / next.threshold)) : 100;
  // The window's last day is inside it (民法典 202): "至 2029-05-01（含）".
  const windowText = (ends, unlimited) => (unlimited ? "终身有效" : ends ? `部分额度至 ${ends}（含）` : "按献血日期计算");
  return h("section.x-card", { testid: `province-${p.province}` },
    h("div.x-card__hd", h("span.x-card__title", "用血额度"),
      h("a.x-card__more", { href: "#/quota" }, `${place}${p.rule_set ? ` · ${p.rule_set}` : ""} ›`)),
    h("div.x-quota",
      h("div.x-quota__box",
        h("div.x-quota__label", "本人剩余额度"),
        h("div.x-quota__value", { class: p.self_unlimited ? "is-unlimited" : "", testid: "quota-self" }, selfQuota(p)),
        h("div.x-quota__sub", { testid: "quota-self-window" }, windowText(p.self_window_ends_on, p.self_unlimited))),
      h("div.x-quota__box",
        h("div.x-quota__label", "配偶、父母、子女共用"),
        h("div.x-quota__value", { class: p.relatives_unlimited ? "is-unlimited" : "", testid: "quota-relatives" }, relativesQuota(p)),
        h("div.x-quota__sub", { testid: "quota-relatives-window" }, windowText(p.relatives_window_ends_on, p.relatives_unlimited)))),
    h("div", { style: "margin-top:16px" },
      h("div.x-card__hd", { style: "margin-bottom:0" },
        h("span.x-card__title", showProvince ? `${place}献血荣誉` : "献血荣誉"),
        h("span.x-card__more", `${p.donation_count} 次 · ${p.total_volume_ml.toLocaleString("zh-CN")} mL`)),
      h("div.x-progress", h("div.x-progress__bar", { style: `width:${progress}%` })),
      h("div.x-small.x-muted", { testid: "honour-next" },
        next ? `距「${next.name}」还需献血 ${p.donations_to_next_honour} 次（${p.donation_count}/${next.threshold}）`
          : "已获得全国无偿献血奉献奖金奖"),
      p.honours.length ? h("div.x-honours", p.honours.map((id) =>
        h("span.x-honour", h("span", { html: icons.medal }), HONOURS[id].name))) : null,
      p.sanmian_eligible ? h("div.x-honours", h("span.x-honour", "可享“三免”优惠")) : null));
}
