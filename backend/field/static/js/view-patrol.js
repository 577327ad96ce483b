// A patrol: start, scan each house's QR (camera or typed token), GPS with accuracy, a note per
// scan, end. Every step goes to the outbox at once, so nothing is lost if the phone dies.
// The phone never knows which house a token belongs to (tokens are secret): the server matches
// it, and a token of a house outside the team's list is still sent and kept (flagged there).
import { kvDel, kvGet, kvSet } from "./db.js";
import { t } from "./i18n.js";
import { enqueue } from "./outbox.js";
import { myMember, myTeam } from "./registry.js";
import { hasCamera, startScanner } from "./scanner.js";
import { $, esc, freshFix, gps, gpsText, nowIso, startGps, stopGps, toast, when } from "./util.js";

// A track point when the phone has moved TRACK_MIN_M (or half its accuracy, so GPS jitter
// standing still is not a walk), or once a minute standing still.
const TRACK_MIN_M = 10;
const TRACK_EVERY_MS = 60000;
const TRACK_CHUNK = 20;

function metres(a, b) {
  const r = 6371000;
  const rad = Math.PI / 180;
  const x = (b.lon - a.lon) * rad * Math.cos(((a.lat + b.lat) / 2) * rad);
  const y = (b.lat - a.lat) * rad;
  return Math.hypot(x, y) * r;
}

async function flushTrack(patrol) {
  if (!patrol.track || !patrol.track.length) return patrol;
  await enqueue(
    { kind: "track", id: crypto.randomUUID(), patrol_id: patrol.id, points: patrol.track },
    t("track_label", { n: patrol.track.length }),
  );
  return { ...patrol, track: [] };
}

export async function render(main, _params, app) {
  const patrol = await kvGet("patrol");
  if (!patrol) return renderIdle(main, app);
  return renderActive(main, patrol, app);
}

async function renderIdle(main, app) {
  const team = await myTeam();
  main.innerHTML = `
    <h1>${esc(t("patrol_title"))}</h1>
    ${team ? "" : `<p class="card bad">${esc(t("patrol_no_team"))}</p>`}
    <label for="patrol-note">${esc(t("patrol_note"))}</label>
    <input id="patrol-note" placeholder="${esc(t("patrol_note_ph"))}">
    <p></p>
    <button class="btn ok" id="start" type="button" ${team ? "" : "disabled"}>${esc(t("patrol_start"))}</button>`;
  $("#start").addEventListener("click", async () => {
    const member = await myMember();
    const p = {
      id: crypto.randomUUID(),
      team_id: team.id,
      started_at: nowIso(),
      gps_tracking: !!team.gps_tracking,
      scans: [],
      track: [],
    };
    const item = { kind: "patrol", id: p.id, team_id: p.team_id, started_at: p.started_at };
    if (member) item.member_ids = [member.id];
    const note = $("#patrol-note").value.trim();
    if (note) item.notes = note;
    await enqueue(item, t("patrol_started", { at: when(p.started_at) }));
    await kvSet("patrol", p);
    app.route();
  });
}

async function renderActive(main, patrol, app) {
  main.innerHTML = `
    <h1>${esc(t("patrol_active"))}</h1>
    <p class="muted">${esc(t("started_at", { at: when(patrol.started_at) }))} · <b data-testid="scan-count">${patrol.scans.length}</b> ${esc(t("scans_word"))}</p>
    <p class="gps" id="gps" data-fix="0">${esc(t("no_gps"))}</p>
    ${patrol.gps_tracking ? `<p class="muted">${esc(t("track"))} <b data-testid="track-points">${(patrol.track_total || 0)}</b> ${esc(t("points"))}</p>` : ""}
    ${hasCamera() ? `<button class="btn" id="camera" type="button">${esc(t("scan_camera"))}</button>` : ""}
    <video id="video" hidden muted></video>
    <form id="typed">
      <label for="token">${esc(t("token_label"))}</label>
      <input id="token" name="token" autocomplete="off" autocapitalize="off" spellcheck="false" required>
      <label for="note">${esc(t("house_note"))}</label>
      <input id="note" name="note" placeholder="${esc(t("house_note_ph"))}">
      <p></p>
      <button class="btn ok" type="submit">${esc(t("record_scan"))}</button>
    </form>
    <h2>${esc(t("scanned"))}</h2>
    <ol class="list" id="scans">${patrol.scans
      .map((s) => `<li>${esc(when(s.at))} · ${esc(gpsText(s.fix))}${s.note ? ` · ${esc(s.note)}` : ""}</li>`)
      .join("")}</ol>
    <p></p>
    <button class="btn danger" id="end" type="button">${esc(t("end_patrol"))}</button>`;

  let current = patrol;
  let busy = Promise.resolve(); // track points and scans are written to `current` one at a time
  let over = false; // a late fix must not bring an ended patrol back
  const onFix = (fix) => {
    const el = $("#gps");
    if (el) {
      el.dataset.fix = "1";
      el.textContent = `${gpsText(fix)} (${fix.lat.toFixed(5)}, ${fix.lon.toFixed(5)})`;
    }
    if (current.gps_tracking) busy = busy.then(() => trackPoint(fix));
  };
  async function trackPoint(fix) {
    if (over) return;
    const last = current.last_point;
    const moved = last ? metres(last, fix) : Infinity;
    const stale = last ? Date.now() - last.at >= TRACK_EVERY_MS : true;
    if (moved < Math.max(TRACK_MIN_M, (fix.accuracy_m || 0) / 2) && !stale) return;
    const point = { t: nowIso(), lat: fix.lat, lon: fix.lon, accuracy_m: fix.accuracy_m };
    current = {
      ...current,
      track: [...current.track, point],
      track_total: (current.track_total || 0) + 1,
      last_point: { lat: fix.lat, lon: fix.lon, at: Date.now() },
    };
    if (current.track.length >= TRACK_CHUNK) current = await flushTrack(current);
    await kvSet("patrol", current);
    const count = $("[data-testid=track-points]");
    if (count) count.textContent = String(current.track_total);
  }
  startGps(onFix);
  if (gps.fix) onFix(gps.fix);

  // The camera sees one sticker many times a second: a token it already read on this patrol is
  // skipped (typing it again is deliberate and is sent; the server flags a rescan).
  const seen = new Set(current.tokens || []);
  const record = (token, note, fromCamera = false) =>
    (busy = busy.then(() => recordOne(token.trim(), note, fromCamera)));
  async function recordOne(token, note, fromCamera) {
    if (!token || (fromCamera && seen.has(token))) return;
    seen.add(token);
    const fix = freshFix();
    const item = { kind: "scan", id: crypto.randomUUID(), patrol_id: current.id, token, scanned_at: nowIso() };
    if (fix) Object.assign(item, { lat: fix.lat, lon: fix.lon, accuracy_m: fix.accuracy_m });
    if (note) item.note = note;
    await enqueue(item, t("scan_label", { at: when(item.scanned_at) }));
    current = {
      ...current,
      tokens: [...seen],
      scans: [...current.scans, { id: item.id, at: item.scanned_at, fix, note }],
    };
    await kvSet("patrol", current);
    $("[data-testid=scan-count]").textContent = String(current.scans.length);
    const li = document.createElement("li");
    li.textContent = `${when(item.scanned_at)} · ${gpsText(fix)}${note ? ` · ${note}` : ""}`;
    $("#scans").append(li);
    toast(t("scan_recorded", { n: current.scans.length }), 1500);
  }

  $("#typed").addEventListener("submit", async (e) => {
    e.preventDefault();
    await record(e.target.token.value, e.target.note.value.trim());
    e.target.reset();
    e.target.token.focus();
  });

  let stopCamera = null;
  const cam = $("#camera");
  if (cam) {
    cam.addEventListener("click", async () => {
      if (stopCamera) {
        stopCamera();
        stopCamera = null;
        $("#video").hidden = true;
        cam.textContent = t("scan_camera");
        return;
      }
      try {
        $("#video").hidden = false;
        stopCamera = await startScanner($("#video"), (code) => record(code, $("#note").value.trim(), true));
        cam.textContent = t("camera_off");
      } catch (err) {
        $("#video").hidden = true;
        toast(t("camera_failed", { err: err.message }));
      }
    });
  }

  $("#end").addEventListener("click", async () => {
    if (!confirm(t("end_confirm"))) return;
    over = true;
    await busy;
    current = await flushTrack(current);
    const ended = nowIso();
    await enqueue(
      { kind: "patrol_end", id: current.id, status: "completed", ended_at: ended },
      t("end_label", { at: when(ended) }),
    );
    await kvDel("patrol");
    toast(t("ended", { n: current.scans.length }));
    location.hash = "#/";
    app.syncAll({ quiet: true });
  });

  return () => {
    if (stopCamera) stopCamera();
    stopGps(onFix);
  };
}
