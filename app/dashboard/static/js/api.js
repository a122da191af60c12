// The dashboard's only way to the server: the public JSON API, authenticated by the HttpOnly
// session cookie that POST /api/auth/session sets. Requests that change something carry the
// session's CSRF token, which lives in this module's memory only.

let csrfToken = null;

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message || `HTTP ${status}`);
    this.status = status;
    this.slug = body?.error || "error";
    this.errors = body?.errors || {};
  }
}

// Set by main.js: what to do when the session has ended (401).
let onSignedOut = () => {};
export function whenSignedOut(handler) {
  onSignedOut = handler;
}

export async function api(method, path, body, { idempotencyKey, retried = false } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
  const response = await fetch(path, {
    method, headers, credentials: "same-origin", cache: "no-store",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  if (response.status === 403 && data?.error === "csrf_failed" && !retried && !path.startsWith("/api/auth/session")) {
    // Another tab signed in again, or the server's key changed: read the session's token anew, once.
    await currentSession();
    return api(method, path, body, { idempotencyKey, retried: true });
  }
  if (!response.ok) {
    const error = new ApiError(response.status, data);
    if (response.status === 401 && !path.startsWith("/api/auth/session")) onSignedOut(error);
    throw error;
  }
  return data;
}

// An Idempotency-Key, made once per form drawn and sent with each of its submissions: a second
// click after an answer that got lost applies nothing twice. (crypto.randomUUID needs HTTPS.)
export function newKey() {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

export const get = (path, query = {}) => {
  const params = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== "" && v !== null && v !== undefined));
  const search = params.toString();
  return api("GET", search ? `${path}?${search}` : path);
};

export async function signIn(email, password) {
  const session = await api("POST", "/api/auth/session", { email, password });
  csrfToken = session.csrf_token;
  return session;
}

export async function currentSession() {
  const session = await api("GET", "/api/auth/session");
  csrfToken = session.csrf_token;
  return session;
}

export async function signOut() {
  try {
    await api("DELETE", "/api/auth/session");
  } finally {
    csrfToken = null;
  }
}

// Every page of a list (`per_page` 200), for the filters' choices.
export async function all(path, query = {}) {
  const items = [];
  for (let page = 1; ; page++) {
    const data = await get(path, { ...query, page, per_page: 200 });
    items.push(...data.items);
    if (items.length >= data.total || !data.items.length) return items;
  }
}

// What was typed in a number field: an integer as a number, anything else as typed, for the API to name.
export function integerOrText(text) {
  const trimmed = text.trim();
  return /^-?\d{1,16}$/.test(trimmed) ? Number(trimmed) : trimmed;
}
