// The team's notifications: questions from the police, status changes of their reports.
import { kvGet } from "./db.js";
import { feed, refreshFeed } from "./registry.js";
import { $, esc, toast, when } from "./util.js";

const TYPES = {
  "incident.question": "Câu hỏi về vụ việc",
  "incident.status_changed": "Vụ việc đổi trạng thái",
  "incident.escalated": "Vụ việc đã chuyển lên",
  "patrol.missed": "Lịch tuần tra bị bỏ lỡ",
  "notification.test": "Thông báo thử",
};
const STATES = {
  submitted: "đã gửi", triaged: "đã tiếp nhận", escalated: "đã chuyển công an", acknowledged: "công an đã nhận",
  in_progress: "đang xử lý", resolved: "đã giải quyết", closed: "đã đóng", rejected: "bị từ chối",
  duplicate: "trùng", reopened: "mở lại",
};

function line(n) {
  const d = n.data || {};
  const bits = [];
  if (d.to) bits.push(`→ ${STATES[d.to] || d.to}`);
  if (d.text || d.question) bits.push(d.text || d.question);
  return bits.map(esc).join(" · ");
}

export async function render(main, _params, app) {
  const [items, at] = await Promise.all([feed(), kvGet("feed_at")]);
  main.innerHTML = `
    <h1>Thông báo</h1>
    <p class="muted" data-testid="feed-live">${document.body.dataset.live === "stream" ? "Trực tiếp: thông báo mới hiện ngay" : `Cập nhật lúc ${esc(when(at))}`}</p>
    <button class="btn secondary" id="refresh" type="button">Tải lại</button>
    <ul class="list" data-testid="feed">${items.map((n) => `<li><b>${esc(TYPES[n.type] || n.type)}</b><br>${line(n)}<br><span class="muted">${esc(when(n.created_at))}</span></li>`).join("") || '<li class="muted">Chưa có thông báo.</li>'}</ul>`;
  $("#refresh").addEventListener("click", async () => {
    try {
      await refreshFeed();
      app.route();
    } catch (err) {
      toast(navigator.onLine ? err.message : "Chưa có mạng.");
    }
  });
}
