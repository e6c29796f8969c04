using Microsoft.EntityFrameworkCore;
using QrLoginPortal.Audit;
using QrLoginPortal.Data;

namespace QrLoginPortal.QrLogin;

/// <summary>
/// Group commit of new transactions. The database takes one writer at a time (SQLite) and a commit costs as much
/// as several inserts, so creates that arrive while a batch is being written wait for the next batch and go in
/// one database transaction together: each row with its audit row and its announcement, exactly as alone. Each
/// caller returns after the commit that holds its row, then its waiters here are told. A caller finding no batch
/// under way writes its own at once (one caller pays no hand-off); a batch that fails is written again row by row,
/// so a row that cannot be stored (an lsi drawn twice) fails only its own caller.
/// The writer keeps one context with its connection open from batch to batch (only one batch is written at a time):
/// renting a context and opening and closing its connection for every batch took about a third of a lone create's
/// CPU (issue 16: SQLite's pooled connection registers EF Core's functions again at each open). A batch that fails
/// discards that context, so the next batch, or the row-by-row retry, starts on a fresh connection.
/// </summary>
internal sealed class QrCreationWriter(IDbContextFactory<ApplicationDbContext> dbFactory, ITransactionNotifier notifier) : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Queue<Creation> _queue = new();
    private readonly OpenContexts _context = new(dbFactory, maxIdle: 1);
    private bool _writing;

    /// <summary>How many creates wait for the batch under way (for tests).</summary>
    internal int Waiting
    {
        get
        {
            lock (_gate)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>Stores <paramref name="row"/> and <paramref name="audit"/> in one commit (maybe with other creates), then tells this node's waiters.</summary>
    /// <exception cref="DbUpdateException">The row could not be stored (e.g. its lsi or typed code is already taken).</exception>
    public Task WriteAsync(QrTransaction row, AuditEvent audit, QrTransactionChanged change)
    {
        var creation = new Creation(row, audit, change);
        bool lead;
        lock (_gate)
        {
            _queue.Enqueue(creation);
            lead = !_writing;
            _writing = true;
        }

        return lead ? LeadAsync(creation) : creation.Task;
    }

    private async Task LeadAsync(Creation own)
    {
        await WriteBatchAsync(TakeBatch());
        HandOver();
        await own.Task;
    }

    /// <summary>The creates queued meanwhile are written by the next batch, on a pool thread so the leader's caller returns now.</summary>
    private void HandOver()
    {
        lock (_gate)
        {
            if (_queue.Count == 0)
            {
                _writing = false;
                return;
            }
        }

        _ = Task.Run(async () =>
        {
            await WriteBatchAsync(TakeBatch());
            HandOver();
        });
    }

    private List<Creation> TakeBatch()
    {
        lock (_gate)
        {
            var batch = new List<Creation>(Math.Min(_queue.Count, RowInsert<QrTransaction>.MaxRows));
            while (batch.Count < RowInsert<QrTransaction>.MaxRows && _queue.TryDequeue(out var next))
            {
                batch.Add(next);
            }

            return batch;
        }
    }

    /// <summary>Never throws: every creation of <paramref name="batch"/> ends committed and told, or with its exception.</summary>
    private async Task WriteBatchAsync(List<Creation> batch)
    {
        try
        {
            await CommitAsync(batch);
        }
        catch (Exception) when (batch.Count > 1)
        {
            // Nothing of the batch was kept: each on its own, so only a row that cannot be stored fails.
            foreach (var creation in batch)
            {
                await WriteBatchAsync([creation]);
            }

            return;
        }
        catch (Exception e)
        {
            batch[0].TrySetException(e is DbUpdateException ? e : new DbUpdateException("A new transaction could not be stored.", e));
            return;
        }

        foreach (var creation in batch)
        {
            await notifier.PublishAsync(creation.Change);
            creation.TrySetResult();
        }
    }

    private async Task CommitAsync(List<Creation> batch)
    {
        // Not the callers' tokens: a batch holds other callers' rows too.
        await using var lease = await _context.RentAsync(CancellationToken.None);
        var db = lease.Db;
        try
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            await RowInsert<QrTransaction>.For(db).InsertAsync(db, batch.ConvertAll(c => c.Row), CancellationToken.None);
            await RowInsert<AuditEvent>.For(db).InsertAsync(db, batch.ConvertAll(c => c.Audit), CancellationToken.None);
            foreach (var creation in batch)
            {
                await notifier.AnnounceAsync(db, creation.Change);
            }

            await transaction.CommitAsync();
        }
        catch
        {
            // Whatever failed (a row, or the connection itself), the next batch starts on a fresh connection.
            lease.Discard();
            throw;
        }

        foreach (var creation in batch)
        {
            AuditCounters.Committed(creation.Audit);
        }
    }

    /// <summary>Closes the writer's connection now, or when the batch under way ends.</summary>
    public void Dispose() => _context.Dispose();

    private sealed class Creation(QrTransaction row, AuditEvent audit, QrTransactionChanged change)
        : TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public QrTransaction Row { get; } = row;
        public AuditEvent Audit { get; } = audit;
        public QrTransactionChanged Change { get; } = change;
    }
}
