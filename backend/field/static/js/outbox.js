// The outbox: everything made in the field waits here (IndexedDB) until the server has it.
//
// - Every record carries the phone's own UUID; its key is "<kind>:<id>" (a patrol_end shares its
//   patrol's id).
// - Batches go to POST /sync/upload with an Idempotency-Key. The key is kept with the batch's
//   fingerprint until an answer arrives, so a batch whose answer was lost is sent again under the
//   same key and the server replays its first answer instead of storing anything twice.
// - A record leaves only when its result says created or duplicate; conflict and rejected stay,
//   with the server's problem, for the user to fix or discard.
// - Photos wait as "attachment" records and go (PUT, multipart) once their incident is stored.
// - A draft goes as an incident with submit:false (a server-side draft); sending it later is a
//   "transition" record (POST …/transitions, action submit) under its own kept Idempotency-Key,
//   sent once the draft itself is stored.
// - Uploads run on opening, on the `online` event and on a button: never Background Sync.
import { ApiError, NetworkError, apiIdempotent, apiRaw } from "./api.js";
import { all, count, del, get, kvDel, kvGet, kvSet, put, write } from "./db.js";
import { t } from "./i18n.js";

export const BATCH = 100;
let seq = 0;

function changed() {
  window.dispatchEvent(new Event("outbox-changed"));
}

// Records belong to whoever made them: after a change of account on a shared phone, another
// user's records wait for that user instead of reaching the server under the wrong name.
async function owner() {
  const s = await kvGet("session");
  return (s && s.user && s.user.id) || null;
}

const mine = (rec, me) => !rec.user_id || rec.user_id === me;

export async function enqueue(item, label) {
  await put("outbox", {
    user_id: await owner(),
    key: `${item.kind}:${item.id}`,
    kind: item.kind,
    item,
    label,
    status: "waiting",
    created_at: new Date().toISOString(),
    seq: Date.now() * 1000 + (seq++ % 1000),
  });
  changed();
}

// A photo waits for its record: an incident's (kind "attachment") or an awareness session's
// (kind "awareness_photo"); it goes, by PUT under its own UUID, once that record is stored.
const PHOTO_URL = {
  attachment: (item) => `/incidents/${item.incident_id}/attachments/${item.id}`,
  awareness_photo: (item) => `/awareness-sessions/${item.session_id}/photos/${item.id}`,
};
const parentOf = (item) => item.incident_id || item.session_id;

export async function enqueueAttachment({ incidentId, attachmentId, blob, name }) {
  await enqueuePhoto("attachment", { id: attachmentId, incident_id: incidentId, name }, blob);
}

export async function enqueueSessionPhoto({ sessionId, photoId, blob, name }) {
  await enqueuePhoto("awareness_photo", { id: photoId, session_id: sessionId, name }, blob);
}

async function enqueuePhoto(kind, item, blob) {
  await put("outbox", {
    user_id: await owner(),
    key: `${kind}:${item.id}`,
    kind,
    item,
    blob,
    label: t("photo_label", { name: item.name }),
    status: "waiting",
    created_at: new Date().toISOString(),
    seq: Date.now() * 1000 + (seq++ % 1000),
  });
  changed();
}

export async function enqueueTransition({ incidentId, action, label }) {
  const id = crypto.randomUUID(); // also the Idempotency-Key: a lost answer is replayed
  await put("outbox", {
    user_id: await owner(),
    key: `transition:${id}`,
    kind: "transition",
    item: { id, incident_id: incidentId, action },
    label,
    status: "waiting",
    created_at: new Date().toISOString(),
    seq: Date.now() * 1000 + (seq++ % 1000),
  });
  changed();
}

// Kinds that do not go in the batch upload but one by one, after it.
const SEPARATE = new Set(["attachment", "awareness_photo", "transition"]);

export async function records() {
  return (await all("outbox")).sort((a, b) => a.seq - b.seq);
}

export const waitingCount = () => count("outbox");

export async function discard(key) {
  const rec = await get("outbox", key);
  await del("outbox", key);
  if (rec && rec.kind === "incident") {
    // Its photos and its submission cannot go without it.
    for (const r of await records()) {
      if (r.item.incident_id === rec.item.id) await del("outbox", r.key);
    }
  }
  if (rec && rec.kind === "awareness_session") {
    for (const r of await records()) {
      if (r.item.session_id === rec.item.id) await del("outbox", r.key);
    }
  }
  changed();
}

export async function retry(key) {
  const rec = await get("outbox", key);
  if (rec) await put("outbox", { ...rec, status: "waiting", problem: null });
  changed();
}

export async function replace(key, item) {
  const rec = await get("outbox", key);
  await put("outbox", { ...rec, item, status: "waiting", problem: null });
  changed();
}

async function keyFor(batch) {
  const fingerprint = JSON.stringify(batch.map((r) => r.item));
  const pending = await kvGet("pending_batch");
  if (pending && pending.fingerprint === fingerprint) return pending.key;
  const key = crypto.randomUUID();
  await kvSet("pending_batch", { key, fingerprint });
  return key;
}

async function uploadBatch(batch) {
  for (let attempt = 0; attempt < 2; attempt++) {
    const key = await keyFor(batch);
    const response = await apiIdempotent("/sync/upload", {
      method: "POST",
      json: { sent_at: new Date().toISOString(), items: batch.map((r) => r.item) },
      headers: { "Idempotency-Key": key },
    });
    const data = await response.json().catch(() => null);
    if (response.ok) return data;
    if (response.status === 422 && data && data.code === "idempotency_key_reused") {
      await kvDel("pending_batch"); // the key is spent on another body: take a new one
      continue;
    }
    throw new ApiError(response.status, data);
  }
  throw new ApiError(422, { code: "idempotency_key_reused" });
}

async function applyResults(batch, answer) {
  await write(["outbox", "kv"], (store) => {
    answer.results.forEach((res, i) => {
      const rec = batch[i];
      if (!rec) return;
      // A record changed on the phone while its batch was away (a draft saved again) is not
      // the one this answer is about: it stays as it is now.
      const req = store("outbox").get(rec.key);
      req.onsuccess = () => {
        if (!req.result || JSON.stringify(req.result.item) !== JSON.stringify(rec.item)) return;
        if (res.status === "created" || res.status === "duplicate") {
          store("outbox").delete(rec.key);
        } else {
          store("outbox").put({ ...rec, status: res.status, problem: res.problem || null });
        }
      };
    });
    store("kv").delete("pending_batch");
  });
}

const LATER = (status) => [408, 409, 425, 429].includes(status) || status >= 500;

// Submit stored drafts: POST …/transitions with the record's own id as the Idempotency-Key,
// so a lost answer is replayed by the server instead of moving the incident twice.
async function uploadTransitions() {
  const me = await owner();
  const waiting = (await records()).filter((r) => mine(r, me));
  const pending = new Set(waiting.filter((r) => r.kind === "incident").map((r) => r.item.id));
  for (const rec of waiting) {
    if (rec.kind !== "transition" || rec.status !== "waiting" || pending.has(rec.item.incident_id)) {
      continue;
    }
    const path = `/incidents/${rec.item.incident_id}`;
    const response = await apiIdempotent(`${path}/transitions`, {
      method: "POST",
      json: { action: rec.item.action },
      headers: { "Idempotency-Key": rec.item.id },
    });
    const problem = response.ok ? null : await response.json().catch(() => null);
    let done = response.ok;
    if (response.status === 409 && problem && problem.code === "invalid_transition") {
      // Already moved (its key expired, or another phone of the team sent it): not an error
      // unless it is still a draft.
      const now = await apiRaw(path);
      done = now.ok && (await now.json()).status !== "draft";
    }
    if (done) {
      await del("outbox", rec.key);
    } else if (LATER(response.status) && !(problem && problem.code === "invalid_transition")) {
      return; // try again later
    } else {
      await put("outbox", { ...rec, status: "rejected", problem });
    }
    changed();
  }
}

async function uploadAttachments() {
  const me = await owner();
  const waiting = (await records()).filter((r) => mine(r, me));
  const blocked = new Set(
    waiting.filter((r) => r.kind === "incident" || r.kind === "awareness_session").map((r) => r.item.id),
  );
  for (const rec of waiting) {
    if (!PHOTO_URL[rec.kind] || rec.status !== "waiting" || blocked.has(parentOf(rec.item))) {
      continue;
    }
    const form = new FormData();
    form.append("file", rec.blob, rec.item.name);
    const response = await apiRaw(PHOTO_URL[rec.kind](rec.item), { method: "PUT", form });
    if (response.ok) {
      await del("outbox", rec.key);
    } else if (LATER(response.status)) {
      return; // try again later
    } else {
      const problem = await response.json().catch(() => null);
      await put("outbox", { ...rec, status: "rejected", problem });
    }
    changed();
  }
}

let running = null;

// Send everything that waits; one run at a time. Resolves to a short summary for the UI.
export function flush() {
  if (!running) {
    running = doFlush().finally(() => {
      running = null;
      changed();
    });
  }
  return running;
}

// Resolves when no upload is running (a reload waits for it rather than cut a batch in half).
export const idle = () => (running || Promise.resolve()).catch(() => {});

async function doFlush() {
  const summary = { sent: 0, problems: 0, offline: false, error: null };
  try {
    const me = await owner();
    for (;;) {
      const waiting = (await records()).filter(
        (r) => !SEPARATE.has(r.kind) && r.status === "waiting" && mine(r, me),
      );
      if (!waiting.length) break;
      const batch = waiting.slice(0, BATCH);
      const answer = await uploadBatch(batch);
      await applyResults(batch, answer);
      changed();
      for (const res of answer.results) {
        if (res.status === "created" || res.status === "duplicate") summary.sent++;
        else summary.problems++;
      }
    }
    await uploadTransitions();
    await uploadAttachments();
    await kvSet("last_upload", new Date().toISOString());
  } catch (err) {
    if (err instanceof NetworkError) summary.offline = true;
    else summary.error = err;
  }
  return summary;
}
