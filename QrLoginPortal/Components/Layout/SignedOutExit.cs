using QrLoginPortal.Sessions;

namespace QrLoginPortal.Components.Layout;

/// <summary>
/// The one way an interactive page leaves because its browser's session is over. Two parts of a page
/// learn that: the <see cref="SignedOutWatcher"/> (told by the session notifier, with the cause) and the
/// route view, whose protected page turns "not authorized" when the circuit's user is replaced by a
/// signed-out one (Blazor does that when the circuit reconnects and the cookie no longer holds). Each
/// used to send its own full load; both arrive together after a reconnect and the last one won, so the
/// page landed on the sign-in page with or without the notice by chance. Now the route view hands the
/// leaving to the watcher, which navigates once, to the sign-in page that says why. One per circuit (scoped).
/// </summary>
public sealed class SignedOutExit
{
    private Func<SessionEndCause, Task>? _leave;

    /// <summary>Set by the watcher while it watches this circuit's session: how the page leaves.</summary>
    internal void WatchedBy(Func<SessionEndCause, Task>? leave) => _leave = leave;

    /// <summary>
    /// A page of a watched session finds its user signed out: the watcher takes it to the sign-in page
    /// (once, whoever asks first, with the cause it was told if it was). False when nothing watches, as for
    /// a browser that was never signed in: the caller then leaves by itself.
    /// </summary>
    public bool TryLeave()
    {
        if (_leave is not { } leave)
        {
            return false;
        }

        _ = leave(SessionEndCause.SignedOut);
        return true;
    }
}
