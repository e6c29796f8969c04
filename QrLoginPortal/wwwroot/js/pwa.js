// The phone app: registers the scanner's service worker and, where the browser offers to install the site,
// shows "Install this app" on the phone's home page (the browser's own prompt runs on the tap).
(() => {
    'use strict';

    if ('serviceWorker' in navigator && window.isSecureContext) {
        navigator.serviceWorker.register('sw.js').catch(() => { });
    }

    // An offer made before this script ran (it loads after the first paint) was kept by js/after-paint.js.
    let offer = window.qrEarlyInstallOffer ?? null;
    const hint = () => document.getElementById('install-hint');
    const onHomePage = () => new URL(document.baseURI).pathname === location.pathname;
    const onPhone = () => window.matchMedia('(max-width: 700px)').matches;

    function update() {
        const element = hint();
        if (element) {
            element.hidden = !(offer && onHomePage() && onPhone() && sessionStorage.getItem('install-hint-dismissed') !== '1');
        }
    }

    window.addEventListener('beforeinstallprompt', event => {
        event.preventDefault();
        offer = event;
        update();
    });
    window.addEventListener('appinstalled', () => {
        offer = null;
        update();
    });
    document.addEventListener('click', async event => {
        if (event.target.closest('#install-hint-button') && offer) {
            const shown = offer;
            offer = null;
            update();
            await shown.prompt();
        } else if (event.target.closest('#install-hint-dismiss')) {
            sessionStorage.setItem('install-hint-dismissed', '1');
            update();
        }
    });
    window.Blazor?.addEventListener?.('enhancedload', update);
    update();
})();
