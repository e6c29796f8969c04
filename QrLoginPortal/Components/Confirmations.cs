using MudBlazor;

namespace QrLoginPortal.Components;

/// <summary>The one confirmation dialog of the portal, for the admin pages and a person's own pages alike.</summary>
public static class Confirmations
{
    /// <summary>
    /// Asks before a destructive or mass action. The effect names what will happen, with numbers,
    /// so the person decides on the consequence and not on a button label. True only on confirm.
    /// </summary>
    public static async Task<bool> ConfirmAsync(this IDialogService dialogs, string title, string effect, string confirmText) =>
        await dialogs.ShowMessageBoxAsync(title, effect, yesText: confirmText, cancelText: "Cancel") == true;
}
