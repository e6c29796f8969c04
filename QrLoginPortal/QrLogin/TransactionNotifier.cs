namespace QrLoginPortal.QrLogin;

/// <summary>
/// What a waiter learns when a transaction changes. Carries no secret; the waiting page shows none of it but the
/// state. The rest is for server-side subscribers (the admin's live table), so they can merge the change
/// without reading the transaction again.
/// </summary>
/// <param name="CancelledByAdmin">A FAILED that an administrator caused (not the phone's Deny): the waiting page says so.</param>
/// <param name="UserId">Who approved or denied it (with those two changes only).</param>
/// <param name="Created">With the creation only: what the live table shows of a new code.</param>
public sealed record QrTransactionChanged(Guid Id, QrTransactionState State, bool Scanned, DateTimeOffset At, bool CancelledByAdmin = false,
    string? UserId = null, QrTransactionCreated? Created = null);

/// <summary>What is known of a code from its creation on (no secret).</summary>
public sealed record QrTransactionCreated(DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, string? RequesterIp, string? RequesterUserAgent);

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

/// <summary>The transaction notifier of one node, on the portal's <see cref="KeyedNotifier{TKey, TMessage}"/>.</summary>
public sealed class InProcessTransactionNotifier(ILogger<InProcessTransactionNotifier> logger) : ITransactionNotifier
{
    // Subscribers of every transaction live under the empty id.
    private static readonly Guid AllTransactions = Guid.Empty;

    private readonly KeyedNotifier<Guid, QrTransactionChanged> _notifier = new(logger);

    public int SubscriptionCount => _notifier.SubscriptionCount;

    public IDisposable SubscribeAll(Func<QrTransactionChanged, Task> handler) => _notifier.Subscribe(AllTransactions, handler);

    public IDisposable Subscribe(Guid transactionId, Func<QrTransactionChanged, Task> handler) => _notifier.Subscribe(transactionId, handler);

    /// <summary>
    /// Starts every subscriber's handler and returns without waiting for them: an approval or the
    /// sweeper must not wait on a slow browser. Failures are logged, never thrown back.
    /// </summary>
    public Task PublishAsync(QrTransactionChanged change)
    {
        _notifier.Publish(change.Id, change);
        _notifier.Publish(AllTransactions, change);
        return Task.CompletedTask;
    }
}
