// The installed scanner's service worker. It keeps the scanner page and the portal's own static files so
// the app opens at once from the home screen. It never stores API answers, approval pages, sign-in pages or
// any address with a query string (an approval link carries its secret there): only the allow-list below.
'use strict';

const CACHE = 'qrlogin-scanner-v1';
const SHELL = new URL('scan', self.registration.scope).pathname;
const STATIC_PREFIXES = ['js/', 'lib/', 'icons/', '_content/MudBlazor/', '_framework/']
    .map(prefix => new URL(prefix, self.registration.scope).pathname);
const STATIC_FILE = /\.(css|js|png|webmanifest)$/;

self.addEventListener('install', () => self.skipWaiting());

self.addEventListener('activate', event => {
    event.waitUntil((async () => {
        for (const name of await caches.keys()) {
            if (name !== CACHE) {
                await caches.delete(name);
            }
        }
        await self.clients.claim();
    })());
});

self.addEventListener('fetch', event => {
    const request = event.request;
    if (request.method !== 'GET') {
        return;
    }
    const url = new URL(request.url);
    if (url.origin !== self.location.origin || url.search !== '' || url.hash !== '') {
        return;
    }
    if (url.pathname === SHELL && request.mode === 'navigate') {
        event.respondWith(networkFirst(request));
    } else if (STATIC_FILE.test(url.pathname) && STATIC_PREFIXES.some(prefix => url.pathname.startsWith(prefix))) {
        event.respondWith(staleWhileRevalidate(request));
    } else if (STATIC_FILE.test(url.pathname) && !url.pathname.slice(1).includes('/')) {
        // The site's own top-level stylesheets and the manifest (app.css, portal-forms.css, …).
        event.respondWith(staleWhileRevalidate(request));
    }
});

// Only a plain 200 from this site is kept: never a redirect (a signed-out scanner goes to the sign-in page).
function storable(response) {
    return response.ok && response.status === 200 && response.type === 'basic' && !response.redirected;
}

async function networkFirst(request) {
    const cache = await caches.open(CACHE);
    try {
        const response = await fetch(request);
        if (storable(response)) {
            await cache.put(request, response.clone());
        }
        return response;
    } catch (offline) {
        const cached = await cache.match(request);
        if (cached) {
            return cached;
        }
        throw offline;
    }
}

async function staleWhileRevalidate(request) {
    const cache = await caches.open(CACHE);
    const cached = await cache.match(request);
    const fresh = fetch(request).then(async response => {
        if (storable(response)) {
            await cache.put(request, response.clone());
        }
        return response;
    });
    if (cached) {
        fresh.catch(() => { });
        return cached;
    }
    return fresh;
}
