// The field app's entry point: service worker, sign-in, a hash router and the sync triggers
// (on opening, when the network comes back, on the button; never Background Sync).
import { session, signIn } from "./api.js";
import { lang, setLang, t, translateShell } from "./i18n.js";
import { startLive, stopLive } from "./live.js";
import { flush, idle, records, waitingCount } from "./outbox.js";
import { refreshFeed, syncRegistry } from "./registry.js";
import { $, toast } from "./util.js";
import * as awareness from "./view-awareness.js";
import * as feedView from "./view-feed.js";
import * as home from "./view-home.js";
import * as incident from "./view-incident.js";
import * as outboxView from "./view-outbox.js";
import * as patrol from "./view-patrol.js";

const ROUTES = {
  "": home, patrol, incident, awareness, outbox: outboxView, feed: feedView,
};
let cleanup = null;
const RETRY_MS = 60000;

async function showWaiting() {
  const n = await waitingCount();
  $("#waiting").textContent = String(n);
  document.body.dataset.waiting = String(n);
}

function showNetwork() {
  const el = $("#net");
  el.dataset.online = navigator.onLine ? "1" : "0";
  el.textContent = navigator.onLine ? t("online") : t("offline");
}

// A new shell version: installed beside this one, it waits until the user taps the banner.
let registration = null;

function offerUpdate() {
  if (registration && registration.waiting && navigator.serviceWorker.controller) {
    $("#update").hidden = false;
  }
}

function watchUpdates(reg) {
  registration = reg;
  offerUpdate();
  reg.addEventListener("updatefound", () => {
    const worker = reg.installing;
    if (worker) worker.addEventListener("statechange", () => worker.state === "installed" && offerUpdate());
  });
}

function checkForUpdate() {
  if (registration && navigator.onLine) registration.update().catch(() => {});
}

async function applyUpdate() {
  $("#update-now").disabled = true;
  // The outbox lives in IndexedDB and survives the reload; an upload in flight is let finish
  // so its answer is not lost with the page.
  await idle();
  let reloading = false;
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (!reloading) {
      reloading = true;
      location.reload();
    }
  });
  if (registration && registration.waiting) registration.waiting.postMessage("skip-waiting");
  else location.reload();
}

// Sync runs go one after another, and a call while one runs queues one more (never more than
// one): a record saved during a run's registry refresh is sent by the next run, not a minute
// later, and two runs never upload or rewrite the cache at once. body[data-syncing] is "1"
// from the call until no run is left.
let syncTail = Promise.resolve();
let syncQueued = null;

export function syncAll(options = {}) {
  if (syncQueued) return syncQueued;
  document.body.dataset.syncing = "1";
  const run = syncTail.then(() => {
    syncQueued = null;
    return syncOnce(options);
  });
  syncQueued = run;
  syncTail = run
    .catch(() => {})
    .finally(() => {
      if (!syncQueued) document.body.dataset.syncing = "0";
    });
  return run;
}

async function syncOnce({ quiet = false } = {}) {
  checkForUpdate();
  if (!(await session())) return;
  try {
    const result = await flush();
    if (!quiet && result.offline) toast(t("toast_offline"));
    else if (!quiet && result.problems) toast(t("toast_problems", { n: result.problems }));
    else if (!quiet && result.error) toast(result.error.message);
    else if (!quiet && result.sent) toast(t("toast_sent", { n: result.sent }));
    if (!result.offline) {
      await syncRegistry().catch(() => {});
      await refreshFeed().catch(() => {});
      startLive(); // after the list, so the stream resumes after its newest row
    }
  } finally {
    document.body.dataset.synced = String(Number(document.body.dataset.synced || 0) + 1);
    await showWaiting();
    route({ onlyIfShown: "" }); // the home screen shows counts and "last refreshed"
  }
}

function loginView(main) {
  main.innerHTML = `
    <h1>${t("login_title")}</h1>
    <p class="muted">${t("login_hint")}</p>
    <form id="login">
      <label for="phone">${t("phone")}</label>
      <input id="phone" name="phone" type="tel" autocomplete="username" required inputmode="tel">
      <label for="password">${t("password")}</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required>
      <p id="login-error" class="problem"></p>
      <button class="btn" type="submit">${t("sign_in")}</button>
    </form>`;
  $("#login").addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = e.target;
    f.querySelector("button").disabled = true;
    try {
      await signIn(f.phone.value.trim(), f.password.value);
      // Records that waited for this account go now; the registry is fetched before the home
      // screen shows, so it never opens on an empty list.
      await syncAll({ quiet: true });
      location.hash = "#/";
      route();
    } catch (err) {
      $("#login-error").textContent = err.message || t("sign_in_failed");
    } finally {
      f.querySelector("button").disabled = false;
    }
  });
}

// Renders run one after another, each reading the hash when its turn comes: two overlapping
// renders could otherwise wipe a form the user has started to fill.
let routing = Promise.resolve();
let shown = null;

async function render({ onlyIfShown } = {}) {
  const hash = location.hash.replace(/^#\/?/, "");
  if (onlyIfShown !== undefined && (shown !== onlyIfShown || hash !== onlyIfShown)) return;
  if (cleanup) cleanup();
  cleanup = null;
  const main = $("#view");
  if (!(await session())) {
    shown = null;
    return loginView(main);
  }
  const [path, query] = hash.split("?");
  const view = ROUTES[path] || home;
  shown = hash;
  cleanup = (await view.render(main, new URLSearchParams(query || ""), { syncAll, route })) || null;
}

export function route(options) {
  routing = routing.then(() => render(options)).catch((err) => toast(String(err)));
  return routing;
}

async function start() {
  setLang(lang());
  translateShell();
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/field/sw.js", { scope: "/field/" }).then(watchUpdates, () => {});
  }
  showNetwork();
  window.addEventListener("online", () => {
    showNetwork();
    syncAll({ quiet: true });
  });
  window.addEventListener("offline", () => {
    showNetwork();
    stopLive();
  });
  window.addEventListener("feed-changed", (e) => {
    if (e.detail && e.detail.type === "incident.question") toast(t("toast_question"));
    route({ onlyIfShown: "feed" });
  });
  window.addEventListener("hashchange", () => route());
  window.addEventListener("outbox-changed", showWaiting);
  window.addEventListener("signed-out", () => {
    stopLive();
    route();
  });
  $("#sync-now").addEventListener("click", () => syncAll());
  $("#update-now").addEventListener("click", applyUpdate);
  $("#lang").addEventListener("click", () => {
    setLang(lang() === "vi" ? "en" : "vi");
    translateShell();
    showNetwork();
    route();
  });
  // A lost answer or a flaky bar of signal: try again every minute while anything waits.
  setInterval(async () => {
    if (navigator.onLine && document.body.dataset.syncing !== "1" && (await records()).some((r) => r.status === "waiting")) {
      syncAll({ quiet: true });
    }
  }, RETRY_MS);
  await showWaiting();
  await route();
  document.body.dataset.ready = "1";
  if (navigator.onLine) syncAll({ quiet: true });
}

start();
