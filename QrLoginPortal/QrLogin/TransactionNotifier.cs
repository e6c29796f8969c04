using QrLoginPortal.Data;

namespace QrLoginPortal.QrLogin;

/// <summary>
/// What a waiter learns when a transaction changes. Carries no secret; the waiting page shows none of it but the
/// state. The rest is for server-side subscribers (the admin's live table), so they can merge the change
/// without reading the transaction again.
/// </summary>
/// <param name="CancelledByAdmin">A FAILED that an administrator caused (not the phone's Deny): the waiting page says so.</param>
/// <param name="UserId">Who approved or denied it (with those two changes only).</param>
/// <param name="Created">With the creation only: what the live table shows of a new code.</param>
/// <param name="WrongNumber">A FAILED because the phone picked a number the page did not show (suspected phishing): the waiting page says so.</param>
public sealed record QrTransactionChanged(Guid Id, QrTransactionState State, bool Scanned, DateTimeOffset At, bool CancelledByAdmin = false,
    string? UserId = null, QrTransactionCreated? Created = null, bool WrongNumber = false);

/// <summary>What is known of a code from its creation on (no secret).</summary>
public sealed record QrTransactionCreated(DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, string? RequesterIp, string? RequesterUserAgent);

/// <summary>
/// Pushes state changes to whoever waits on a transaction. Keyed by transaction id, so a change
/// reaches only the page (or long poll) that started it. A state change calls
/// <see cref="AnnounceAsync"/> inside its database transaction (other nodes hear of it exactly when it
/// commits) and <see cref="PublishAsync"/> after the commit (this node's waiters, at once):
/// <see cref="InProcessTransactionNotifier"/> for one node (SQLite), <see cref="PostgresTransactionNotifier"/>
/// for several nodes on one PostgreSQL database.
/// </summary>
public interface ITransactionNotifier
{
    /// <summary>Calls <paramref name="handler"/> for every change of <paramref name="transactionId"/> until the returned handle is disposed.</summary>
    IDisposable Subscribe(Guid transactionId, Func<QrTransactionChanged, Task> handler);

    /// <summary>Tells this node's waiters of a committed change; returns without waiting for them.</summary>
    Task PublishAsync(QrTransactionChanged change);

    /// <summary>
    /// Tells the other nodes of <paramref name="change"/> as part of <paramref name="db"/>'s open
    /// transaction: they hear of it when, and only when, it commits (nothing to do on one node).
    /// </summary>
    Task AnnounceAsync(ApplicationDbContext db, QrTransactionChanged change, CancellationToken ct = default);

    /// <summary>Calls <paramref name="handler"/> for every change of every transaction (the admin's live table).</summary>
    IDisposable SubscribeAll(Func<QrTransactionChanged, Task> handler);

    /// <summary>How many subscriptions are live: a waiting page that went away must not leave one behind.</summary>
    int SubscriptionCount { get; }

    /// <summary>
    /// What a stopping node cancels. Null on a node of its own: every pending code is its own. With other
    /// nodes on the database: the transactions this node's pages and long polls wait on (a snapshot); the
    /// rest stay approvable on the nodes that stay.
    /// </summary>
    IReadOnlyCollection<Guid>? LocalWaitsWhenShared { get; }
}

/// <summary>The transaction notifier of one node, on the portal's <see cref="KeyedNotifier{TKey, TMessage}"/>.</summary>
/// <param name="clock">This node's clock, for the approve-to-push latency (the system clock when not given).</param>
public sealed class InProcessTransactionNotifier(ILogger<InProcessTransactionNotifier> logger, TimeProvider? clock = null) : ITransactionNotifier
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    // Subscribers of every transaction live under the empty id.
    private static readonly Guid AllTransactions = Guid.Empty;

    private readonly KeyedNotifier<Guid, QrTransactionChanged> _notifier = new(logger);

    public int SubscriptionCount => _notifier.SubscriptionCount;

    public IDisposable SubscribeAll(Func<QrTransactionChanged, Task> handler) => _notifier.Subscribe(AllTransactions, handler);

    public IDisposable Subscribe(Guid transactionId, Func<QrTransactionChanged, Task> handler) => _notifier.Subscribe(transactionId, handler);

    /// <summary>Whether a page or long poll here waits on <paramref name="transactionId"/>.</summary>
    public bool IsWaitedOn(Guid transactionId) => _notifier.HasSubscribers(transactionId);

    /// <summary>Whether a live table here watches every transaction.</summary>
    public bool IsWatchedAll => _notifier.HasSubscribers(AllTransactions);

    /// <summary>The transactions pages or long polls here wait on (a snapshot).</summary>
    public IEnumerable<Guid> WaitedOn => _notifier.Keys.Where(id => id != AllTransactions);

    /// <summary>One node: nobody else to tell.</summary>
    public Task AnnounceAsync(ApplicationDbContext db, QrTransactionChanged change, CancellationToken ct = default) => Task.CompletedTask;

    /// <summary>One node: every pending code is this node's.</summary>
    public IReadOnlyCollection<Guid>? LocalWaitsWhenShared => null;

    /// <summary>
    /// Starts every subscriber's handler and returns without waiting for them: an approval or the
    /// sweeper must not wait on a slow browser. Failures are logged, never thrown back.
    /// </summary>
    public Task PublishAsync(QrTransactionChanged change)
    {
        if (change.State == QrTransactionState.Success && _notifier.HasSubscribers(change.Id))
        {
            // Once per approval and node where someone waits on it; never below zero when clocks drift apart.
            PortalMeter.ApproveToPush.Record(Math.Max(0, (_clock.GetUtcNow() - change.At).TotalSeconds));
        }

        _notifier.Publish(change.Id, change);
        _notifier.Publish(AllTransactions, change);
        return Task.CompletedTask;
    }
}

public static class TransactionNotifierExtensions
{
    /// <summary>
    /// The one way a state change is made and told: <paramref name="move"/> (a compare-and-set), its audit
    /// event and its announcement to the other nodes commit together in one database transaction, so a
    /// committed change is always audited and always heard, even when this node dies right after the
    /// commit; then this node's waiters are told, in process. False (nothing kept, nobody told) when
    /// <paramref name="move"/> found the transaction no longer movable.
    /// </summary>
    public static async Task<bool> CommitChangeAsync(this ITransactionNotifier notifier, ApplicationDbContext db, Func<Task<bool>> move,
        Audit.AuditEvent? audit, QrTransactionChanged change, CancellationToken ct)
    {
        // All or nothing: a savepoint per SaveChanges inside it would only cost round trips.
        db.Database.AutoSavepointsEnabled = false;
        await using (var transaction = await db.Database.BeginTransactionAsync(ct))
        {
            if (!await move())
            {
                return false;
            }

            if (audit is not null)
            {
                // A plain INSERT: EF Core's save would build it anew each time (issue 16).
                await RowInsert<Audit.AuditEvent>.For(db).InsertAsync(db, [audit], ct);
            }

            await notifier.AnnounceAsync(db, change, ct);
            await transaction.CommitAsync(ct);
        }

        if (audit is not null)
        {
            Audit.AuditCounters.Committed(audit);
        }

        await notifier.PublishAsync(change);
        return true;
    }
}
