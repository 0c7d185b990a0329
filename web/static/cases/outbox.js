// Reports made without signal wait on the device (IndexedDB, photos included) and are sent
// when the network returns, oldest first; a report leaves the outbox only once the server
// has accepted it.

const DB = "infracensus", STORE = "outbox";

function database() {
  return new Promise((done, failed) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "id", autoIncrement: true });
    request.onsuccess = () => done(request.result);
    request.onerror = () => failed(request.error);
  });
}

async function inStore(mode, work) {
  const db = await database();
  return new Promise((done, failed) => {
    const transaction = db.transaction(STORE, mode);
    const request = work(transaction.objectStore(STORE));
    transaction.oncomplete = () => { db.close(); done(request.result); };
    transaction.onerror = () => { db.close(); failed(transaction.error); };
  });
}

/** Keeps a report ({category, description, lon, lat, photo: File|null, saved_at}). */
export const keep = (report) => inStore("readwrite", (store) => store.add(report));
/** Every report still waiting, oldest first. */
export const waiting = () => inStore("readonly", (store) => store.getAll());
const forget = (id) => inStore("readwrite", (store) => store.delete(id));

/**
 * Sends what waits with `sendOne(report)`, stopping at the first network failure; a report
 * the server refuses stays kept (never dropped unseen) and its reason is returned.
 */
export async function flush(sendOne) {
  const refused = [];
  for (const report of await waiting()) {
    try {
      await sendOne(report);
    } catch (error) {
      if (error instanceof TypeError) break;  // still offline: tried again when back
      refused.push(error.message);
      continue;
    }
    await forget(report.id);
  }
  return refused;
}
