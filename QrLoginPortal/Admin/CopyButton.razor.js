// The clipboard API needs a secure context (https or localhost); false tells the page to say so.
export async function copy(text) {
    try {
        await navigator.clipboard.writeText(text);
        return true;
    } catch {
        return false;
    }
}
