// The phone's scanner page: opens the approval page when the code read is a sign-in code of this
// portal. Anything else is reported, never followed.
(() => {
    const view = document.querySelector(".scan-view");
    const video = document.getElementById("scan-video");
    const status = document.getElementById("scan-status");
    if (!view || !video || !status || typeof jsQR !== "function" || !window.qrCamera) {
        return;
    }

    const allowedOrigins = (view.dataset.origins || "").split(" ").filter(Boolean);
    const say = (text) => { status.textContent = text; };

    const approvalUrl = (text) => {
        let url;
        try {
            url = new URL(text);
        } catch {
            return null;
        }
        return allowedOrigins.includes(url.origin) && /^\/qr\/[A-Za-z0-9\-._~%]+$/.test(url.pathname) ? url : null;
    };

    window.qrCamera.start({
        video,
        say,
        facingMode: "environment",
        otherWay: "Or open the link under the code instead.",
        looking: "Looking for a sign-in code…",
        accept(text) {
            const url = approvalUrl(text);
            if (!url) {
                return false;
            }
            view.classList.add("scan-found");
            say("Sign-in code found. Opening…");
            window.location.assign(url.href);
            return true;
        },
        reject() {
            say("This QR code is not a sign-in code of this portal. Nothing was opened.");
        },
    });
})();
