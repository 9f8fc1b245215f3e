// feuille's service worker: keeps the offline page (/hors-ligne) and its scripts, so that the page opens with the
// server down. Only what is listed in self.FEUILLE_PRECACHE (written in by the /sw.js route, each file with its
// digest) is kept and served from the cache; every other request goes to the network as if there were no worker.
/* global workbox, importScripts */
importScripts("/static/vendor/workbox/workbox-sw.js");
// Workbox's modules from this server, never from its CDN; the production build whatever the host's name.
workbox.setConfig({ modulePathPrefix: "/static/vendor/workbox/", debug: false });

// A new version takes over at once: the page is a shell and its data stays in IndexedDB.
self.skipWaiting();
workbox.core.clientsClaim();
workbox.precaching.cleanupOutdatedCaches();
workbox.precaching.precacheAndRoute(self.FEUILLE_PRECACHE || [], { ignoreURLParametersMatching: [/.*/] });
