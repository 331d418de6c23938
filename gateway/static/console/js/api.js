// The gateway's /ops/v1 surface for the console: a staff bearer token kept for this tab only
// (sessionStorage: a shared desk PC forgets it when the browser closes), problem+json errors,
// list pages in the agreed shape (JSON array, `limit`/`cursor`, X-Next-Cursor).
import { ApiError } from "/js/api.js";

export { ApiError };
const KEY = "xuefei.staff";
let onUnauthorized = () => {};

export const staffSession = {
  get() {
    try {
      const s = JSON.parse(sessionStorage.getItem(KEY) || "null");
      if (!s || !s.token) return null;
      if (s.expires_at && Date.now() >= s.expires_at) { sessionStorage.removeItem(KEY); return null; }
      return s;
    } catch { return null; }
  },
  set(token, expiresIn) {
    sessionStorage.setItem(KEY, JSON.stringify({ token, expires_at: expiresIn ? Date.now() + expiresIn * 1000 : null }));
  },
  clear() { sessionStorage.removeItem(KEY); },
};

export function setUnauthorizedHandler(fn) { onUnauthorized = fn; }

function headers(extra = {}) {
  const s = staffSession.get();
  return { Accept: "application/json, application/problem+json", ...(s ? { Authorization: `Bearer ${s.token}` } : {}), ...extra };
}

async function fail(response, hadSession) {
  let problem = null;
  try { problem = await response.json(); } catch { problem = { title: response.statusText }; }
  const error = new ApiError(response.status, problem);
  if (response.status === 401 && hadSession) {
    staffSession.clear();
    onUnauthorized(error);
  }
  throw error;
}

/** fetch against the gateway; `raw` returns the Response (for headers, blobs and CSV). */
export async function request(method, path, { json, form, body, raw = false, keepalive = false } = {}) {
  const extra = {};
  let payload = body;
  if (json !== undefined) { extra["Content-Type"] = "application/json"; payload = JSON.stringify(json); }
  if (form !== undefined) payload = form;
  const hadSession = !!staffSession.get();
  let response;
  try {
    response = await fetch(path, { method, headers: headers(extra), body: payload, credentials: "omit", keepalive });
  } catch {
    throw new ApiError(0, { title: "网络异常", detail: "网络连接失败，请检查网络后重试" });
  }
  if (!response.ok) return fail(response, hadSession);
  if (raw) return response;
  if (response.status === 204) return null;
  const type = response.headers.get("content-type") || "";
  return type.includes("json") ? response.json() : response.blob();
}

export const ops = {
  get: (path, params) => request("GET", withQuery(path, params)),
  post: (path, json) => request("POST", path, { json }),
  put: (path, json) => request("PUT", path, { json }),
  del: (path) => request("DELETE", path),
  upload: (path, form) => request("POST", path, { form }),
};

export function withQuery(path, params) {
  if (!params) return path;
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === null || value === undefined || value === "" || value === false) continue;
    for (const v of Array.isArray(value) ? value : [value]) query.append(key, String(v));
  }
  const text = query.toString();
  return text ? `${path}${path.includes("?") ? "&" : "?"}${text}` : path;
}

/**
 * A list in pages: `next()` resolves the next page's rows, `done` says when there is no more.
 * The agreed shape is a JSON array with `X-Next-Cursor`; a route still answering the older
 * `{items, total, limit, offset}` page is read too, until it moves to the agreed shape.
 */
export function pager(path, params = {}, limit = 50) {
  let cursor = null;
  let offset = 0;
  const state = {
    done: false,
    total: null,
    async next() {
      const query = { ...params, limit, ...(cursor ? { cursor } : {}), ...(offset ? { offset } : {}) };
      const response = await request("GET", withQuery(path, query), { raw: true });
      const body = await response.json();
      if (Array.isArray(body)) {
        cursor = response.headers.get("X-Next-Cursor");
        state.done = !cursor;
        return body;
      }
      const items = body.items || [];
      state.total = body.total ?? null;
      offset = (body.offset || 0) + items.length;
      state.done = !items.length || (state.total !== null && offset >= state.total);
      return items;
    },
  };
  return state;
}

/** Save a response body as a file (CSV, PDF) with the name the server gives, or `fallback`. */
export async function download(path, fallback) {
  const response = await request("GET", path, { raw: true });
  const disposition = response.headers.get("content-disposition") || "";
  const name = (/filename="?([^";]+)"?/.exec(disposition) || [])[1] || fallback;
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
  return name;
}

/** Staff sign-in: the OAuth2 password form. */
export async function signIn(username, password) {
  const body = new URLSearchParams({ username, password });
  const response = await request("POST", "/ops/v1/auth/token", {
    body, raw: true });
  const token = await response.json();
  staffSession.set(token.access_token, token.expires_in);
  return token;
}
