// The page's own scripts (Blazor, MudBlazor, the portal's) are loaded once the page has been painted,
// so a page the server has already rendered (the signed-in page after a QR sign-in, above all) shows
// before ~270 KB of script is compiled and run. They are listed as inert
// <script type="text/x-after-paint"> elements and inserted here in document order (async = false).
(() => {
    // The browser may offer to install the app (a returning phone whose service worker is already there)
    // before the scripts below have run: keep the offer for js/pwa.js, which shows "Install this app".
    addEventListener("beforeinstallprompt", (event) => {
        event.preventDefault();
        window.qrEarlyInstallOffer = event;
    }, { once: true });

    let loaded = false;
    const load = () => {
        if (loaded) {
            return;
        }
        loaded = true;
        for (const inert of document.querySelectorAll('script[type="text/x-after-paint"]')) {
            const script = document.createElement("script");
            for (const { name, value } of inert.attributes) {
                if (name !== "type") {
                    script.setAttribute(name, value);
                }
            }
            if (inert.dataset.module !== undefined) {
                script.type = "module";
            }
            script.async = false;
            inert.replaceWith(script);
        }
    };

    if (!(PerformanceObserver.supportedEntryTypes ?? []).includes("paint")) {
        load();
        return;
    }
    new PerformanceObserver((list, observer) => {
        if (list.getEntriesByName("first-contentful-paint").length > 0) {
            observer.disconnect();
            setTimeout(load, 0);
        }
    }).observe({ type: "paint", buffered: true });
    // A page with nothing to paint, or a background tab (it does not paint until shown): do not wait.
    setTimeout(load, document.visibilityState === "visible" ? 300 : 0);
})();
