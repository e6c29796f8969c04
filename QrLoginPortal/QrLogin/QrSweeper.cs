using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using QrLoginPortal.Audit;
using QrLoginPortal.Data;

namespace QrLoginPortal.QrLogin;

/// <summary>
/// One background loop for the whole portal (not a timer per waiting page): marks overdue
/// transactions TIMEOUT, which pushes "expired" to their pages, and purges old finished rows.
/// </summary>
public sealed class QrSweeper(
    IDbContextFactory<ApplicationDbContext> dbFactory,
    ITransactionNotifier notifier,
    AuditLog audit,
    IOptions<QrLoginOptions> options,
    TimeProvider clock,
    ILogger<QrSweeper> logger) : BackgroundService
{
    private static readonly TimeSpan PurgeEvery = TimeSpan.FromMinutes(10);

    /// <summary>Marks every overdue PENDING transaction TIMEOUT and tells its waiters. Returns how many expired.</summary>
    public async Task<int> ExpireOverdueAsync(CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var overdue = await db.QrTransactions.AsNoTracking().Where(QrTransaction.OverdueAt(now)).OrderBy(t => t.ExpiresAt).Select(t => t.Id).Take(1000).ToListAsync(ct);
        var expired = 0;
        foreach (var id in overdue)
        {
            // Each expiry commits with its audit row and its notification, as every state change does.
            if (await notifier.CommitChangeAsync(db,
                    () => QrTransaction.TryMoveAsync(db.QrTransactions.Where(t => t.Id == id).Where(QrTransaction.OverdueAt(now)),
                        QrTransactionState.Timeout, now, also: null, ct),
                    audit.Create(AuditTypes.QrExpire, AuditOutcomes.Success, subject: id.ToString()),
                    new QrTransactionChanged(id, QrTransactionState.Timeout, Scanned: false, now), ct))
            {
                expired++;
            }
        }

        return expired;
    }

    /// <summary>Deletes finished transactions last changed before <paramref name="retention"/> ago.</summary>
    public async Task<int> PurgeFinishedAsync(TimeSpan retention, CancellationToken ct = default)
    {
        var cutoff = clock.GetUtcNow() - retention;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.QrTransactions
            .Where(QrTransaction.IsFinished).Where(t => t.UpdatedAt < cutoff)
            .ExecuteDeleteAsync(ct);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var lastPurge = DateTimeOffset.MinValue;
        using var timer = new PeriodicTimer(options.Value.SweepInterval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await ExpireOverdueAsync(stoppingToken);
                if (clock.GetUtcNow() - lastPurge >= PurgeEvery)
                {
                    var purged = await PurgeFinishedAsync(options.Value.Retention, stoppingToken);
                    if (purged > 0)
                    {
                        logger.LogInformation("Purged {Count} finished QR transactions", purged);
                    }

                    lastPurge = clock.GetUtcNow();
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A busy database now is no reason to stop expiring codes for good.
                logger.LogWarning(ex, "The QR sweeper failed; it will try again");
            }
        }
    }
}
