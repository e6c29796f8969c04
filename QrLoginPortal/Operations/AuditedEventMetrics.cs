using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using QrLoginPortal.Audit;
using QrLoginPortal.Sessions;

namespace QrLoginPortal.Operations;

/// <summary>
/// Counts what the audit log records, when it is committed: every transition of a code and every
/// sign-in already writes an audit row (or a session row) in the same save, so counting those rows
/// here keeps the metrics and the audit log in step without a second call in every feature. A save inside an
/// explicit transaction (a state change with its audit row and its announcement) is counted when that transaction
/// commits, and not at all when it rolls back.
/// </summary>
public sealed class AuditedEventMetrics : SaveChangesInterceptor, IDbTransactionInterceptor
{
    // What a save is about to commit, per context, counted once the commit succeeded.
    private readonly ConditionalWeakTable<DbContext, List<Action>> _pending = [];

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Collect(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result,
        CancellationToken cancellationToken = default)
    {
        Collect(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        CountUnlessInTransaction(eventData.Context);
        return result;
    }

    public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        CountUnlessInTransaction(eventData.Context);
        return ValueTask.FromResult(result);
    }

    // A transaction EF opens for one save of its own has committed before SavedChanges (counted there or here,
    // once); an explicit one commits later.
    public void TransactionCommitted(System.Data.Common.DbTransaction transaction, TransactionEndEventData eventData) => Count(eventData.Context);

    public Task TransactionCommittedAsync(System.Data.Common.DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Count(eventData.Context);
        return Task.CompletedTask;
    }

    public void TransactionRolledBack(System.Data.Common.DbTransaction transaction, TransactionEndEventData eventData) => Forget(eventData.Context);

    public Task TransactionRolledBackAsync(System.Data.Common.DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Forget(eventData.Context);
        return Task.CompletedTask;
    }

    public void TransactionFailed(System.Data.Common.DbTransaction transaction, TransactionErrorEventData eventData) => Forget(eventData.Context);

    public Task TransactionFailedAsync(System.Data.Common.DbTransaction transaction, TransactionErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Forget(eventData.Context);
        return Task.CompletedTask;
    }

    public override void SaveChangesFailed(DbContextErrorEventData eventData) => Forget(eventData.Context);

    public override Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Forget(eventData.Context);
        return Task.CompletedTask;
    }

    public override void SaveChangesCanceled(DbContextEventData eventData) => Forget(eventData.Context);

    public override Task SaveChangesCanceledAsync(DbContextEventData eventData, CancellationToken cancellationToken = default)
    {
        Forget(eventData.Context);
        return Task.CompletedTask;
    }

    private void Collect(DbContext? context)
    {
        if (context is null)
        {
            return;
        }

        var counts = new List<Action>();
        foreach (var entry in context.ChangeTracker.Entries())
        {
            if (entry.State != EntityState.Added)
            {
                continue;
            }

            switch (entry.Entity)
            {
                case AuditEvent audit when AuditCounters.Of(audit) is { } counter:
                    counts.Add(() => counter.Add(1));
                    break;
                case UserSession session:
                    var method = session.Method;
                    counts.Add(() => PortalMeter.SignIns.Add(1, new KeyValuePair<string, object?>("method", method)));
                    break;
            }
        }

        if (counts.Count > 0)
        {
            // Several saves in one transaction add up until it commits.
            _pending.GetOrCreateValue(context).AddRange(counts);
        }
    }

    private void CountUnlessInTransaction(DbContext? context)
    {
        if (context?.Database.CurrentTransaction is null)
        {
            Count(context);
        }
    }

    private void Count(DbContext? context)
    {
        if (context is not null && _pending.TryGetValue(context, out var counts))
        {
            _pending.Remove(context);
            counts.ForEach(count => count());
        }
    }

    private void Forget(DbContext? context)
    {
        if (context is not null)
        {
            _pending.Remove(context);
        }
    }
}
