using System.Collections.Concurrent;
using System.Collections.Immutable;

namespace QrLoginPortal.Sessions;

/// <summary>Why a browser's session ended, as far as its open pages need to say so.</summary>
public enum SessionEndCause
{
    /// <summary>Signed out by the user (here or from another browser), by an administrator, or by a security change.</summary>
    SignedOut,

    /// <summary>An administrator locked the account.</summary>
    AccountLocked,
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
/// loses its page at once instead of at the next revalidation. Keyed by user id. In-process today;
/// another node's bus can implement this interface later (as <see cref="QrLogin.ITransactionNotifier"/>).
/// </summary>
public interface ISessionNotifier
{
    /// <summary>Calls <paramref name="handler"/> whenever sessions of <paramref name="userId"/> end, until the handle is disposed.</summary>
    IDisposable Subscribe(string userId, Func<SessionsEnded, Task> handler);

    Task PublishAsync(SessionsEnded ended);

    /// <summary>How many subscriptions are live: a closed page must not leave one behind.</summary>
    int SubscriptionCount { get; }
}

public sealed class InProcessSessionNotifier(ILogger<InProcessSessionNotifier> logger) : ISessionNotifier
{
    private readonly ConcurrentDictionary<string, ImmutableArray<Subscription>> _subscriptions = new(StringComparer.Ordinal);

    public int SubscriptionCount => _subscriptions.Values.Sum(s => s.Length);

    public IDisposable Subscribe(string userId, Func<SessionsEnded, Task> handler)
    {
        var subscription = new Subscription(this, userId, handler);
        _subscriptions.AddOrUpdate(userId, [subscription], (_, existing) => existing.Add(subscription));
        return subscription;
    }

    /// <summary>Starts every subscriber's handler and returns without waiting: ending a session must not wait on a slow page.</summary>
    public Task PublishAsync(SessionsEnded ended)
    {
        if (_subscriptions.TryGetValue(ended.UserId, out var subscribers))
        {
            foreach (var subscriber in subscribers)
            {
                _ = DeliverAsync(subscriber, ended);
            }
        }

        return Task.CompletedTask;
    }

    private async Task DeliverAsync(Subscription subscriber, SessionsEnded ended)
    {
        try
        {
            await subscriber.Handler(ended);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "A page watching its session failed to leave after sessions of a user ended");
        }
    }

    private void Remove(Subscription subscription)
    {
        while (_subscriptions.TryGetValue(subscription.UserId, out var existing))
        {
            var updated = existing.Remove(subscription);
            var done = updated.IsEmpty
                ? _subscriptions.TryRemove(new KeyValuePair<string, ImmutableArray<Subscription>>(subscription.UserId, existing))
                : _subscriptions.TryUpdate(subscription.UserId, updated, existing);
            if (done)
            {
                return;
            }
        }
    }

    private sealed class Subscription(InProcessSessionNotifier owner, string userId, Func<SessionsEnded, Task> handler) : IDisposable
    {
        private int _disposed;

        public string UserId => userId;
        public Func<SessionsEnded, Task> Handler => handler;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Remove(this);
            }
        }
    }
}
