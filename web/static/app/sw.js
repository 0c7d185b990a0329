// The service worker of the installable web app: pages, scripts and the few answers the
// report form needs are fetched from the network first and kept, so the map page and its
// report form still open without signal (a report made then waits in cases/outbox.js).
// Live data (tiles, cases, assets, exports) is never answered from this cache.
const CACHE = "infracensus-shell-v1";
const KEPT = ["/", "/cases/mine", "/api/cases/categories", "/api/grids", "/api/places", "/map/style.json"];
const KEPT_FOLDERS = ["/static/", "/vendor/"];

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

function kept(url) {
  return url.origin === self.location.origin
    && (KEPT.includes(url.pathname) || KEPT_FOLDERS.some((folder) => url.pathname.startsWith(folder)));
}

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || !kept(url)) return;
  event.respondWith(fetch(event.request).then((response) => {
    if (response.ok) {
      const copy = response.clone();
      caches.open(CACHE).then((cache) => cache.put(event.request, copy));
    }
    return response;
  }).catch(() => caches.match(event.request, { ignoreVary: true }).then((hit) => hit || Response.error())));
});
