using System.Collections.Concurrent;
using System.Collections.Immutable;

namespace QrLoginPortal.QrLogin;

/// <summary>What a waiter learns when a transaction changes. Carries no secret and no user data.</summary>
/// <param name="CancelledByAdmin">A FAILED that an administrator caused (not the phone's Deny): the waiting page says so.</param>
public sealed record QrTransactionChanged(Guid Id, QrTransactionState State, bool Scanned, DateTimeOffset At, bool CancelledByAdmin = false);

/// <summary>
/// Pushes state changes to whoever waits on a transaction. Keyed by transaction id, so a change
/// reaches only the page (or long poll) that started it. In-process today; another node's bus can
/// implement this interface later.
/// </summary>
public interface ITransactionNotifier
{
    /// <summary>Calls <paramref name="handler"/> for every change of <paramref name="transactionId"/> until the returned handle is disposed.</summary>
    IDisposable Subscribe(Guid transactionId, Func<QrTransactionChanged, Task> handler);

    Task PublishAsync(QrTransactionChanged change);

    /// <summary>Calls <paramref name="handler"/> for every change of every transaction (the admin's live table).</summary>
    IDisposable SubscribeAll(Func<QrTransactionChanged, Task> handler);

    /// <summary>How many subscriptions are live: a waiting page that went away must not leave one behind.</summary>
    int SubscriptionCount { get; }
}

public sealed class InProcessTransactionNotifier(ILogger<InProcessTransactionNotifier> logger) : ITransactionNotifier
{
    // Subscribers of every transaction live under the empty id.
    private static readonly Guid AllTransactions = Guid.Empty;

    private readonly ConcurrentDictionary<Guid, ImmutableArray<Subscription>> _subscriptions = new();

    public int SubscriptionCount => _subscriptions.Values.Sum(s => s.Length);

    public IDisposable SubscribeAll(Func<QrTransactionChanged, Task> handler) => Subscribe(AllTransactions, handler);

    public IDisposable Subscribe(Guid transactionId, Func<QrTransactionChanged, Task> handler)
    {
        var subscription = new Subscription(this, transactionId, handler);
        _subscriptions.AddOrUpdate(transactionId, [subscription], (_, existing) => existing.Add(subscription));
        return subscription;
    }

    /// <summary>
    /// Starts every subscriber's handler and returns without waiting for them: an approval or the
    /// sweeper must not wait on a slow browser. Failures are logged, never thrown back.
    /// </summary>
    public Task PublishAsync(QrTransactionChanged change)
    {
        foreach (var key in new[] { change.Id, AllTransactions })
        {
            if (_subscriptions.TryGetValue(key, out var subscribers))
            {
                foreach (var subscriber in subscribers)
                {
                    _ = DeliverAsync(subscriber, change);
                }
            }
        }

        return Task.CompletedTask;
    }

    private async Task DeliverAsync(Subscription subscriber, QrTransactionChanged change)
    {
        try
        {
            await subscriber.Handler(change);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "A subscriber of QR transaction {TransactionId} failed", change.Id);
        }
    }

    private void Remove(Subscription subscription)
    {
        while (_subscriptions.TryGetValue(subscription.TransactionId, out var existing))
        {
            var updated = existing.Remove(subscription);
            var done = updated.IsEmpty
                ? _subscriptions.TryRemove(new KeyValuePair<Guid, ImmutableArray<Subscription>>(subscription.TransactionId, existing))
                : _subscriptions.TryUpdate(subscription.TransactionId, updated, existing);
            if (done)
            {
                return;
            }
        }
    }

    private sealed class Subscription(InProcessTransactionNotifier owner, Guid transactionId, Func<QrTransactionChanged, Task> handler) : IDisposable
    {
        private int _disposed;

        public Guid TransactionId => transactionId;
        public Func<QrTransactionChanged, Task> Handler => handler;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Remove(this);
            }
        }
    }
}
