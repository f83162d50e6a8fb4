// The app's service worker (served as /sw.js, built by scripts/build.mjs,
// which fills in the file list): the page and its files come from the
// server when it answers and from the last copy when it does not, so a
// reload while offline (or while the server is down) still opens the room,
// with the edits not yet sent, which the page keeps in IndexedDB. The
// WebSocket and the HTTP API (/v1/...) never pass through here.
const cacheName = "maptable-app-%VERSION%";
const precache = "%PRECACHE%";

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(cacheName)
      .then((cache) => cache.addAll(precache))
      .then(() => self.skipWaiting()),
  );
});

// A new build's worker drops the copies of the old build's files.
self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(names.filter((n) => n.startsWith("maptable-app-") && n !== cacheName).map((n) => caches.delete(n))),
      )
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== "GET" || url.origin !== self.location.origin || url.pathname.startsWith("/v1/")) return;
  event.respondWith(networkThenCopy(req, url));
});

// The page at any address of the app is "/" (the invitation is in the
// fragment, which is not part of the request).
async function networkThenCopy(req, url) {
  const key = req.mode === "navigate" ? "/" : url.pathname;
  const cache = await caches.open(cacheName);
  try {
    const res = await fetch(req);
    if (res.ok) await cache.put(key, res.clone());
    return res;
  } catch (error) {
    const copy = await cache.match(key, { ignoreSearch: true, ignoreVary: true });
    if (copy) return copy;
    throw error;
  }
}
