using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using QrLoginPortal.Data;

namespace QrLoginPortal.QrLogin;

/// <summary>
/// The transaction notifier of a node among several on one PostgreSQL database. This node's waiters
/// are told in process right after the commit (no round trip); the other nodes through
/// <c>pg_notify</c> sent inside the transaction of the change, so a committed change reaches them even
/// when this node dies right after its commit. The notification carries only the transaction id and
/// the sending node; a node that hears it and has a waiter on that id reads the row (the one truth)
/// and tells its waiters. After a lost listening connection every waited-on row is read again.
/// </summary>
public sealed class PostgresTransactionNotifier(
    IDbContextFactory<ApplicationDbContext> dbFactory,
    ILogger<InProcessTransactionNotifier> localLogger,
    ILogger<PostgresTransactionNotifier> logger,
    TimeProvider? clock = null) : ITransactionNotifier, IPostgresChannel
{
    public const string ChannelName = "qrlogin_transactions";

    // Rows at most per re-read after a reconnect, for a live table that watches everything.
    private const int MaxReread = 1000;

    private readonly InProcessTransactionNotifier _local = new(localLogger, clock);

    // Tells this node's own notifications from others' (its waiters were told in process already). Not a secret.
    private readonly string _node = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    // How far each waited-on transaction has been told here (0 pending, 1 scanned, 2 finished): a row
    // read after one notification may already show the next change, and its own notification must
    // not tell a page "approved" twice.
    private readonly ConcurrentDictionary<Guid, int> _told = new();

    public string Channel => ChannelName;

    public int SubscriptionCount => _local.SubscriptionCount;

    public IDisposable Subscribe(Guid transactionId, Func<QrTransactionChanged, Task> handler) => _local.Subscribe(transactionId, handler);

    public IDisposable SubscribeAll(Func<QrTransactionChanged, Task> handler) => _local.SubscribeAll(handler);

    public IReadOnlyCollection<Guid>? LocalWaitsWhenShared => [.. _local.WaitedOn];

    public Task PublishAsync(QrTransactionChanged change)
    {
        Tell(change);
        return Task.CompletedTask;
    }

    public Task AnnounceAsync(ApplicationDbContext db, QrTransactionChanged change, CancellationToken ct = default) =>
        PostgresListener.NotifyAsync(db, ChannelName, $"{change.Id} {_node}", ct);

    public void OnNotification(string payload)
    {
        var parts = payload.Split(' ');
        if (parts.Length != 2 || parts[1] == _node || !Guid.TryParse(parts[0], out var id))
        {
            return;
        }

        if (_local.IsWaitedOn(id) || _local.IsWatchedAll)
        {
            _ = RereadAsync([id], since: null, CancellationToken.None);
        }
    }

    public Task OnListeningAgainAsync(DateTimeOffset since, CancellationToken ct)
    {
        var waited = _local.WaitedOn.ToList();
        var watchedAll = _local.IsWatchedAll;
        return waited.Count == 0 && !watchedAll ? Task.CompletedTask : RereadAsync(waited, watchedAll ? since : null, ct);
    }

    private async Task RereadAsync(List<Guid> ids, DateTimeOffset? since, CancellationToken ct)
    {
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var rows = await db.QrTransactions.AsNoTracking()
                .Where(t => ids.Contains(t.Id) || (since != null && t.UpdatedAt >= since))
                .OrderBy(t => t.UpdatedAt).Take(MaxReread)
                .Select(t => new { t.Id, t.State, t.ScannedAt, t.UpdatedAt, t.UserId, t.CreatedAt, t.ExpiresAt, t.RequesterIp, t.RequesterUserAgent })
                .ToListAsync(ct);
            foreach (var t in rows)
            {
                // The row has no "cancelled by whom": a FAILED nobody answered was cancelled, and a page
                // whose own browser cancelled it has already let go of it.
                Tell(new QrTransactionChanged(t.Id, t.State, t.ScannedAt != null, t.UpdatedAt,
                    CancelledByAdmin: t.State == QrTransactionState.Failed && t.UserId == null,
                    UserId: t.State == QrTransactionState.Pending ? null : t.UserId,
                    Created: new QrTransactionCreated(t.CreatedAt, t.ExpiresAt, t.RequesterIp, t.RequesterUserAgent)));
            }
        }
        catch (Exception ex) when (since is null && ex is not OperationCanceledException)
        {
            // One missed notification; the page still expires and a reconnect reads it again.
            logger.LogWarning(ex, "Could not read a transaction another node changed");
        }
    }

    private void Tell(QrTransactionChanged change)
    {
        var progress = change.State != QrTransactionState.Pending ? 2 : change.Scanned ? 1 : 0;
        if (_local.IsWaitedOn(change.Id))
        {
            while (true)
            {
                if (_told.TryGetValue(change.Id, out var told))
                {
                    if (told >= progress)
                    {
                        return;
                    }

                    if (_told.TryUpdate(change.Id, progress, told))
                    {
                        break;
                    }
                }
                else if (_told.TryAdd(change.Id, progress))
                {
                    break;
                }
            }

            if (_told.Count > 256 + (2 * _local.SubscriptionCount))
            {
                foreach (var id in _told.Keys.Where(id => !_local.IsWaitedOn(id)))
                {
                    _told.TryRemove(id, out _);
                }
            }
        }
        else
        {
            _told.TryRemove(change.Id, out _);
        }

        _local.PublishAsync(change);
    }
}
