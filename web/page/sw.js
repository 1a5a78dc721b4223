// Offline: the page's own files are kept on first load and served from
// here afterwards; the place table (5 MB) is kept the first time a photo
// with a location needs it. Nothing from elsewhere is ever fetched.
'use strict';
const CACHE = 'photoscrub-VERSION';
const FILES = ['./', 'index.html', 'style.css', 'app.js', 'zip.js', 'worker.js', 'engine.js', 'engine.wasm', 'manifest.webmanifest', 'icon.svg', 'lang-en.json', 'lang-nl.json'];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(FILES)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (url.origin !== location.origin || event.request.method !== 'GET') return;
  event.respondWith(caches.match(event.request, { ignoreSearch: true }).then((hit) => hit || fetchAndKeep(event.request)));
});

async function fetchAndKeep(request) {
  const response = await fetch(request);
  if (response.ok) {
    const copy = response.clone();
    caches.open(CACHE).then((cache) => cache.put(request, copy));
  }
  return response;
}
