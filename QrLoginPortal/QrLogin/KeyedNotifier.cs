using System.Collections.Concurrent;
using System.Collections.Immutable;

namespace QrLoginPortal.QrLogin;

/// <summary>
/// The portal's one in-process push: handlers subscribe under a key (a transaction id, a user id) and
/// every message published under that key reaches them. Publishing starts every handler and returns
/// without waiting, so an approval or a sign-out never waits on a slow page; a failing handler is
/// logged, never thrown back. <see cref="ITransactionNotifier"/> and <see cref="Sessions.ISessionNotifier"/>
/// are built on it for one node; another node's bus implements those interfaces instead.
/// </summary>
public sealed class KeyedNotifier<TKey, TMessage>(ILogger logger, IEqualityComparer<TKey>? comparer = null) where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, ImmutableArray<Subscription>> _subscriptions = new(comparer);

    /// <summary>How many subscriptions are live: a page that went away must not leave one behind.</summary>
    public int SubscriptionCount => _subscriptions.Values.Sum(s => s.Length);

    /// <summary>Whether anyone here waits on <paramref name="key"/>: another node's change is worth reading only then.</summary>
    public bool HasSubscribers(TKey key) => _subscriptions.ContainsKey(key);

    /// <summary>The keys someone here waits on (a snapshot): what a node re-reads after it missed changes.</summary>
    public IReadOnlyList<TKey> Keys => [.. _subscriptions.Keys];

    /// <summary>Calls <paramref name="handler"/> for every message published under <paramref name="key"/> until the handle is disposed.</summary>
    public IDisposable Subscribe(TKey key, Func<TMessage, Task> handler)
    {
        var subscription = new Subscription(this, key, handler);
        _subscriptions.AddOrUpdate(key, [subscription], (_, existing) => existing.Add(subscription));
        return subscription;
    }

    /// <summary>Starts the handlers subscribed under <paramref name="key"/> with <paramref name="message"/>; does not wait for them.</summary>
    public void Publish(TKey key, TMessage message)
    {
        if (_subscriptions.TryGetValue(key, out var subscribers))
        {
            foreach (var subscriber in subscribers)
            {
                _ = DeliverAsync(subscriber, message);
            }
        }
    }

    private async Task DeliverAsync(Subscription subscriber, TMessage message)
    {
        try
        {
            await subscriber.Handler(message);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "A subscriber of {Key} failed to handle {Message}", subscriber.Key, typeof(TMessage).Name);
        }
    }

    private void Remove(Subscription subscription)
    {
        while (_subscriptions.TryGetValue(subscription.Key, out var existing))
        {
            var updated = existing.Remove(subscription);
            var done = updated.IsEmpty
                ? _subscriptions.TryRemove(new KeyValuePair<TKey, ImmutableArray<Subscription>>(subscription.Key, existing))
                : _subscriptions.TryUpdate(subscription.Key, updated, existing);
            if (done)
            {
                return;
            }
        }
    }

    private sealed class Subscription(KeyedNotifier<TKey, TMessage> owner, TKey key, Func<TMessage, Task> handler) : IDisposable
    {
        private int _disposed;

        public TKey Key => key;
        public Func<TMessage, Task> Handler => handler;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Remove(this);
            }
        }
    }
}
