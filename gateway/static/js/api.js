// The gateway's /api/v1 surface: the session lives in an HttpOnly, SameSite=Strict cookie that no
// script (ours or an injected one) can read; localStorage keeps only a hint (signed in? bound?).
const KEY = "xuefei.session";
// The claim wizard's unsent form: personal data of whoever was signed in, so it goes with the session.
export const WIZARD_KEY = "xuefei.claimWizard";

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
    this.errors = Array.isArray(this.problem.errors) ? this.problem.errors : [];
  }
}

export const session = {
  get() {
    try {
      const s = JSON.parse(localStorage.getItem(KEY) || "null");
      if (!s || s.token) { if (s) localStorage.removeItem(KEY); return null; } // an old bearer copy: drop it
      if (s.expires_at && Date.now() >= s.expires_at) { localStorage.removeItem(KEY); return null; }
      return s;
    } catch { return null; }
  },
  set(expiresIn, bound) {
    const expires_at = expiresIn ? Date.now() + expiresIn * 1000 : null;
    sessionStorage.removeItem(WIZARD_KEY);
    localStorage.setItem(KEY, JSON.stringify({ expires_at, bound: !!bound }));
  },
  update(fields) {
    const s = this.get();
    if (s) localStorage.setItem(KEY, JSON.stringify({ ...s, ...fields }));
  },
  clear() { localStorage.removeItem(KEY); sessionStorage.removeItem(WIZARD_KEY); },
};

let onUnauthorized = () => {};
export function setUnauthorizedHandler(fn) { onUnauthorized = fn; }

async function parse(response) {
  const type = response.headers.get("content-type") || "";
  if (response.status === 204) return null;
  if (type.includes("json")) return response.json();
  return response.blob();
}

/** fetch against the gateway; throws ApiError with the problem body on any non-2xx. */
export async function request(method, path, { json, form, auth = true, raw = false } = {}) {
  const headers = { Accept: "application/json, application/problem+json" };
  const s = session.get();
  let body;
  if (json !== undefined) { headers["Content-Type"] = "application/json"; body = JSON.stringify(json); }
  if (form !== undefined) body = form;
  let response;
  try {
    // same-origin: the session cookie goes along (it is scoped to /api/v1 and SameSite=Strict).
    response = await fetch(path, { method, headers, body, credentials: auth ? "same-origin" : "omit" });
  } catch (err) {
    throw new ApiError(0, { title: "网络异常", detail: "网络连接失败，请检查网络后重试" });
  }
  if (response.ok) return raw ? response : parse(response);
  let problem = null;
  try { problem = await response.json(); } catch { problem = { title: response.statusText }; }
  const error = new ApiError(response.status, problem);
  if (response.status === 401 && auth && s) {
    session.clear();
    onUnauthorized(error);
  }
  throw error;
}

export const api = {
  get: (path, opts) => request("GET", path, opts),
  post: (path, json, opts) => request("POST", path, { ...opts, json }),
  put: (path, json, opts) => request("PUT", path, { ...opts, json }),
  upload: (path, form) => request("POST", path, { form }),
};
