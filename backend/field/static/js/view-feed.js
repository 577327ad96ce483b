// The team's notifications: questions from the police, status changes of their reports.
import { kvGet } from "./db.js";
import { t } from "./i18n.js";
import { feed, refreshFeed } from "./registry.js";
import { $, esc, toast, when } from "./util.js";

const known = (prefix, code) => {
  const text = t(`${prefix}:${code}`);
  return text === `${prefix}:${code}` ? code : text;
};

function line(n) {
  const d = n.data || {};
  const bits = [];
  if (d.to) bits.push(`→ ${known("status", d.to)}`);
  if (d.text || d.question) bits.push(d.text || d.question);
  return bits.map(esc).join(" · ");
}

export async function render(main, _params, app) {
  const [items, at] = await Promise.all([feed(), kvGet("feed_at")]);
  main.innerHTML = `
    <h1>${esc(t("feed_title"))}</h1>
    <p class="muted" data-testid="feed-live">${esc(document.body.dataset.live === "stream" ? t("feed_live") : t("feed_at", { at: when(at) }))}</p>
    <button class="btn secondary" id="refresh" type="button">${esc(t("reload"))}</button>
    <ul class="list" data-testid="feed">${items.map((n) => `<li><b>${esc(known("type", n.type))}</b><br>${line(n)}<br><span class="muted">${esc(when(n.created_at))}</span></li>`).join("") || `<li class="muted">${esc(t("feed_empty"))}</li>`}</ul>`;
  $("#refresh").addEventListener("click", async () => {
    try {
      await refreshFeed();
      app.route();
    } catch (err) {
      toast(navigator.onLine ? err.message : t("no_network"));
    }
  });
}
