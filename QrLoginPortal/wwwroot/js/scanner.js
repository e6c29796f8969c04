// The phone's scanner page: reads QR codes from the camera with jsQR and opens the approval page
// when the code is a sign-in code of this portal. Anything else is reported, never followed.
(() => {
    const view = document.querySelector(".scan-view");
    const video = document.getElementById("scan-video");
    const status = document.getElementById("scan-status");
    if (!view || !video || !status || typeof jsQR !== "function") {
        return;
    }

    const allowedOrigins = (view.dataset.origins || "").split(" ").filter(Boolean);
    const canvas = document.createElement("canvas");
    const context = canvas.getContext("2d", { willReadFrequently: true });
    let stream = null;
    let lastRejected = null;

    const say = (text) => { status.textContent = text; };

    const stop = () => {
        if (stream) {
            stream.getTracks().forEach((t) => t.stop());
            stream = null;
        }
    };

    const approvalUrl = (text) => {
        let url;
        try {
            url = new URL(text);
        } catch {
            return null;
        }
        return allowedOrigins.includes(url.origin) && /^\/qr\/[A-Za-z0-9\-._~%]+$/.test(url.pathname) ? url : null;
    };

    const scan = () => {
        if (!stream) {
            return;
        }
        if (video.readyState >= video.HAVE_CURRENT_DATA && video.videoWidth > 0) {
            canvas.width = video.videoWidth;
            canvas.height = video.videoHeight;
            context.drawImage(video, 0, 0, canvas.width, canvas.height);
            const image = context.getImageData(0, 0, canvas.width, canvas.height);
            const code = jsQR(image.data, image.width, image.height, { inversionAttempts: "attemptBoth" });
            if (code && code.data) {
                const url = approvalUrl(code.data);
                if (url) {
                    view.classList.add("scan-found");
                    say("Sign-in code found. Opening…");
                    stop();
                    window.location.assign(url.href);
                    return;
                }
                if (code.data !== lastRejected) {
                    lastRejected = code.data;
                    say("This QR code is not a sign-in code of this portal. Nothing was opened.");
                }
            }
        }
        setTimeout(scan, 120);
    };

    const start = async () => {
        if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
            say("This browser cannot use the camera here (it needs https). Open the link under the code instead.");
            return;
        }
        try {
            stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
        } catch (error) {
            say(error && error.name === "NotAllowedError"
                ? "Camera permission was denied. Allow the camera for this site, or open the link under the code instead."
                : "No camera could be opened. Open the link under the code instead.");
            return;
        }
        video.srcObject = stream;
        await video.play().catch(() => {});
        say("Looking for a sign-in code…");
        scan();
    };

    window.addEventListener("pagehide", stop);
    start();
})();
