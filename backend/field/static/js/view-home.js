// Home: the team, how fresh the cache is, what waits, and the four big buttons.
import { signOut } from "./api.js";
import { kvGet } from "./db.js";
import { records } from "./outbox.js";
import { houses, myTeam } from "./registry.js";
import { esc, when } from "./util.js";

export async function render(main, _params, app) {
  const [team, list, at, patrol, recs, s] = await Promise.all([
    myTeam(), houses(), kvGet("registry_at"), kvGet("patrol"), records(), kvGet("session"),
  ]);
  const problems = recs.filter((r) => r.status !== "waiting").length;
  main.innerHTML = `
    <h1>${esc(team ? team.name : "Chưa có tổ")}</h1>
    <p class="muted" data-testid="registry-info">${list.length} nhà trọ · cập nhật lúc
      <span data-testid="registry-at">${esc(when(at))}</span></p>
    ${problems ? `<p class="card bad"><a href="#/outbox">${problems} mục bị từ chối hoặc xung đột: xem và sửa</a></p>` : ""}
    <div class="tiles">
      <a class="tile" href="#/patrol">${patrol ? "Tiếp tục tuần tra" : "Bắt đầu tuần tra"}
        <small>${patrol ? `${patrol.scans.length} lần quét` : "Quét mã QR từng nhà"}</small></a>
      <a class="tile" href="#/incident">Báo vụ việc<small>dưới 1 phút</small></a>
      <a class="tile" href="#/awareness">Buổi tuyên truyền<small>ghi lại buổi nói chuyện</small></a>
      <a class="tile" href="#/outbox">Hộp thư đi<small>${recs.length} chờ gửi</small></a>
      <a class="tile" href="#/feed">Thông báo<small>câu hỏi, trạng thái</small></a>
      <button class="tile" id="home-sync" type="button">Gửi &amp; cập nhật<small>khi có mạng</small></button>
    </div>
    <p class="muted">Đăng nhập: ${esc(s && s.user ? s.user.full_name : "")}</p>
    <button class="btn secondary" id="sign-out" type="button">Đăng xuất</button>`;
  main.querySelector("#home-sync").addEventListener("click", () => document.getElementById("sync-now").click());
  main.querySelector("#sign-out").addEventListener("click", async () => {
    const waiting = recs.length ? ` ${recs.length} mục chưa gửi sẽ chờ bạn đăng nhập lại.` : "";
    if (!confirm(`Đăng xuất?${waiting}`)) return;
    await signOut();
    app.route();
  });
}
