// The mobile API as a phone uses it: device-bound sign-in, rotated refresh tokens kept in
// IndexedDB, problem+json errors turned into ApiError with the server's own (Vietnamese) title.
import { clear, kvDel, kvGet, kvSet } from "./db.js";
import { lang } from "./i18n.js";

export const APP_VERSION = "field-1";
const BASE = "/api/v1";

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
    this.code = this.problem.code;
  }
}

// The request never reached the server or its answer never came back.
export class NetworkError extends Error {}

export async function deviceId() {
  let id = await kvGet("device_id");
  if (!id) {
    id = `field-${crypto.randomUUID()}`;
    await kvSet("device_id", id);
  }
  return id;
}

export const session = () => kvGet("session");

async function storeTokens(pair, extra = {}) {
  const previous = (await session()) || {};
  const next = {
    ...previous,
    ...extra,
    access_token: pair.access_token,
    access_expires: Date.now() + (pair.expires_in - 30) * 1000,
    refresh_token: pair.refresh_token,
  };
  await kvSet("session", next);
  return next;
}

async function send(path, { method = "GET", json, form, headers = {}, token, signal } = {}) {
  const h = { Accept: "application/json", "Accept-Language": lang(), ...headers };
  if (token) h.Authorization = `Bearer ${token}`;
  let body;
  if (json !== undefined) {
    h["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form) {
    body = form;
  }
  let response;
  try {
    response = await fetch(BASE + path, { method, headers: h, body, signal });
  } catch (err) {
    throw new NetworkError(String(err));
  }
  return response;
}

async function parse(response) {
  const type = response.headers.get("content-type") || "";
  const data = type.includes("json") ? await response.json().catch(() => null) : null;
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

export async function signIn(phone, password) {
  const device = await deviceId();
  const response = await send("/auth/mobile-login", {
    method: "POST",
    json: {
      phone,
      password,
      device: { device_id: device, model: navigator.userAgent.slice(0, 128), app_version: APP_VERSION },
    },
  });
  const pair = await parse(response);
  const s = await storeTokens(pair, { phone, device_id: device });
  const me = await api("/me");
  await kvSet("session", { ...s, user: me });
  return me;
}

let refreshing = null;

// One refresh at a time: two concurrent rotations of the same token would look like reuse.
function refresh() {
  if (!refreshing) {
    refreshing = (async () => {
      const s = await session();
      if (!s) throw new ApiError(401, { code: "not_signed_in" });
      const response = await send("/auth/refresh", {
        method: "POST",
        json: { refresh_token: s.refresh_token, device_id: s.device_id },
      });
      if (response.status === 401) {
        await kvDel("session"); // revoked or expired: the user signs in again
        window.dispatchEvent(new Event("signed-out"));
      }
      return storeTokens(await parse(response));
    })().finally(() => {
      refreshing = null;
    });
  }
  return refreshing;
}

async function accessToken() {
  const s = await session();
  if (!s) throw new ApiError(401, { code: "not_signed_in" });
  if (s.access_expires > Date.now()) return s.access_token;
  return (await refresh()).access_token;
}

// An authenticated call; on 401 the refresh token is rotated once and the call repeated.
export async function apiRaw(path, options = {}) {
  let response = await send(path, { ...options, token: await accessToken() });
  if (response.status === 401) {
    const s = await refresh();
    response = await send(path, { ...options, token: s.access_token });
  }
  return response;
}

// A retried call under an Idempotency-Key whose first try the server is still finishing (its
// answer was lost on the way, the transaction not yet committed) answers 409
// idempotency_in_flight with Retry-After: wait that long (at most 5 s) and ask again.
export async function apiIdempotent(path, options = {}, tries = 4) {
  for (let i = 1; ; i++) {
    const response = await apiRaw(path, options);
    if (response.status !== 409 || i >= tries) return response;
    const problem = await response.clone().json().catch(() => null);
    if (!problem || problem.code !== "idempotency_in_flight") return response;
    const wait = Math.min(Number(response.headers.get("Retry-After")) || 1, 5);
    await new Promise((resolve) => setTimeout(resolve, wait * 1000));
  }
}

export async function api(path, options = {}) {
  return parse(await apiRaw(path, options));
}

// Lists answer either a bare array or a page {items, next_cursor}: read every page.
export async function listAll(path, maxPages = 20) {
  const out = [];
  let cursor = null;
  for (let i = 0; i < maxPages; i++) {
    const sep = path.includes("?") ? "&" : "?";
    const data = await api(cursor ? `${path}${sep}cursor=${encodeURIComponent(cursor)}` : path);
    if (Array.isArray(data)) return data;
    out.push(...(data.items || []));
    cursor = data.next_cursor;
    if (!cursor) break;
  }
  return out;
}

export async function signOut() {
  try {
    await api("/auth/logout", { method: "POST" });
  } catch {
    // Offline or already revoked: forgetting the tokens locally is what matters.
  }
  await kvDel("session");
  // The feed is the signed-out user's: on a shared phone the next one must not read it.
  await kvDel("feed_last_event_id");
  await clear("feed");
  window.dispatchEvent(new Event("signed-out"));
}
