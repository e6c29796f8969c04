// Approve and Deny without leaving the page (issue 16). The approval form's plain POST is a whole navigation on the phone:
// about 18 ms from the tap before its request even left (unload, a new document), which the waiting browser's
// sign-in waited for. Here the same form is sent with fetch, to the same address with the same fields (the
// antiforgery token, the button pressed, the number picked), to the same server handler, and the page's answer
// (the same HTML a plain post gets) replaces the approval card in place. Without this script the form posts as
// before. Answers that are not this page (a redirect to sign in, an error) are shown as a plain post would show them.
const pageSelector = "[data-approval-page]";

document.addEventListener("submit", (event) => {
    const form = event.target;
    // The approver-passkey step (ApproverPasskeyStep.razor.js) takes Approve itself, and posts the whole form.
    if (event.defaultPrevented || !(form instanceof HTMLFormElement) || !form.matches(`${pageSelector} form.approve-form`)) {
        return;
    }
    const submitter = event.submitter;
    const approving = (submitter?.name === "Decision" && submitter.value === "approve") || submitter?.name === "Number";
    if (approving && form.querySelector("approver-passkey")) {
        // A passkey is asked for but its script has not run (yet): the plain post, as without scripts.
        return;
    }
    event.preventDefault();
    if (form.dataset.sending !== undefined) {
        return; // One decision per page: a second tap while the first is on its way does nothing.
    }
    form.dataset.sending = "";
    // Exactly what the browser would post: url-encoded, with the pressed button's name and value.
    const body = new URLSearchParams(new FormData(form, submitter));
    const buttons = [...form.querySelectorAll("button:not([disabled])")];
    for (const button of buttons) {
        button.disabled = true;
    }
    send(form, body, buttons);
});

async function send(form, body, buttons) {
    let response;
    let html;
    try {
        response = await fetch(form.action, { method: "POST", body, credentials: "same-origin", redirect: "follow" });
        html = await response.text();
    } catch {
        // The network failed: the plain post would fail the same way, so say so where the buttons were.
        showNetworkError(form, buttons);
        return;
    }

    if (response.redirected) {
        // Sent elsewhere (signed out meanwhile: the sign-in page): go there as the plain post's redirect would.
        location.assign(response.url);
        return;
    }

    if (!(response.headers.get("content-type") ?? "").startsWith("text/html")) {
        // A refusal in plain words (a body too large answers in text): show it, as the plain post would. A page whose
        // antiforgery token no longer passes gets the portal's "out of date" page (OutOfDateForms), shown whole below.
        const text = document.createElement("pre");
        text.textContent = html;
        document.body.replaceChildren(text);
        return;
    }

    const answer = new DOMParser().parseFromString(html, "text/html");
    const page = answer.querySelector(pageSelector);
    const current = form.closest(pageSelector);
    if (!page || !current) {
        // Another page of this portal (the error page): show it whole, as the plain post would.
        document.open();
        document.write(html);
        document.close();
        return;
    }

    const fresh = document.importNode(page, true);
    current.replaceWith(fresh);
    if (answer.title) {
        document.title = answer.title;
    }
    // The outcome replaces the buttons the person just pressed: move them to it, so a screen reader reads it.
    const heading = fresh.querySelector("h1");
    if (heading) {
        heading.tabIndex = -1;
        heading.focus();
    }
}

function showNetworkError(form, buttons) {
    delete form.dataset.sending;
    for (const button of buttons) {
        button.disabled = false;
    }
    let alert = form.querySelector("[data-send-failed]");
    if (!alert) {
        alert = document.createElement("p");
        alert.className = "alert alert-danger";
        alert.setAttribute("role", "alert");
        alert.dataset.sendFailed = "";
        alert.textContent = "Your answer could not be sent: check this phone's connection and tap again.";
        form.prepend(alert);
    }
}

// For the page's tests and the browser benchmark: Approve and Deny are answered in place from now on.
document.documentElement.dataset.approvesInPlace = "";
