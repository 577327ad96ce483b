// Service worker of the TTQ field app: keeps the app shell so the app opens with no network.
// Rendered by backend/field/router.py: __VERSION__ is a hash of the shell, __SHELL__ its URLs.
// API calls are never touched here: the page talks to the network itself, and the outbox in
// IndexedDB (not Background Sync, which not every browser has) keeps what is waiting.
const VERSION = "__VERSION__";
const SHELL = __SHELL__;
const CACHE = `ttq-field-${VERSION}`;

// A new version installs beside the running one and waits: the page offers "Có phiên bản mới —
// tải lại" and, when tapped, tells it to take over (a page keeps running old modules until it
// reloads, so swapping files under it unasked could mix two versions). The very first install
// has no page to wait for and takes over at once.
self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL.map((url) => new Request(url, { cache: "reload" })))),
  );
});

self.addEventListener("message", (event) => {
  if (event.data === "skip-waiting") self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(
          keys.filter((k) => k.startsWith("ttq-field-") && k !== CACHE).map((k) => caches.delete(k)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || !url.pathname.startsWith("/field")) return;
  // Cache first: the shell is versioned as a whole, so a cached file is always the right one;
  // the network is the fallback for anything outside the shell.
  const key = request.mode === "navigate" ? "/field/" : request;
  event.respondWith(
    caches.open(CACHE).then((cache) =>
      cache.match(key, { ignoreSearch: true }).then((hit) => hit || fetch(request)),
    ),
  );
});
