// benkan dashboard's service worker: keeps the last copy of the page and
// of its assets, so that a reload with the network down still opens the
// page (which then shows its last answers, kept in localStorage). Network
// first: a copy is used only when the server cannot be reached. GraphQL
// and the demo sign-in are never cached here.
'use strict';
const CACHE = 'benkan-dashboard-v1';
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));
self.addEventListener('fetch', (e) => {
  const req = e.request;
  const url = new URL(req.url);
  const scope = new URL(self.registration.scope);
  if (req.method !== 'GET' || url.origin !== scope.origin || !url.pathname.startsWith(scope.pathname)) return;
  e.respondWith(fetch(req).then((res) => {
    if (res.ok) {
      const copy = res.clone();
      caches.open(CACHE).then((c) => c.put(req, copy));
    }
    return res;
  }).catch(() => caches.match(req, { ignoreSearch: url.pathname === scope.pathname }).then((hit) => hit || Response.error())));
});
