// The console's menu. An item shows when the signed-in account may call every route it `needs`
// (GET /ops/v1/me lists them from the gateway's own rules, which are kept within the services'
// caller policies, issue 11), so a role sees its own menu, and a
// page whose route does not exist yet stays hidden until it lands. `roles` and `unless` only
// refine where two roles share the same routes (a senior reviewer's second-review queue).

// Cross-province interop (issue 14) adds inter-province statements and partner platforms; until
// their routes exist the items stay hidden. Keep this the one place that names them.
export const INTEROP_STATEMENTS = "GET /ops/v1/interop/statements";
export const INTEROP_PARTNERS = "GET /ops/v1/interop/partners";
export const RULE_SET_SIMULATION = "POST /ops/v1/rule-sets/simulate";

const DECIDE = "POST /ops/v1/claims/{claim_id}/decision";
const QUEUE = "GET /ops/v1/review/queue";

export const MENU = [
  { group: "概览", items: [
    { id: "dashboard", label: "数据看板", hash: "#/dashboard", needs: ["GET /ops/v1/dashboard"] },
  ] },
  { group: "审核", items: [
    { id: "review", label: "审核队列", hash: "#/review", needs: [QUEUE, DECIDE] },
    { id: "second", label: "复核队列", hash: "#/review/second", needs: [QUEUE, DECIDE], roles: ["senior_reviewer"] },
  ] },
  { group: "受理", items: [
    { id: "intake", label: "窗口与邮寄受理", hash: "#/intake", needs: ["POST /ops/v1/claims"] },
    { id: "claims", label: "申请查询", hash: "#/claims", needs: [QUEUE], unless: [DECIDE] },
    { id: "donations", label: "献血记录导入与补录", hash: "#/donations", needs: ["POST /ops/v1/donations"] },
  ] },
  { group: "财务", items: [
    { id: "payments", label: "付款单", hash: "#/payments", needs: ["GET /ops/v1/payments/disbursements"] },
    { id: "returns", label: "失败与退回", hash: "#/payments/returns",
      needs: ["GET /ops/v1/payments/disbursements", "PUT /ops/v1/claims/{claim_id}/payee"] },
    { id: "reconciliation", label: "每日对账", hash: "#/reconciliation",
      needs: ["GET /ops/v1/payments/reconciliation", "POST /ops/v1/payments/reconciliation/run"] },
    { id: "statements", label: "医院结算审批", hash: "#/statements",
      needs: ["GET /ops/v1/hospital-settlements", "POST /ops/v1/hospital-settlements/{statement_id}/approve"] },
    { id: "interop", label: "跨省结算", hash: "#/interop/statements", needs: [INTEROP_STATEMENTS] },
  ] },
  { group: "系统管理", items: [
    { id: "users", label: "用户与角色", hash: "#/admin/users", needs: ["GET /ops/v1/users", "POST /ops/v1/users"] },
    { id: "hospitals", label: "医院与接口凭证", hash: "#/admin/hospitals",
      needs: ["GET /ops/v1/hospitals", "POST /ops/v1/hospitals", "GET /ops/v1/hospitals/{code}/credentials"] },
    { id: "calendar", label: "工作日历与告警", hash: "#/admin/calendar",
      needs: ["GET /ops/v1/calendar/years/{year}", "PUT /ops/v1/calendar/days/{day}"] },
    { id: "partners", label: "跨省合作平台与密钥", hash: "#/admin/partners", needs: [INTEROP_PARTNERS] },
    { id: "rulesets", label: "减免规则", hash: "#/admin/rule-sets", needs: ["GET /ops/v1/rule-sets"], roles: ["admin"] },
    { id: "simulate", label: "规则模拟（what-if）", hash: "#/admin/rule-sets/simulate", needs: [RULE_SET_SIMULATION] },
    { id: "audit", label: "审计日志", hash: "#/admin/audit", needs: ["GET /ops/v1/audit/events"] },
  ] },
];

export function allows(me, item) {
  if (!me) return false;
  const routes = new Set(me.routes || []);
  if (!(item.needs || []).every((r) => routes.has(r))) return false;
  if (item.roles && !item.roles.some((r) => me.roles.includes(r))) return false;
  return !(item.unless || []).some((r) => routes.has(r));
}

export function visibleMenu(me) {
  return MENU.map((g) => ({ group: g.group, items: g.items.filter((i) => allows(me, i)) })).filter((g) => g.items.length);
}

export function homeHash(me) {
  const first = visibleMenu(me)[0];
  return first ? first.items[0].hash : null;
}
