// The feed, live: while online and signed in, the app holds GET /notifications/stream open (a
// fetch read as a stream: EventSource cannot send the Authorization header) and files each event
// in the feed store as it comes. The stream ends when the access token expires; it reconnects
// with Last-Event-ID, so nothing in between is missed. Where the stream cannot be opened (a
// proxy that buffers, an old browser) the feed is polled instead.
import { apiRaw, session } from "./api.js";
import { kvGet, kvSet, write } from "./db.js";
import { refreshFeed } from "./registry.js";

// Every 30 s; a test may shorten it before the app loads (window.TTQ_FEED_POLL_MS) rather than
// wait out the real interval.
const POLL_MS = Number(globalThis.TTQ_FEED_POLL_MS) || 30000;
const RETRY_MS = 3000;

let running = false;
let controller = null;

function changed(item) {
  window.dispatchEvent(new CustomEvent("feed-changed", { detail: item }));
}

async function file(event) {
  const item = JSON.parse(event.data);
  await write(["feed", "kv"], (store) => {
    store("feed").put({ ...item, id: item.id });
    if (event.id) store("kv").put(Number(event.id), "feed_last_event_id");
  });
  changed(item);
}

// One SSE stream, read to its end; resolves true if it opened, false if it could not.
async function streamOnce(signal) {
  const last = await kvGet("feed_last_event_id");
  const headers = { Accept: "text/event-stream" };
  if (last) headers["Last-Event-ID"] = String(last);
  const response = await apiRaw("/notifications/stream", { headers, signal });
  if (!response.ok || !response.body) return false;
  document.body.dataset.live = "stream";
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return true;
    buffer += value.replace(/\r\n?/g, "\n");
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const event = { id: null, data: "" };
      for (const line of block.split("\n")) {
        if (line.startsWith("id:")) event.id = line.slice(3).trim();
        else if (line.startsWith("data:")) event.data += line.slice(5).trimStart();
      }
      if (event.data) await file(event).catch(() => {});
    }
  }
}

const sleep = (ms, signal) =>
  new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
  });

async function loop(signal) {
  while (!signal.aborted && navigator.onLine && (await session())) {
    let opened = false;
    try {
      opened = await streamOnce(signal);
    } catch {
      // cut off (network gone, aborted) or refused: the loop condition decides what next
    }
    if (signal.aborted) break;
    if (opened) {
      await sleep(RETRY_MS, signal); // ended by the token's expiry: reconnect soon
      continue;
    }
    // No stream: poll the feed, then try the stream again later.
    document.body.dataset.live = "poll";
    try {
      const before = await kvGet("feed_at");
      await refreshFeed();
      if (before !== (await kvGet("feed_at"))) changed(null);
    } catch {
      // offline or signed out: the loop condition decides
    }
    await sleep(POLL_MS, signal);
  }
  document.body.dataset.live = "off";
}

// Start (or keep) the live feed; stop() ends it (offline, signed out).
export function startLive() {
  if (running) return;
  running = true;
  controller = new AbortController();
  loop(controller.signal).finally(() => {
    running = false;
  });
}

export function stopLive() {
  if (controller) controller.abort();
}

// The newest feed row id a list brought, so the stream resumes after it.
export async function noteLastId(items) {
  const top = Math.max(0, ...items.map((n) => Number(n.notification_id) || 0));
  if (top > ((await kvGet("feed_last_event_id")) || 0)) await kvSet("feed_last_event_id", top);
}
