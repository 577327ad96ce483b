// What waits on the phone: a count, the drafts, and every item the server refused or found in
// conflict with the server's own message, to fix, try again or discard.
import { all, del, kvGet } from "./db.js";
import { discard, records, retry } from "./outbox.js";
import { $, esc, when } from "./util.js";

const STATUS = { waiting: "Chờ gửi", rejected: "Bị từ chối", conflict: "Xung đột" };

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
    <h1>Hộp thư đi</h1>
    <p><b data-testid="outbox-count">${recs.length}</b> mục chờ gửi · lần gửi cuối ${esc(when(last))}</p>
    <button class="btn" id="send" type="button">Gửi ngay</button>
    ${bad.length ? `<h2>Cần xem lại (${bad.length})</h2>` : ""}
    <div id="bad">${bad.map((r) => `
      <div class="card ${r.status === "conflict" ? "warn" : "bad"}" data-key="${esc(r.key)}">
        <b>${esc(STATUS[r.status] || r.status)}</b> · ${esc(r.label || r.kind)}
        ${problemText(r.problem)}
        <div class="row">
          ${r.kind === "incident" ? '<button class="btn secondary" data-act="fix" type="button">Sửa</button>' : ""}
          <button class="btn secondary" data-act="retry" type="button">Thử lại</button>
          <button class="btn danger" data-act="discard" type="button">Bỏ</button>
        </div>
      </div>`).join("")}</div>
    ${drafts.length ? "<h2>Bản nháp</h2>" : ""}
    <ul class="list">${drafts.map((d) => `<li><a href="#/incident?draft=${encodeURIComponent(d.key)}">${esc(d.body.summary || "(chưa có nội dung)")}</a> · ${esc(when(d.saved_at))}
      <button class="btn danger" data-draft="${esc(d.key)}" type="button">Xoá nháp</button></li>`).join("")}</ul>
    <h2>Đang chờ</h2>
    <ul class="list">${recs.filter((r) => r.status === "waiting").map((r) => `<li>${esc(r.label || r.kind)}${r.user_id && s && s.user && r.user_id !== s.user.id ? ' · <span class="problem">của tài khoản khác: đăng nhập bằng tài khoản đó để gửi</span>' : ""}</li>`).join("")}</ul>`;

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
      if (act === "discard" && !confirm("Bỏ mục này? Không lấy lại được.")) return;
      await (act === "discard" ? discard(key) : retry(key));
      app.route();
    }),
  );
  main.querySelectorAll("[data-draft]").forEach((btn) =>
    btn.addEventListener("click", async () => {
      if (!confirm("Xoá bản nháp?")) return;
      await del("drafts", btn.dataset.draft);
      app.route();
    }),
  );
}
