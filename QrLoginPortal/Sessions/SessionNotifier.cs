using QrLoginPortal.Data;

namespace QrLoginPortal.Sessions;

/// <summary>Why a browser's session ended, as far as its open pages need to say so.</summary>
public enum SessionEndCause
{
    /// <summary>Signed out from another browser, by an administrator, or by a security change.</summary>
    SignedOut,

    /// <summary>An administrator locked the account.</summary>
    AccountLocked,

    /// <summary>
    /// The browser signed itself out (its "Sign out"). Its open pages go where the sign-out's own answer
    /// goes, the plain "You are signed out", so whichever arrives first in the tab that clicked says the same.
    /// </summary>
    SignedOutHere,

    /// <summary>
    /// A new sign-in on the same browser replaced the session (its cookie now holds the new one). Its open pages load
    /// again where they are, under the new sign-in: nobody signed out.
    /// </summary>
    Replaced,
}

/// <summary>
/// Sessions of <paramref name="UserId"/> ended: one (<paramref name="SessionId"/>) or, when it is null, all of them.
/// Carries no secret and nothing about the browser.
/// </summary>
public sealed record SessionsEnded(string UserId, Guid? SessionId, SessionEndCause Cause)
{
    /// <summary>Whether the open page of session <paramref name="sessionId"/> must leave.</summary>
    public bool Ends(Guid sessionId) => SessionId is null || SessionId == sessionId;
}

/// <summary>
/// Tells the open interactive pages of a user that sessions of theirs ended, so a signed-out browser
/// loses its page at once instead of at the next revalidation. Keyed by user id. As
/// <see cref="QrLogin.ITransactionNotifier"/>: announced inside the database transaction that ends the
/// sessions (other nodes), published after its commit (this node).
/// </summary>
public interface ISessionNotifier
{
    /// <summary>Calls <paramref name="handler"/> whenever sessions of <paramref name="userId"/> end, until the handle is disposed.</summary>
    IDisposable Subscribe(string userId, Func<SessionsEnded, Task> handler);

    /// <summary>Tells this node's pages of committed ended sessions; returns without waiting for them.</summary>
    Task PublishAsync(SessionsEnded ended);

    /// <summary>Tells the other nodes of <paramref name="ended"/> as part of <paramref name="db"/>'s open transaction (nothing on one node).</summary>
    Task AnnounceAsync(ApplicationDbContext db, SessionsEnded ended, CancellationToken ct = default);

    /// <summary>How many subscriptions are live: a closed page must not leave one behind.</summary>
    int SubscriptionCount { get; }
}

/// <summary>The session notifier of one node, on the portal's <see cref="QrLogin.KeyedNotifier{TKey, TMessage}"/>, keyed by user id.</summary>
public sealed class InProcessSessionNotifier(ILogger<InProcessSessionNotifier> logger) : ISessionNotifier
{
    private readonly QrLogin.KeyedNotifier<string, SessionsEnded> _notifier = new(logger, StringComparer.Ordinal);

    public int SubscriptionCount => _notifier.SubscriptionCount;

    public IDisposable Subscribe(string userId, Func<SessionsEnded, Task> handler) => _notifier.Subscribe(userId, handler);

    /// <summary>Whether a page here belongs to <paramref name="userId"/>.</summary>
    public bool IsWaitedOn(string userId) => _notifier.HasSubscribers(userId);

    /// <summary>The users with a page open here (a snapshot).</summary>
    public IReadOnlyList<string> WaitedOn => _notifier.Keys;

    /// <summary>One node: nobody else to tell.</summary>
    public Task AnnounceAsync(ApplicationDbContext db, SessionsEnded ended, CancellationToken ct = default) => Task.CompletedTask;

    /// <summary>Starts every subscriber's handler and returns without waiting: ending a session must not wait on a slow page.</summary>
    public Task PublishAsync(SessionsEnded ended)
    {
        _notifier.Publish(ended.UserId, ended);
        return Task.CompletedTask;
    }
}
