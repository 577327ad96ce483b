// TTQ console: CSRF for htmx (also set by hx-headers), deadline countdowns, the live queue.
// Loaded as an ES module from the app itself; no inline script anywhere (CSP 'self').

const csrf = document.querySelector('meta[name="csrf-token"]')?.content;
document.addEventListener("htmx:configRequest", (e) => {
  if (csrf) e.detail.headers["X-CSRF-Token"] = csrf;
});

const lang = document.documentElement.lang || "vi";

function formatLeft(ms) {
  const s = Math.max(0, Math.floor(Math.abs(ms) / 1000));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
  const pad = (n) => String(n).padStart(2, "0");
  return (h ? `${h}:${pad(m)}` : `${m}`) + `:${pad(sec)}`;
}

function tickCountdowns() {
  const now = Date.now();
  for (const el of document.querySelectorAll("time[data-countdown]")) {
    const due = Date.parse(el.getAttribute("datetime"));
    if (Number.isNaN(due)) continue;
    const left = due - now;
    el.classList.toggle("late", left < 0);
    el.textContent = left < 0 ? `${el.dataset.overdue} ${formatLeft(left)}` : formatLeft(left);
  }
}
setInterval(tickCountdowns, 1000);
tickCountdowns();

function beep() {
  // A short tone where the browser allows sound (after a first tap on the page), and a buzz.
  try {
    const ctx = new (window.AudioContext || window.webkitAudioContext)();
    const osc = ctx.createOscillator();
    osc.frequency.value = 880;
    osc.connect(ctx.destination);
    osc.start();
    osc.stop(ctx.currentTime + 0.25);
  } catch (_) { /* no audio: nothing to do */ }
  if (navigator.vibrate) navigator.vibrate([200, 100, 200]);
}

function startLive(section) {
  const state = document.getElementById("live-state");
  const target = document.querySelector(section.dataset.refreshTarget);
  const seen = new Set();
  const source = new EventSource(section.dataset.live);
  source.onopen = () => { if (state) { state.textContent = state.dataset.on; state.classList.add("on"); } };
  source.onerror = () => { if (state) { state.textContent = state.dataset.off; state.classList.remove("on"); } };
  source.onmessage = async (msg) => {
    let data;
    try { data = JSON.parse(msg.data); } catch (_) { return; }
    if (seen.has(data.id)) return; // delivery is at-least-once
    seen.add(data.id);
    const before = new Set([...target.querySelectorAll("[data-incident]")].map((e) => e.dataset.incident));
    const res = await fetch(section.dataset.refresh, { headers: { "HX-Request": "true" }, credentials: "same-origin" });
    if (!res.ok) return;
    target.innerHTML = await res.text();
    let fresh = 0;
    for (const el of target.querySelectorAll("[data-incident]")) {
      if (!before.has(el.dataset.incident)) { el.classList.add("fresh"); fresh += 1; }
    }
    if (window.htmx) window.htmx.process(target);
    tickCountdowns();
    if (fresh) {
      beep();
      if (state) state.textContent = `${state.dataset.new} (${fresh})`;
    }
  };
}

const live = document.querySelector("[data-live]");
if (live) startLive(live);
export { formatLeft, lang };
