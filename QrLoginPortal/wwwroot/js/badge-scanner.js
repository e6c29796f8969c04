// Badge sign-in: reads the badge's QR code from the webcam with jsQR, flashes the frame green and
// posts the value in the form (never a URL). Anything that is not a badge is reported, never sent.
(() => {
    const view = document.querySelector(".badge-scan-view");
    const video = document.getElementById("badge-video");
    const status = document.getElementById("badge-status");
    const input = document.getElementById("badge-value");
    const form = input ? input.form : null;
    if (!view || !video || !status || !form || typeof jsQR !== "function") {
        return;
    }

    const prefixes = (view.dataset.prefixes || "QRB1-").split(" ").filter(Boolean);
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
                if (prefixes.some((prefix) => code.data.startsWith(prefix))) {
                    view.classList.add("scan-found");
                    say("Badge found. Signing in…");
                    stop();
                    input.value = code.data;
                    form.requestSubmit();
                    return;
                }
                if (code.data !== lastRejected) {
                    lastRejected = code.data;
                    say("This QR code is not a sign-in badge. Hold up your badge.");
                }
            }
        }
        setTimeout(scan, 120);
    };

    const start = async () => {
        if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
            say("This browser cannot use the camera here (it needs https). Type the code under your badge's QR instead.");
            return;
        }
        try {
            stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "user" }, audio: false });
        } catch (error) {
            say(error && error.name === "NotAllowedError"
                ? "Camera permission was denied. Allow the camera for this site, or type the code under your badge's QR."
                : "No camera could be opened. Type the code under your badge's QR instead.");
            return;
        }
        video.srcObject = stream;
        await video.play().catch(() => {});
        say("Hold your badge up to the camera, inside the frame.");
        scan();
    };

    window.addEventListener("pagehide", stop);
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
