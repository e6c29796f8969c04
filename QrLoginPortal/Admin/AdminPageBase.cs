using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;

namespace QrLoginPortal.Admin;

/// <summary>What every admin page needs: who acts, and one way to run an action so a refusal or a failure becomes a message.</summary>
public abstract class AdminPageBase : Components.InteractivePageBase
{
    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;
    [Inject] private SignIn.CircuitClient Client { get; set; } = default!;
    [Inject] private ILoggerFactory LoggerFactory { get; set; } = default!;
    [Inject] private MudBlazor.IDialogService Dialogs { get; set; } = default!;

    /// <summary>The last action's failure, shown by the page; null when fine.</summary>
    protected string? Error { get; set; }

    /// <summary>
    /// The acting admin: the circuit's user, and the address its connection came from (the admin's
    /// browser), both the circuit's own state rather than a request it does not have.
    /// </summary>
    protected async Task<AdminActor> ActorAsync() =>
        AdminActor.From((await AuthenticationState).User, Client.Ip);

    /// <summary>Runs an action; a lost admin role or an unexpected failure turns into <see cref="Error"/> instead of a broken circuit.</summary>
    protected async Task<bool> RunAsync(Func<AdminActor, Task> action)
    {
        Error = null;
        try
        {
            await action(await ActorAsync());
            return true;
        }
        catch (AdminAccessDeniedException ex)
        {
            Error = ex.Message;
        }
        catch (Exception ex)
        {
            LoggerFactory.CreateLogger(GetType()).LogError(ex, "An admin action failed");
            Error = "That did not work: the server could not complete it. Nothing was changed; try again.";
        }

        return false;
    }

    /// <summary>Asks before a destructive or mass action (<see cref="Components.Confirmations"/>); true only on confirm.</summary>
    protected Task<bool> ConfirmAsync(string title, string effect, string confirmText) =>
        Components.Confirmations.ConfirmAsync(Dialogs, title, effect, confirmText);

    /// <summary>Loads data for display; a failure becomes <see cref="Error"/>.</summary>
    protected async Task<bool> LoadAsync(Func<Task> load)
    {
        try
        {
            await load();
            return true;
        }
        catch (Exception ex)
        {
            LoggerFactory.CreateLogger(GetType()).LogError(ex, "An admin page could not load its data");
            Error = "Could not load the data. Try again in a moment.";
            return false;
        }
    }
}
