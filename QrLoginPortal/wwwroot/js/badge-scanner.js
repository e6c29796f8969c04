// Badge sign-in: when the code read is a badge, flashes the frame green and posts its value in the
// form (never a URL). Anything that is not a badge is reported, never sent.
(() => {
    const view = document.querySelector(".badge-scan-view");
    const video = document.getElementById("badge-video");
    const status = document.getElementById("badge-status");
    const input = document.getElementById("badge-value");
    const form = input ? input.form : null;
    if (!view || !video || !status || !form || typeof jsQR !== "function" || !window.qrCamera) {
        return;
    }

    const prefixes = (view.dataset.prefixes || "QRB1-").split(" ").filter(Boolean);
    const say = (text) => { status.textContent = text; };

    const start = () => window.qrCamera.start({
        video,
        say,
        facingMode: "user",
        otherWay: "Or type the code under your badge's QR instead.",
        looking: "Hold your badge up to the camera, inside the frame.",
        accept(text) {
            if (!prefixes.some((prefix) => text.startsWith(prefix))) {
                return false;
            }
            view.classList.add("scan-found");
            say("Badge found. Signing in…");
            input.value = text;
            form.requestSubmit();
            return true;
        },
        reject() {
            say("This QR code is not a sign-in badge. Hold up your badge.");
        },
    });

    // After a refusal the camera waits for the person: the same badge would only be refused again.
    const rescan = document.getElementById("badge-rescan");
    if (view.dataset.failed === "true" && rescan) {
        say("Press “Scan again” to try another badge, or type its code.");
        rescan.addEventListener("click", () => {
            rescan.disabled = true;
            start();
        }, { once: true });
    } else {
        start();
    }
})();
