// The approver's passkey (issue 17): when the policy asks for it, tapping Approve first gets a WebAuthn
// assertion for the challenge the server put in the page (user verification required), then posts the form
// with it. A refusal or a browser without passkeys is posted too, without an assertion: the server refuses
// and audits it, and the page says so. Deny is untouched.
const supportsPasskeys =
    typeof navigator.credentials !== 'undefined' &&
    typeof window.PublicKeyCredential?.parseRequestOptionsFromJSON === 'function';

customElements.define('approver-passkey', class extends HTMLElement {
    connectedCallback() {
        const form = this.closest('form');
        if (!form || this.wired) {
            return;
        }
        this.wired = true;
        form.addEventListener('submit', (event) => {
            const submitter = event.submitter;
            // Approve, or with number matching a number button (picking a number is the approval).
            const approving = (submitter?.name === 'Decision' && submitter.value === 'approve') || submitter?.name === 'Number';
            if (!approving) {
                return;
            }
            event.preventDefault();
            if (!this.busy) {
                this.busy = true;
                this.approveWithPasskey(form, submitter);
            }
        });
    }

    async approveWithPasskey(form, submitter) {
        try {
            if (!supportsPasskeys) {
                throw new Error('This browser cannot use passkeys.');
            }
            const options = PublicKeyCredential.parseRequestOptionsFromJSON(JSON.parse(this.getAttribute('options')));
            const credential = await navigator.credentials.get({ publicKey: options });
            setField(form, 'PasskeyCredentialJson', JSON.stringify(credential));
        } catch (error) {
            setField(form, 'PasskeyError', error.name === 'NotAllowedError'
                ? 'No passkey was provided by the authenticator.'
                : (error.message || String(error)));
        }
        // form.submit() sends no submitter: the decision (or the number picked) goes as a field of its own.
        if (submitter.name === 'Number') {
            setField(form, 'Number', submitter.value);
        } else {
            setField(form, 'Decision', 'approve');
        }
        form.submit();
    }
});

function setField(form, name, value) {
    let input = form.querySelector(`input[type=hidden][name="${name}"]`);
    if (!input) {
        input = document.createElement('input');
        input.type = 'hidden';
        input.name = name;
        form.append(input);
    }
    input.value = value;
}
