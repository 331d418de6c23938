// The signed-in donor's certificate, fetched once per page view.
import { api } from "./api.js";

export async function loadCertificate() {
  try {
    return await api.get("/api/v1/me/certificate");
  } catch (err) {
    if (err.status === 404) return null; // bound, but no donation on record (yet)
    throw err;
  }
}

/** Self quota as text: 终身无限量 or "800 mL". */
export function selfQuota(p) {
  if (p.self_unlimited) return "终身无限量";
  return p.self_remaining_ml === null || p.self_remaining_ml === undefined ? "未配置" : `${p.self_remaining_ml} mL`;
}

export function relativesQuota(p) {
  if (p.relatives_unlimited) return "终身无限量";
  return p.relatives_remaining_ml === null || p.relatives_remaining_ml === undefined ? "未配置" : `${p.relatives_remaining_ml} mL`;
}
