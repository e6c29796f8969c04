using Microsoft.EntityFrameworkCore;
using QrLoginPortal.Data;

namespace QrLoginPortal.QrLogin;

/// <summary>
/// A few contexts whose connections stay open between the engine's short operations (an approval, a ticket, a
/// redemption), each used by one operation at a time. A context rented from EF Core's pool opens its connection
/// and closes it again when returned; on SQLite that open and close took about a quarter of the CPU of each such
/// step (issue 16: Microsoft.Data.Sqlite registers EF Core's SQL functions again on the pooled native connection at
/// every open and removes them at every close). Only a context left as it was rented comes back here: no
/// transaction, nothing tracked, its connection open; anything else (a failed or broken connection) is disposed,
/// and the next operation starts on a fresh one, as it does after <see cref="Lease.Discard"/>.
/// </summary>
internal sealed class OpenContexts(IDbContextFactory<ApplicationDbContext> dbFactory, int maxIdle = OpenContexts.MaxIdle) : IDisposable
{
    /// <summary>Most idle contexts kept by default (each holds a connection): beyond, a returned one is disposed.</summary>
    internal const int MaxIdle = 4;

    private readonly Lock _gate = new();
    private readonly Stack<ApplicationDbContext> _idle = new();
    private bool _disposed;

    /// <summary>How many contexts wait with an open connection (for tests).</summary>
    internal int Idle
    {
        get
        {
            lock (_gate)
            {
                return _idle.Count;
            }
        }
    }

    /// <summary>A context with its connection open, for one operation; dispose the lease when done.</summary>
    public async Task<Lease> RentAsync(CancellationToken ct)
    {
        lock (_gate)
        {
            if (_idle.TryPop(out var idle))
            {
                return new Lease(this, idle);
            }
        }

        var db = await dbFactory.CreateDbContextAsync(ct);
        try
        {
            // All or nothing per operation: a savepoint per statement would only cost round trips.
            db.Database.AutoSavepointsEnabled = false;
            await db.Database.OpenConnectionAsync(ct);
            return new Lease(this, db);
        }
        catch
        {
            await db.DisposeAsync();
            throw;
        }
    }

    private async ValueTask ReturnAsync(ApplicationDbContext db, bool discarded)
    {
        if (!discarded && db.Database.CurrentTransaction is null && !db.ChangeTracker.HasChanges()
            && db.Database.GetDbConnection().State == System.Data.ConnectionState.Open)
        {
            db.ChangeTracker.Clear();
            lock (_gate)
            {
                if (!_disposed && _idle.Count < maxIdle)
                {
                    _idle.Push(db);
                    return;
                }
            }
        }

        await db.DisposeAsync();
    }

    /// <summary>Closes the idle connections; contexts in use are closed when returned.</summary>
    public void Dispose()
    {
        List<ApplicationDbContext> idle;
        lock (_gate)
        {
            _disposed = true;
            idle = [.. _idle];
            _idle.Clear();
        }

        idle.ForEach(db => db.Dispose());
    }

    /// <summary>One operation's context; disposing it hands the context back (or closes it).</summary>
    public sealed class Lease(OpenContexts owner, ApplicationDbContext db) : IAsyncDisposable
    {
        private int _returned;
        private bool _discarded;

        public ApplicationDbContext Db { get; } = db;

        /// <summary>Closes the context when the lease ends instead of keeping it (its operation failed).</summary>
        public void Discard() => _discarded = true;

        // Once: a context handed back twice would serve two operations at a time.
        public ValueTask DisposeAsync() => Interlocked.Exchange(ref _returned, 1) == 0 ? owner.ReturnAsync(Db, _discarded) : ValueTask.CompletedTask;
    }
}
