// The page's own scripts (Blazor, MudBlazor, the portal's), and on some pages MudBlazor's stylesheet, are
// applied once the page has been painted, so a page the server has already rendered (the signed-in page after
// a QR sign-in, above all) shows before ~270 KB of script is compiled and run. The scripts are listed as inert
// <script type="text/x-after-paint"> elements and inserted here in document order (async = false).
(() => {
    // The browser may offer to install the app (a returning phone whose service worker is already there)
    // before the scripts below have run: keep the offer for js/pwa.js, which shows "Install this app".
    addEventListener("beforeinstallprompt", (event) => {
        event.preventDefault();
        window.qrEarlyInstallOffer = event;
    }, { once: true });

    // A page marked [FirstPaintStyles] paints with a small inlined stylesheet; MudBlazor's whole one waits as
    // <link rel="preload" as="style" data-after-paint-rel="stylesheet">: fetched, not parsed (a sheet with media="print"
    // is parsed on arrival, which put ~100 ms before a fresh renderer's paint). Once applied it stays applied: an
    // enhanced navigation from another page brings in this page's rel="preload", and the observer (run before the next
    // rendering) puts it back, so neither this page nor the interactive pages after it lose their styles.
    let stylesApplied = false;
    const applyStyles = () => {
        for (const link of document.querySelectorAll("link[data-after-paint-rel]")) {
            if (link.rel !== link.dataset.afterPaintRel) {
                link.rel = link.dataset.afterPaintRel;
            }
        }
    };
    // When an interactive page's circuit starts, Blazor's interactive <HeadOutlet> first renders without the page's
    // <PageTitle> (that comes in the page's own render batch, a message later: dotnet/aspnetcore#68346), so for a
    // moment the document has no title: the tab shows the address, a screen reader nothing. The title just removed is
    // held (appended after the outlet, so the outlet's own <title> comes first) until a real one is back.
    const keepTitle = (records) => {
        const held = document.head.querySelector("title[data-held-title]");
        if (document.head.querySelector("title:not([data-held-title])")) {
            held?.remove();
            return;
        }
        if (held) {
            return;
        }
        const removed = records.flatMap((record) => [...record.removedNodes]).findLast((node) => node.nodeName === "TITLE");
        if (removed?.textContent) {
            const title = document.createElement("title");
            title.dataset.heldTitle = "";
            title.textContent = removed.textContent;
            document.head.append(title);
        }
    };
    // Enhanced navigation may also put in a new <head>: the observer follows it.
    const observer = new MutationObserver((records) => {
        watch();
        keepTitle(records);
        if (stylesApplied) {
            applyStyles();
        }
    });
    const watch = () => {
        observer.observe(document, { childList: true });
        observer.observe(document.documentElement, { childList: true });
        observer.observe(document.head, { childList: true, subtree: true, attributes: true, attributeFilter: ["rel"] });
    };
    watch();

    // A button marked data-needs-script="element" is taken over by the script below that defines that element (the
    // passkey buttons: <passkey-submit>, <approver-passkey>). Tapped before that script has run, its form would post
    // without a passkey: "The browser did not provide a passkey", or an approval refused. The tap is held instead and
    // made again once the element is defined; if the script never comes, after 10 s, and the server says what is wrong.
    const released = new WeakSet();
    addEventListener("submit", (event) => {
        const form = event.target;
        if (released.delete(form)) {
            return;
        }
        const submitter = event.submitter;
        const needs = submitter?.dataset.needsScript;
        if (!needs || customElements.get(needs) !== undefined) {
            return;
        }
        event.preventDefault();
        event.stopImmediatePropagation();
        const gaveUp = new Promise((resolve) => setTimeout(resolve, 10_000));
        Promise.race([customElements.whenDefined(needs), gaveUp]).then(() => {
            if (form.isConnected && submitter.form === form) {
                released.add(form);
                form.requestSubmit(submitter);
            }
        });
    }, true);

    let loaded = false;
    const load = () => {
        if (loaded) {
            return;
        }
        loaded = true;
        stylesApplied = true;
        applyStyles();
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
