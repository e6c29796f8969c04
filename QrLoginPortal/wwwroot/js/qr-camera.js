// The camera loop shared by the phone's scanner page and the badge sign-in: opens a camera, reads
// QR codes from its frames with jsQR (served by the portal) and hands each text to the page, which
// says whether it is the one it wants (then the camera stops) or not.
window.qrCamera = {
    /**
     * @param {{video: HTMLVideoElement, say: (text: string) => void, facingMode: string,
     *          noCamera: string, denied: string, looking: string,
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
            if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
                options.say(options.noCamera);
                return;
            }
            try {
                stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: options.facingMode }, audio: false });
            } catch (error) {
                options.say(error && error.name === "NotAllowedError" ? options.denied : options.noCamera);
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
