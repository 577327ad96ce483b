// A small promise wrapper over IndexedDB: everything the app keeps lives here, so it survives a
// reload, a closed tab and days without network.
const NAME = "ttq-field";
const VERSION = 1;
// kv: settings and cursors; outbox: records waiting for the server (key "<kind>:<id>");
// registry stores mirror GET /sync/registry; drafts: incident reports not sent yet.
const KEYED = ["outbox", "drafts"];
const BY_ID = ["houses", "teams", "members", "sites", "feed"];

let opening = null;

export function openDb() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const req = indexedDB.open(NAME, VERSION);
      req.onupgradeneeded = () => {
        const db = req.result;
        if (!db.objectStoreNames.contains("kv")) db.createObjectStore("kv");
        for (const s of KEYED) {
          if (!db.objectStoreNames.contains(s)) db.createObjectStore(s, { keyPath: "key" });
        }
        for (const s of BY_ID) {
          if (!db.objectStoreNames.contains(s)) db.createObjectStore(s, { keyPath: "id" });
        }
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }
  return opening;
}

function done(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

function result(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

export async function get(store, key) {
  const db = await openDb();
  return result(db.transaction(store).objectStore(store).get(key));
}

export async function all(store) {
  const db = await openDb();
  return result(db.transaction(store).objectStore(store).getAll());
}

export async function count(store) {
  const db = await openDb();
  return result(db.transaction(store).objectStore(store).count());
}

export async function put(store, value, key) {
  const db = await openDb();
  const tx = db.transaction(store, "readwrite");
  tx.objectStore(store).put(value, key);
  return done(tx);
}

export async function del(store, key) {
  const db = await openDb();
  const tx = db.transaction(store, "readwrite");
  tx.objectStore(store).delete(key);
  return done(tx);
}

export async function clear(store) {
  const db = await openDb();
  const tx = db.transaction(store, "readwrite");
  tx.objectStore(store).clear();
  return done(tx);
}

// Several writes that must land together (one registry page, one batch's answers).
export async function write(stores, fn) {
  const db = await openDb();
  const tx = db.transaction(stores, "readwrite");
  fn((name) => tx.objectStore(name));
  return done(tx);
}

export const kvGet = (key) => get("kv", key);
export const kvSet = (key, value) => put("kv", value, key);
export const kvDel = (key) => del("kv", key);
