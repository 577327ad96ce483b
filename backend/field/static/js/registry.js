// The team's registry cache (GET /sync/registry with its cursor) and the taxonomies the forms
// need. Applied page by page exactly as the protocol says: reset, upserts, tombstones, cursor.
import { api, listAll } from "./api.js";
import { all, kvGet, kvSet, write } from "./db.js";
import { noteLastId } from "./live.js";

const STORE = { site: "sites", boarding_house: "houses", team: "teams", team_member: "members" };
const LISTS = { sites: "sites", houses: "houses", teams: "teams", members: "members" };

export async function syncRegistry() {
  let cursor = await kvGet("registry_cursor");
  for (let page = 0; page < 100; page++) {
    const q = cursor ? `?since=${encodeURIComponent(cursor)}` : "";
    const data = await api(`/sync/registry${q}`);
    await write(["sites", "houses", "teams", "members", "kv"], (store) => {
      if (data.reset) for (const s of Object.values(STORE)) store(s).clear();
      for (const [field, s] of Object.entries(LISTS)) for (const row of data[field]) store(s).put(row);
      for (const t of data.tombstones) store(STORE[t.type]).delete(t.id);
      store("kv").put(data.next_cursor, "registry_cursor");
    });
    cursor = data.next_cursor;
    if (!data.has_more) break;
  }
  const [categories, topics] = await Promise.all([
    listAll("/incident-categories"),
    listAll("/awareness-topics"),
  ]);
  await kvSet("categories", categories);
  await kvSet("topics", topics);
  try {
    await kvSet("enterprises", await listAll("/enterprises?limit=200", 5));
  } catch {
    // Not every role may list enterprises; the labour form then takes the name in the summary.
  }
  await kvSet("registry_at", new Date().toISOString());
}

export async function houses() {
  return (await all("houses")).sort((a, b) => a.name.localeCompare(b.name, "vi"));
}

export async function myTeam() {
  const s = await kvGet("session");
  const teams = await all("teams");
  const members = await all("members");
  const mine = members.find((m) => s && s.user && m.user_id === s.user.id && !m.until);
  return teams.find((t) => mine && t.id === mine.team_id) || teams[0] || null;
}

export async function myMember() {
  const s = await kvGet("session");
  return (await all("members")).find((m) => s && s.user && m.user_id === s.user.id && !m.until);
}

export async function refreshFeed() {
  const data = await api("/notifications?limit=50");
  const items = Array.isArray(data) ? data : data.items || [];
  await noteLastId(items);
  await write(["feed", "kv"], (store) => {
    for (const n of items) store("feed").put({ ...n, id: n.id });
    store("kv").put(new Date().toISOString(), "feed_at");
  });
}

export async function feed() {
  return (await all("feed")).sort((a, b) => (a.created_at < b.created_at ? 1 : -1));
}
