// Genlab's service worker (the site's `sw.js`: `cargo xtask build` writes VERSION and
// PRECACHE above this file's text). It makes the site work offline after one visit:
// installing caches the shell, every wasm piece and the lesson chunks; a request for
// anything else of the site (the shipped weights) is cached the first time it succeeds.
// Every answer comes from the cache when it is there. A new deployment has a new VERSION,
// so the browser installs the new worker, which takes over at once and drops the old
// caches: the reader never clears anything.
/* global VERSION, PRECACHE */
const CACHE = `genlab-${VERSION}`;

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE)
    .then((cache) => cache.addAll(PRECACHE))
    .then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys
      .filter((k) => k.startsWith('genlab-') && k !== CACHE)
      .map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET' || new URL(request.url).origin !== location.origin) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    const hit = await cache.match(request, { ignoreSearch: true });
    if (hit) return hit;
    try {
      const response = await fetch(request);
      if (response.ok && response.type === 'basic') await cache.put(request, response.clone());
      return response;
    } catch (err) {
      // Offline and never fetched: a page of the site is its shell; anything else fails
      // as the network did, and the page says so where it needed it.
      if (request.mode === 'navigate') {
        const shell = await cache.match('index.html');
        if (shell) return shell;
      }
      throw err;
    }
  })());
});
