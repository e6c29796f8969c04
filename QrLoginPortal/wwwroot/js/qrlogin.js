// Browser-side helpers of the QR sign-in panel. The countdown runs here, from the remaining time
// the server sent, so a waiting page costs the server nothing between events.
window.qrLogin = {
    submit(form) {
        if (form) {
            form.submit();
        }
    },

    countdown(element, remainingMs) {
        if (!element) {
            return;
        }
        const deadline = performance.now() + remainingMs;
        const show = () => {
            const left = Math.max(0, Math.ceil((deadline - performance.now()) / 1000));
            element.textContent = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
            if (left > 0 && element.isConnected) {
                setTimeout(show, 250);
            }
        };
        show();
    },
};

// "Print" buttons of the badge sheets open the browser's print dialog (no inline handlers).
document.addEventListener("click", (event) => {
    if (event.target instanceof Element && event.target.closest("[data-print]")) {
        window.print();
    }
});
