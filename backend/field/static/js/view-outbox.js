// What waits on the phone: a count, the drafts, and every item the server refused or found in
// conflict with the server's own message, to fix, try again or discard.
import { all, del, kvGet } from "./db.js";
import { t } from "./i18n.js";
import { discard, records, retry } from "./outbox.js";
import { $, esc, when } from "./util.js";

const STATUS = { waiting: "st_waiting", rejected: "st_rejected", conflict: "st_conflict" };

function problemText(p) {
  if (!p) return "";
  const fields = (p.errors || [])
    .map((e) => `${esc((e.loc || e.field || []).toString())}: ${esc(e.msg || e.message || e.title || "")}`)
    .join("<br>");
  return `<p class="problem" data-testid="problem">${esc(p.title || p.code || "")}${p.detail ? ` — ${esc(p.detail)}` : ""}${fields ? `<br>${fields}` : ""}</p>`;
}

export async function render(main, _params, app) {
  const [recs, drafts, last, s] = await Promise.all([
    records(), all("drafts"), kvGet("last_upload"), kvGet("session"),
  ]);
  const bad = recs.filter((r) => r.status !== "waiting");
  main.innerHTML = `
    <h1>${esc(t("outbox_title"))}</h1>
    <p><b data-testid="outbox-count">${recs.length}</b> ${esc(t("outbox_line", { at: when(last) }))}</p>
    <button class="btn" id="send" type="button">${esc(t("send_button"))}</button>
    ${bad.length ? `<h2>${esc(t("review", { n: bad.length }))}</h2>` : ""}
    <div id="bad">${bad.map((r) => `
      <div class="card ${r.status === "conflict" ? "warn" : "bad"}" data-key="${esc(r.key)}">
        <b>${esc(STATUS[r.status] ? t(STATUS[r.status]) : r.status)}</b> · ${esc(r.label || r.kind)}
        ${problemText(r.problem)}
        <div class="row">
          ${r.kind === "incident" ? `<button class="btn secondary" data-act="fix" type="button">${esc(t("fix"))}</button>` : ""}
          <button class="btn secondary" data-act="retry" type="button">${esc(t("retry"))}</button>
          <button class="btn danger" data-act="discard" type="button">${esc(t("discard"))}</button>
        </div>
      </div>`).join("")}</div>
    ${drafts.length ? `<h2>${esc(t("drafts"))}</h2>` : ""}
    <ul class="list">${drafts.map((d) => `<li><a href="#/incident?draft=${encodeURIComponent(d.key)}">${esc(d.body.summary || t("no_text"))}</a> · ${esc(when(d.saved_at))}
      <button class="btn danger" data-draft="${esc(d.key)}" type="button">${esc(t("delete_draft"))}</button></li>`).join("")}</ul>
    <h2>${esc(t("waiting_title"))}</h2>
    <ul class="list">${recs.filter((r) => r.status === "waiting").map((r) => `<li>${esc(r.label || r.kind)}${r.user_id && s && s.user && r.user_id !== s.user.id ? ` · <span class="problem">${esc(t("other_account"))}</span>` : ""}</li>`).join("")}</ul>`;

  $("#send").addEventListener("click", async () => {
    await app.syncAll();
    app.route();
  });
  main.querySelectorAll("[data-act]").forEach((btn) =>
    btn.addEventListener("click", async () => {
      const key = btn.closest("[data-key]").dataset.key;
      const act = btn.dataset.act;
      if (act === "fix") {
        location.hash = `#/incident?fix=${encodeURIComponent(key)}`;
        return;
      }
      if (act === "discard" && !confirm(t("discard_confirm"))) return;
      await (act === "discard" ? discard(key) : retry(key));
      app.route();
    }),
  );
  main.querySelectorAll("[data-draft]").forEach((btn) =>
    btn.addEventListener("click", async () => {
      if (!confirm(t("delete_draft_confirm"))) return;
      await del("drafts", btn.dataset.draft);
      app.route();
    }),
  );
}
