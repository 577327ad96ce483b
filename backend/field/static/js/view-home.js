// Home: the team, how fresh the cache is, what waits, and the four big buttons.
import { signOut } from "./api.js";
import { kvGet } from "./db.js";
import { t } from "./i18n.js";
import { records } from "./outbox.js";
import { houses, myTeam } from "./registry.js";
import { esc, when } from "./util.js";

export async function render(main, _params, app) {
  const [team, list, at, patrol, recs, s] = await Promise.all([
    myTeam(), houses(), kvGet("registry_at"), kvGet("patrol"), records(), kvGet("session"),
  ]);
  const problems = recs.filter((r) => r.status !== "waiting").length;
  main.innerHTML = `
    <h1>${esc(team ? team.name : t("no_team"))}</h1>
    <p class="muted" data-testid="registry-info">${esc(t("houses_refreshed", { n: list.length }))}
      <span data-testid="registry-at">${esc(when(at))}</span></p>
    ${problems ? `<p class="card bad"><a href="#/outbox">${esc(t("problems_link", { n: problems }))}</a></p>` : ""}
    <div class="tiles">
      <a class="tile" href="#/patrol">${esc(patrol ? t("patrol_continue") : t("patrol_start"))}
        <small>${esc(patrol ? t("scans_n", { n: patrol.scans.length }) : t("patrol_hint"))}</small></a>
      <a class="tile" href="#/incident">${esc(t("incident_tile"))}<small>${esc(t("incident_hint"))}</small></a>
      <a class="tile" href="#/awareness">${esc(t("awareness_tile"))}<small>${esc(t("awareness_hint"))}</small></a>
      <a class="tile" href="#/outbox">${esc(t("outbox_tile"))}<small>${esc(t("waiting_n", { n: recs.length }))}</small></a>
      <a class="tile" href="#/feed">${esc(t("feed_tile"))}<small>${esc(t("feed_hint"))}</small></a>
      <button class="tile" id="home-sync" type="button">${esc(t("sync_tile"))}<small>${esc(t("sync_hint"))}</small></button>
    </div>
    <p class="muted">${esc(t("signed_in_as", { name: s && s.user ? s.user.full_name : "" }))}</p>
    <button class="btn secondary" id="sign-out" type="button">${esc(t("sign_out"))}</button>`;
  main.querySelector("#home-sync").addEventListener("click", () => document.getElementById("sync-now").click());
  main.querySelector("#sign-out").addEventListener("click", async () => {
    const waiting = recs.length ? t("sign_out_waiting", { n: recs.length }) : "";
    if (!confirm(`${t("sign_out_confirm")}${waiting}`)) return;
    await signOut();
    app.route();
  });
}
