// The banner of a lost connection (ReconnectModal.razor). Blazor reports the connection's state on
// the element with the id components-reconnect-modal and puts the matching class on it; this opens
// and closes the banner and marks the page while the connection is down (html[data-circuit-down]),
// so app.css hides what cannot be trusted then, such as a sign-in QR code that may have expired or
// been used meanwhile: it comes back when the connection does, renewed if it had to be.
const reconnectModal = document.getElementById("components-reconnect-modal");
reconnectModal.addEventListener("components-reconnect-state-changed", handleReconnectStateChanged);

document.getElementById("components-reconnect-button").addEventListener("click", () => location.reload());
document.getElementById("components-resume-button").addEventListener("click", resume);

function handleReconnectStateChanged(event) {
    const state = event.detail.state;
    if (state === "hide") {
        document.documentElement.removeAttribute("data-circuit-down");
        reconnectModal.close();
        return;
    }

    document.documentElement.setAttribute("data-circuit-down", state);
    if (state === "rejected") {
        // The server no longer knows this page (restarted, or gone too long): a fresh page is the only way on.
        location.reload();
    } else if (!reconnectModal.open) {
        reconnectModal.showModal();
    }

    if (state === "failed") {
        // Given up for now: try again as soon as the person comes back to the tab.
        document.addEventListener("visibilitychange", retryWhenDocumentBecomesVisible);
    }
}

async function retry() {
    document.removeEventListener("visibilitychange", retryWhenDocumentBecomesVisible);
    try {
        // true: reconnected; false: the server was reached but no longer has this page's circuit.
        if (!await Blazor.reconnect() && !await Blazor.resumeCircuit()) {
            location.reload();
        }
    } catch {
        // Still unreachable: wait for the next visit to the tab (or the Reload button).
        document.addEventListener("visibilitychange", retryWhenDocumentBecomesVisible);
    }
}

async function resume() {
    try {
        if (!await Blazor.resumeCircuit()) {
            location.reload();
        }
    } catch {
        reconnectModal.classList.replace("components-reconnect-paused", "components-reconnect-resume-failed");
    }
}

async function retryWhenDocumentBecomesVisible() {
    if (document.visibilityState === "visible") {
        await retry();
    }
}
