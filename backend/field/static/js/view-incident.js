// Report an incident in under a minute: category → sub-type, severity, house or GPS, summary,
// persons, protect-the-reporter, photos shrunk on the phone; keep as a draft or send.
// ?draft=<key> reopens a draft; ?fix=<outbox key> reopens a rejected report to correct it.
// A draft is also sent as a server-side draft (submit:false), so it is not only on this phone;
// sending it later submits that same incident (a transition), never a second copy. The API
// cannot change a stored draft, so once the server has it the form is read-only.
import { all, del, get, kvGet, put } from "./db.js";
import { named, t } from "./i18n.js";
import { enqueue, enqueueAttachment, enqueueTransition, replace } from "./outbox.js";
import { houses, myTeam } from "./registry.js";
import { resize } from "./photos.js";
import { $, esc, freshFix, gpsText, localInput, startGps, stopGps, toast } from "./util.js";

const SEVERITIES = [1, 2, 3, 4];
const ROLES = ["victim", "suspect", "witness", "other"];

function options(list, selected, empty) {
  return (empty ? `<option value="">${esc(empty)}</option>` : "") +
    list.map((o) => `<option value="${esc(o.value)}" ${o.value === selected ? "selected" : ""}>${esc(o.label)}</option>`).join("");
}

function personRow(p = {}) {
  return `<div class="card person">
    <input name="p_name" placeholder="${esc(t("p_name"))}" value="${esc(p.full_name || "")}">
    <div class="row"><select name="p_role">${options(ROLES.map((value) => ({ value, label: t(`role_${value}`) })), p.role || "other")}</select>
    <input name="p_age" type="number" min="0" max="120" placeholder="${esc(t("p_age"))}" value="${esc(p.age ?? "")}"></div>
    <input name="p_desc" placeholder="${esc(t("p_desc"))}" value="${esc(p.description || "")}"></div>`;
}

export async function render(main, params, app) {
  const [cats, list, team, enterprises, patrol] = await Promise.all([
    kvGet("categories"), houses(), myTeam(), kvGet("enterprises"), kvGet("patrol"),
  ]);
  const categories = cats || [];
  const fixKey = params.get("fix");
  const draftKey = params.get("draft") || `draft:${crypto.randomUUID()}`;
  const draft = (await get("drafts", draftKey)) || null;
  const fixing = fixKey ? await get("outbox", fixKey) : null;
  const body = (fixing && fixing.item) || (draft && draft.body) || {};
  const photos = (draft && draft.photos) || [];
  // Stored on the server: it was queued and its record has left the outbox.
  const queuedRec = draft && draft.queued ? await get("outbox", `incident:${draft.body.id}`) : null;
  const onServer = !!(draft && draft.queued && !queuedRec);
  const top = categories.filter((c) => !c.parent_code);

  main.innerHTML = `
    <h1>${esc(fixing ? t("fix_title") : t("incident_title"))}</h1>
    ${fixing && fixing.problem ? `<p class="card bad problem">${esc(fixing.problem.title || "")} ${esc(fixing.problem.detail || "")}</p>` : ""}
    ${onServer ? `<p class="card warn" data-testid="server-draft">${esc(t("server_draft"))}</p>` : ""}
    <form id="incident">
      <fieldset id="fields" ${onServer ? "disabled" : ""}>
      <label for="category">${esc(t("category"))}</label>
      <select id="category" name="category" required>${options(top.map((c) => ({ value: c.code, label: named(c) })), body.category, t("choose"))}</select>
      <div id="subtype-box"><label for="subtype">${esc(t("subtype"))}</label><select id="subtype" name="subtype"></select></div>
      <label>${esc(t("severity"))}</label>
      <div class="seg">${SEVERITIES.map((v) => `<label title="${esc(t(`sev_${v}`))}"><input type="radio" name="severity" value="${v}" ${Number(body.severity || 3) === v ? "checked" : ""}><span>${v}</span></label>`).join("")}</div>
      <p class="muted">${esc(t("severity_hint"))}</p>
      <label for="summary">${esc(t("what"))}</label>
      <textarea id="summary" name="summary" required maxlength="4000">${esc(body.summary || "")}</textarea>
      <label for="occurred_at">${esc(t("when"))}</label>
      <input id="occurred_at" name="occurred_at" type="datetime-local" value="${esc(body.occurred_at ? localInput(new Date(body.occurred_at)) : localInput())}" required>
      <label for="house">${esc(t("where"))}</label>
      <select id="house" name="house_id">${options(list.map((h) => ({ value: h.id, label: `${h.name} — ${h.address}` })), body.house_id, t("no_house"))}</select>
      <div class="row"><button class="btn secondary" id="use-gps" type="button">${esc(t("use_gps"))}</button></div>
      <p class="gps" id="gps" data-fix="${body.lat ? 1 : 0}">${esc(body.lat ? t("position", { lat: Number(body.lat).toFixed(5), lon: Number(body.lon).toFixed(5) }) : t("no_position"))}</p>
      <input name="place_text" placeholder="${esc(t("place_ph"))}" value="${esc(body.place_text || "")}">
      <div id="labour" hidden>
        <label for="enterprise">${esc(t("enterprise"))}</label>
        <select id="enterprise" name="enterprise_id">${options((enterprises || []).map((e) => ({ value: e.id, label: e.name })), body.enterprise_id, t("choose_enterprise"))}</select>
        <p class="card bad" id="no-enterprise" hidden>${esc(t("no_enterprises"))}</p>
        <label for="workers">${esc(t("workers_involved"))}</label>
        <input id="workers" name="workers_involved" type="number" min="1" inputmode="numeric" value="${esc(body.workers_involved ?? "")}">
        <label for="labour_started_at">${esc(t("labour_start"))}</label>
        <input id="labour_started_at" name="labour_started_at" type="datetime-local" value="${esc(body.labour_started_at ? localInput(new Date(body.labour_started_at)) : "")}">
      </div>
      <h2>${esc(t("persons"))}</h2>
      <div id="persons">${(body.persons_involved || []).map(personRow).join("")}</div>
      <button class="btn secondary" id="add-person" type="button">${esc(t("add_person"))}</button>
      <label class="check"><input type="checkbox" name="protect_reporter" ${body.protect_reporter ? "checked" : ""}>${esc(t("protect"))}</label>
      </fieldset>
      <h2>${esc(t("photos"))}</h2>
      <input id="photos" type="file" accept="image/*" capture="environment" multiple ${fixing ? "disabled" : ""}>
      <div class="thumbs" id="thumbs"></div>
      <p id="form-error" class="problem"></p>
      <div class="row">
        ${fixing || onServer ? "" : `<button class="btn secondary" name="action" value="draft" type="submit">${esc(t("save_draft"))}</button>`}
        <button class="btn ok" name="action" value="send" type="submit">${esc(t("send"))}</button>
      </div>
    </form>`;

  const form = $("#incident");
  const pics = [...photos];
  let where = body.lat ? { lat: body.lat, lon: body.lon } : null;
  const showThumbs = () => {
    $("#thumbs").innerHTML = "";
    for (const p of pics) {
      const img = document.createElement("img");
      img.src = URL.createObjectURL(p.blob);
      img.alt = p.name;
      $("#thumbs").append(img);
    }
  };
  showThumbs();

  const onCategory = () => {
    const code = form.category.value;
    const subs = categories.filter((c) => c.parent_code === code);
    $("#subtype-box").hidden = !subs.length;
    // Sub-types are listed as "<category>.<sub>"; the report names only "<sub>".
    const short = (c) => c.code.slice(code.length + 1);
    form.subtype.innerHTML = options(subs.map((c) => ({ value: short(c), label: named(c) })), body.subtype, t("choose"));
    const sub = categories.find((c) => c.code === `${code}.${form.subtype.value}`);
    const cat = categories.find((c) => c.code === code);
    const labour = !!((cat && cat.labour_fields) || (sub && sub.labour_fields));
    $("#labour").hidden = !labour;
    // The server needs all three for a labour event; asking here saves a rejected upload.
    for (const name of ["enterprise_id", "workers_involved", "labour_started_at"]) form[name].required = labour;
    if (labour && !form.labour_started_at.value) form.labour_started_at.value = localInput();
    $("#no-enterprise").hidden = !labour || !!(enterprises && enterprises.length);
  };
  form.subtype.addEventListener("change", () => {
    const keep = form.subtype.value;
    onCategory();
    form.subtype.value = keep;
  });
  form.category.addEventListener("change", onCategory);
  onCategory();

  const onFix = (fix) => {
    if (!fix) return;
    where = { lat: fix.lat, lon: fix.lon };
    $("#gps").dataset.fix = "1";
    $("#gps").textContent = `${t("position", { lat: fix.lat.toFixed(5), lon: fix.lon.toFixed(5) })} (${gpsText(fix)})`;
  };
  $("#use-gps").addEventListener("click", () => {
    startGps(onFix);
    onFix(freshFix());
  });
  $("#add-person").addEventListener("click", () => $("#persons").insertAdjacentHTML("beforeend", personRow()));
  $("#photos").addEventListener("change", async (e) => {
    for (const file of e.target.files) {
      try {
        const { blob } = await resize(file);
        pics.push({ id: crypto.randomUUID(), blob, name: file.name.replace(/\.\w+$/, "") + ".jpg" });
      } catch {
        toast(t("photo_unreadable", { name: file.name }));
      }
    }
    e.target.value = "";
    showThumbs();
  });

  function collect() {
    const out = {
      kind: "incident",
      id: body.id || crypto.randomUUID(),
      category: form.category.value,
      severity: Number(form.severity.value),
      occurred_at: new Date(form.occurred_at.value).toISOString(),
      summary: form.summary.value.trim(),
      protect_reporter: form.protect_reporter.checked,
      submit: true,
    };
    if (team) out.team_id = team.id;
    if (form.subtype.value && !$("#subtype-box").hidden) out.subtype = form.subtype.value;
    if (form.house_id.value) out.house_id = form.house_id.value;
    if (where) Object.assign(out, where);
    if (form.place_text.value.trim()) out.place_text = form.place_text.value.trim();
    if (patrol) out.patrol_id = patrol.id;
    if (!$("#labour").hidden) {
      if (form.enterprise_id.value) out.enterprise_id = form.enterprise_id.value;
      if (form.workers_involved.value) out.workers_involved = Number(form.workers_involved.value);
      if (form.labour_started_at.value) out.labour_started_at = new Date(form.labour_started_at.value).toISOString();
    }
    out.persons_involved = [...form.querySelectorAll(".person")].map((el) => {
      const p = { role: el.querySelector("[name=p_role]").value };
      const name = el.querySelector("[name=p_name]").value.trim();
      const age = el.querySelector("[name=p_age]").value;
      const d = el.querySelector("[name=p_desc]").value.trim();
      if (name) p.full_name = name;
      if (age) p.age = Number(age);
      if (d) p.description = d;
      return p;
    });
    return out;
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const action = e.submitter ? e.submitter.value : "send";
    const item = onServer ? draft.body : collect();
    const complete = !!(item.category && item.summary);
    if (action === "draft") {
      await saveDraft({ ...item, submit: false }, complete);
      location.hash = "#/outbox";
      app.syncAll({ quiet: true });
      return;
    }
    if (!complete) {
      $("#form-error").textContent = t("need_category");
      return;
    }
    if (fixing) {
      await replace(fixing.key, item);
    } else if (draft && draft.queued) {
      // The draft is (or will be) on the server: submit that incident, after any change.
      await saveDraft({ ...item, submit: false }, true);
      await enqueueTransition({ incidentId: item.id, action: "submit", label: t("submit_label", { text: item.summary.slice(0, 40) }) });
      await del("drafts", draftKey);
    } else {
      await enqueue(item, t("incident_label", { text: item.summary.slice(0, 40) }));
      for (const p of pics) {
        await enqueueAttachment({ incidentId: item.id, attachmentId: p.id, blob: p.blob, name: p.name });
      }
      await del("drafts", draftKey);
    }
    toast(t("toast_saved"));
    location.hash = "#/";
    app.syncAll({ quiet: true });
  });

  // Keep the draft on the phone and, once it has a category and a text, queue it (or its new
  // content while it still waits) as a server-side draft, with photos not yet queued.
  async function saveDraft(item, upload) {
    const queuedPhotos = new Set((draft && draft.queued_photos) || []);
    const record = { key: draftKey, body: item, photos: pics, saved_at: new Date().toISOString(), queued: !!(draft && draft.queued), queued_photos: [...queuedPhotos] };
    if (upload && !onServer) {
      const label = t("draft_label", { text: item.summary.slice(0, 40) });
      if (queuedRec) await replace(queuedRec.key, item);
      else await enqueue(item, label);
      record.queued = true;
    }
    if (record.queued) {
      for (const p of pics.filter((x) => !queuedPhotos.has(x.id))) {
        await enqueueAttachment({ incidentId: item.id, attachmentId: p.id, blob: p.blob, name: p.name });
        record.queued_photos.push(p.id);
      }
    }
    await put("drafts", record);
    toast(record.queued ? t("draft_server") : t("draft_local"));
  }

  return () => stopGps(onFix);
}

export const drafts = () => all("drafts");
