// Browser-side helpers of the QR sign-in panel. The countdown runs here, from the remaining time
// the server sent, so a waiting page costs the server nothing between events.
// Each ticket form is posted once: by the observer below as soon as the circuit renders it, or by the
// panel's later call (qrLogin.submit), whichever comes first.
const submittedTickets = new WeakSet();
const submitTicketOnce = (form) => {
    if (form && !submittedTickets.has(form)) {
        submittedTickets.add(form);
        form.submit();
    }
};

window.qrLogin = {
    submit(form) {
        submitTicketOnce(form);
    },

    // Whether someone can see the page: only then does an expired code get a new one by itself.
    isVisible() {
        return document.visibilityState === "visible";
    },

    // A new sign-in on this browser replaced the page's session: load the page again once the browser holds the new
    // sign-in's cookie. The push that says so can come before the new sign-in's answer has set it, and a page loaded
    // with the old cookie would land on the sign-in page. After 5 s the page loads again with whatever the browser holds.
    reloadOnceSignedIn(url) {
        const giveUpAt = performance.now() + 5000;
        const attempt = async () => {
            try {
                const answer = await fetch("/account/signed-in", { credentials: "same-origin", cache: "no-store" });
                if (answer.status === 204) {
                    location.assign(url);
                    return;
                }
            } catch {
                // Offline for a moment: asked again below.
            }
            if (performance.now() >= giveUpAt) {
                location.assign(url);
            } else {
                setTimeout(attempt, 100);
            }
        };
        attempt();
    },

    countdown(element, remainingMs, onExpired) {
        if (!element) {
            return;
        }
        const deadline = performance.now() + remainingMs;
        const show = () => {
            const left = Math.max(0, Math.ceil((deadline - performance.now()) / 1000));
            element.textContent = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
            if (left > 0 && element.isConnected) {
                setTimeout(show, 250);
            } else if (left === 0 && typeof onExpired === "function") {
                onExpired();
            }
        };
        show();
    },
};

// The phone's approval page: how long the code stays valid, counted down here from the seconds the
// server rendered; at zero the page says the code expired and hides Approve/Deny (the server would
// refuse them anyway).
const startApprovalCountdowns = () => {
    document.querySelectorAll("[data-countdown-seconds]:not([data-counting])").forEach((timer) => {
        timer.setAttribute("data-counting", "");
        const section = timer.closest("section") ?? document;
        const expire = () => {
            section.querySelectorAll("[data-expired-notice]").forEach((notice) => { notice.hidden = false; });
            section.querySelectorAll("[data-hide-when-expired]").forEach((element) => { element.hidden = true; });
        };
        const seconds = Number(timer.getAttribute("data-countdown-seconds"));
        if (!(seconds > 0)) {
            expire();
            return;
        }
        window.qrLogin.countdown(timer, seconds * 1000, expire);
    });
};

// On a phone-sized screen the sign-in page leads with the password and passkey form (app.css puts it
// first): open it too, since the QR code on that page is for another device to scan.
const openPasswordFormOnPhones = () => {
    if (window.matchMedia("(max-width: 600px)").matches) {
        document.querySelectorAll("details[data-open-on-phone]").forEach((details) => { details.open = true; });
    }
};
// The approved panel's ticket form is posted the moment it appears in the page. Waiting for the
// server's after-render call to submit it cost one more round trip over the circuit between
// "approved" and the navigation to the signed-in page. Observer callbacks run after the whole
// render batch is applied, so the form already holds its ticket.
new MutationObserver(() => {
    const form = document.querySelector("form.qr-signin-form");
    if (form) {
        submitTicketOnce(form);
    }
}).observe(document.documentElement, { childList: true, subtree: true });

const onPageLoad = () => {
    openPasswordFormOnPhones();
    startApprovalCountdowns();
};
onPageLoad();
window.Blazor?.addEventListener?.("enhancedload", onPageLoad);

// "Print" buttons of the badge sheets open the browser's print dialog (no inline handlers).
document.addEventListener("click", (event) => {
    if (event.target instanceof Element && event.target.closest("[data-print]")) {
        window.print();
    }
});
