// The camera loop shared by the phone's scanner page and the badge sign-in: opens a camera, reads
// QR codes from its frames with jsQR (served by the portal) and hands each text to the page, which
// says whether it is the one it wants (then the camera stops) or not.
window.qrCamera = {
    /**
     * Why no camera could be opened, in words a person can act on, from the error's name (the browser
     * says which cause it was: no camera, refused, in use, not a secure page).
     * @param {{name?: string} | null} error what getUserMedia threw; null when the browser offers no camera API.
     * @param {boolean} secure whether the page is a secure context (https or localhost).
     */
    describeError(error, secure) {
        if (!secure) {
            return "The camera works only on a secure page (https, or localhost), and this page is not one.";
        }
        switch (error && error.name) {
            case null:
            case undefined:
                return "This browser does not offer a camera to web pages.";
            case "NotFoundError":
            case "OverconstrainedError":
                return "No camera was found on this device.";
            case "NotAllowedError":
            case "PermissionDeniedError":
                return "Permission to use the camera was refused. Allow the camera for this site in the browser's settings.";
            case "NotReadableError":
            case "TrackStartError":
            case "AbortError":
                return "The camera is in use by another app or could not be started. Close that app and try again.";
            case "SecurityError":
                return "The camera is blocked for this page by the browser's or the device's settings.";
            default:
                return `The camera could not be opened (${error.name}).`;
        }
    },

    /**
     * @param {{video: HTMLVideoElement, say: (text: string) => void, facingMode: string,
     *          otherWay: string, looking: string,
     *          accept: (text: string) => boolean, reject: (text: string) => void}} options
     */
    start(options) {
        const canvas = document.createElement("canvas");
        const context = canvas.getContext("2d", { willReadFrequently: true });
        const video = options.video;
        let stream = null;
        let lastRejected = null;

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
                    if (options.accept(code.data)) {
                        stop();
                        return;
                    }
                    if (code.data !== lastRejected) {
                        lastRejected = code.data;
                        options.reject(code.data);
                    }
                }
            }
            setTimeout(scan, 120);
        };

        const open = async () => {
            const cannot = (error) => options.say(`${window.qrCamera.describeError(error, window.isSecureContext)} ${options.otherWay}`);
            if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
                cannot(null);
                return;
            }
            try {
                stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: options.facingMode }, audio: false });
            } catch (error) {
                cannot(error);
                return;
            }
            video.srcObject = stream;
            await video.play().catch(() => {});
            options.say(options.looking);
            scan();
        };

        window.addEventListener("pagehide", stop);
        open();
    },
};
