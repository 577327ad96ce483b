// Log an awareness session (tuyên truyền) held by the team, with photos shrunk on the phone
// like an incident's; they wait in the outbox and go once the session is stored.
import { kvGet } from "./db.js";
import { named, t } from "./i18n.js";
import { enqueue, enqueueSessionPhoto } from "./outbox.js";
import { resize } from "./photos.js";
import { myTeam } from "./registry.js";
import { $, esc, localInput, toast } from "./util.js";

export async function render(main, _params, app) {
  const [topics, team] = await Promise.all([kvGet("topics"), myTeam()]);
  main.innerHTML = `
    <h1>${esc(t("awareness_title"))}</h1>
    <form id="awareness">
      <label for="held_at">${esc(t("held_at"))}</label>
      <input id="held_at" name="held_at" type="datetime-local" value="${localInput()}" required>
      <label for="duration">${esc(t("duration"))}</label>
      <input id="duration" name="duration_minutes" type="number" min="1" inputmode="numeric" value="60">
      <label for="place">${esc(t("place"))}</label>
      <input id="place" name="place" required placeholder="${esc(t("place_example"))}">
      <label>${esc(t("topics"))}</label>
      ${(topics || []).filter((x) => x.active !== false).map((x) => `<label class="check"><input type="checkbox" name="topics" value="${esc(x.code)}">${esc(named(x))}</label>`).join("")}
      <div class="row">
        <div><label for="workers">${esc(t("workers"))}</label><input id="workers" name="workers_count" type="number" min="0" value="0" inputmode="numeric"></div>
        <div><label for="landlords">${esc(t("landlords"))}</label><input id="landlords" name="landlords_count" type="number" min="0" value="0" inputmode="numeric"></div>
      </div>
      <label for="summary">${esc(t("summary"))}</label>
      <textarea id="summary" name="summary"></textarea>
      <h2>${esc(t("photos"))}</h2>
      <input id="photos" type="file" accept="image/*" capture="environment" multiple>
      <div class="thumbs" id="thumbs"></div>
      <p id="form-error" class="problem"></p>
      <button class="btn ok" type="submit" ${team ? "" : "disabled"}>${esc(t("save"))}</button>
    </form>`;
  const pics = [];
  $("#photos").addEventListener("change", async (e) => {
    for (const file of e.target.files) {
      try {
        const { blob } = await resize(file);
        const pic = { id: crypto.randomUUID(), blob, name: file.name.replace(/\.\w+$/, "") + ".jpg" };
        pics.push(pic);
        const img = document.createElement("img");
        img.src = URL.createObjectURL(blob);
        img.alt = pic.name;
        $("#thumbs").append(img);
      } catch {
        toast(t("photo_unreadable", { name: file.name }));
      }
    }
    e.target.value = "";
  });
  $("#awareness").addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = e.target;
    const chosen = [...f.querySelectorAll("[name=topics]:checked")].map((el) => el.value);
    if (!chosen.length) {
      $("#form-error").textContent = t("need_topic");
      return;
    }
    const item = {
      kind: "awareness_session",
      id: crypto.randomUUID(),
      team_id: team.id,
      held_at: new Date(f.held_at.value).toISOString(),
      place: f.place.value.trim(),
      topics: chosen,
      workers_count: Number(f.workers_count.value || 0),
      landlords_count: Number(f.landlords_count.value || 0),
      recorded_at: new Date().toISOString(),
    };
    if (f.duration_minutes.value) item.duration_minutes = Number(f.duration_minutes.value);
    if (f.summary.value.trim()) item.summary = f.summary.value.trim();
    // The session names its photos (their UUIDs), so a desk sees how many belong to it.
    if (pics.length) item.photo_refs = pics.map((p) => p.id);
    await enqueue(item, t("awareness_label", { place: item.place }));
    for (const p of pics) {
      await enqueueSessionPhoto({ sessionId: item.id, photoId: p.id, blob: p.blob, name: p.name });
    }
    toast(t("toast_saved"));
    location.hash = "#/";
    app.syncAll({ quiet: true });
  });
}
