// The AR app's service worker (scope: the folder it is served from, /ar/).
//
// - The app shell (the page, its JS, CSS, the app's and the scanner's wasm,
//   icons; every file of the bundle but this one) is stored at install, so a
//   second visit starts without the network. Hashed names never change
//   content: cache first. The page itself: network first, the stored copy
//   when offline.
// - Overlays (`GET /api/v1/markers/...`): network first; each answer is kept,
//   and when the server cannot be reached the kept one is answered with the
//   header `x-pustaka-saved-copy: 1`, which the app shows as a saved copy
//   with its offline banner (mobile/src/net/mod.rs, SAVED_COPY_HEADER).
// - Media (`/media/{sha256}.{ext}`, immutable): cache first, kept once seen
//   (whole-file answers only; a video's range requests go to the network).
// - Everything else (scan events, other hosts): the network, untouched; the
//   app queues scan events itself until they are accepted.
"use strict";

/** Every bundle file, written by `cargo xtask web`. */
const SHELL_FILES = __PUSTAKA_SHELL_FILES__;
/** One cache per bundle version; older ones are deleted on activation. */
const SHELL_CACHE = "pustaka-shell-__PUSTAKA_BUNDLE_HASH__";
const DATA_CACHE = "pustaka-data-v1";
const SAVED_COPY_HEADER = "x-pustaka-saved-copy";

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(SHELL_CACHE)
      .then((c) => c.addAll(["./", ...SHELL_FILES]))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys
        .filter((k) => k.startsWith("pustaka-shell-") && k !== SHELL_CACHE)
        .map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const req = event.request;
  if (req.method !== "GET") return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  const scope = new URL(self.registration.scope);
  if (url.pathname.startsWith("/api/v1/markers/")) {
    event.respondWith(overlay(req));
  } else if (url.pathname.startsWith("/media/") && !req.headers.has("range")) {
    event.respondWith(cacheFirst(req, DATA_CACHE));
  } else if (req.mode === "navigate" && url.pathname.startsWith(scope.pathname)) {
    event.respondWith(networkFirst(req));
  } else if (url.pathname.startsWith(scope.pathname)) {
    event.respondWith(cacheFirst(req, SHELL_CACHE));
  }
});

async function cacheFirst(req, cacheName) {
  const hit = await caches.match(req);
  if (hit) return hit;
  const resp = await fetch(req);
  if (resp.ok && resp.status === 200) {
    const cache = await caches.open(cacheName);
    await cache.put(req, resp.clone());
  }
  return resp;
}

async function networkFirst(req) {
  try {
    const resp = await fetch(req);
    if (resp.ok) {
      const cache = await caches.open(SHELL_CACHE);
      await cache.put("./", resp.clone());
    }
    return resp;
  } catch (e) {
    const hit = await caches.match("./");
    if (hit) return hit;
    throw e;
  }
}

/** The overlay from the server (kept), else the kept copy marked as saved. */
async function overlay(req) {
  // The app sends If-None-Match with its own ETag; the stored copy answers
  // a plain request, so the server's 304 is never confused with it.
  const plain = new Request(req.url, { headers: { accept: "application/json" } });
  const cache = await caches.open(DATA_CACHE);
  try {
    const resp = await fetch(req);
    if (resp.status === 200) await cache.put(plain, resp.clone());
    if (resp.status === 404) await cache.delete(plain);
    return resp;
  } catch (e) {
    const hit = await cache.match(plain);
    if (!hit) throw e;
    const headers = new Headers(hit.headers);
    headers.set(SAVED_COPY_HEADER, "1");
    return new Response(await hit.blob(), { status: 200, headers });
  }
}
