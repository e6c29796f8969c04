using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using QrLoginPortal.Accounts;
using QrLoginPortal.Audit;
using QrLoginPortal.Data;
using QrLoginPortal.QrLogin;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.QrLogin;

/// <summary>
/// Creates that arrive while another create commits go in the next commit together (issue 16: SQLite takes one
/// writer at a time, and a commit costs as much as several inserts), each row still with its audit row, committed
/// before its caller returns, and told to its waiters after the commit.
/// </summary>
public sealed class GroupCommitTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly EngineFixture _engine = new();
    private readonly HeldCommits _commits = new();
    private readonly PooledDbContextFactory<ApplicationDbContext> _factory;

    public GroupCommitTests() =>
        _factory = _engine.FactoryWith(_commits);

    public void Dispose() => _engine.Dispose();

    [Fact]
    public async Task CreatesArrivingWhileACreateCommits_AreCommittedTogether_EachWithItsAuditRow_AndToldAfterTheCommit()
    {
        var engine = _engine.ServiceOn(_factory);
        var told = new List<QrTransactionChanged>();
        using var watching = _engine.Notifier.SubscribeAll(change =>
        {
            lock (told)
            {
                // Told only once committed: the row is there to be read.
                using var db = _engine.Database.CreateDbContext();
                Assert.True(db.QrTransactions.Any(t => t.Id == change.Id));
                told.Add(change);
            }

            return Task.CompletedTask;
        });
        _commits.HoldNext();
        var first = engine.CreateAsync(EngineFixture.Browser);
        await _commits.Holding.WaitAsync(Patience, TestContext.Current.CancellationToken);

        var others = Enumerable.Range(0, 7).Select(_ => engine.CreateAsync(EngineFixture.Browser)).ToList();
        Assert.True(SpinWait.SpinUntil(() => engine.CreatesWaitingForCommit == 7, Patience), "the other creates never waited for the commit under way");
        _commits.Release();
        var created = await Task.WhenAll(others.Prepend(first));

        Assert.Equal(2, _commits.Committed);
        await using var check = _engine.Database.CreateDbContext();
        Assert.Equal(created.Select(c => c.Id).Order(), (await check.QrTransactions.Select(t => t.Id).ToListAsync(TestContext.Current.CancellationToken)).Order());
        var audited = await check.AuditEvents.Where(e => e.Type == AuditTypes.QrCreate).ToListAsync(TestContext.Current.CancellationToken);
        Assert.Equal(created.Select(c => c.Id.ToString()).Order(), audited.Select(e => e.Subject).Order());
        Assert.All(audited, e => Assert.Equal(AuditOutcomes.Success, e.Outcome));
        Assert.True(SpinWait.SpinUntil(() => { lock (told) { return told.Count == 8; } }, Patience));
    }

    [Fact]
    public async Task ARowThatCannotBeStored_FailsOnlyItsOwnCaller_TheRestOfItsBatchIsCommitted()
    {
        var writer = new QrCreationWriter(_factory, _engine.Notifier);
        var taken = Row();
        await Write(writer, taken);
        _commits.HoldNext();
        var blocker = Row();
        var blocking = Write(writer, blocker);
        await _commits.Holding.WaitAsync(Patience, TestContext.Current.CancellationToken);

        var (before, collision, after) = (Row(), Row(lsiHash: taken.LsiHash), Row());
        var writes = new[] { Write(writer, before), Write(writer, collision), Write(writer, after) };
        Assert.True(SpinWait.SpinUntil(() => writer.Waiting == 3, Patience));
        _commits.Release();
        await blocking;

        await writes[0];
        await writes[2];
        await Assert.ThrowsAsync<DbUpdateException>(() => writes[1]);
        await using var check = _engine.Database.CreateDbContext();
        Assert.Equal(new[] { taken.Id, blocker.Id, before.Id, after.Id }.Order(),
            (await check.QrTransactions.Select(t => t.Id).ToListAsync(TestContext.Current.CancellationToken)).Order());
        Assert.Equal(new[] { taken.Id, blocker.Id, before.Id, after.Id }.Select(id => id.ToString()).Order(),
            (await check.AuditEvents.Where(e => e.Type == AuditTypes.QrCreate).Select(e => e.Subject).ToListAsync(TestContext.Current.CancellationToken)).Order());
    }

    [Fact]
    public async Task TheWriter_KeepsItsConnectionFromBatchToBatch_AndAfterAFailedBatch_StartsOnAFreshOne()
    {
        var opened = new OpenedConnections();
        var failing = new FailingAuditInsert();
        var factory = _engine.FactoryWith(opened, failing);
        using var writer = new QrCreationWriter(factory, _engine.Notifier);
        var (first, second, lost, third) = (Row(), Row(), Row(), Row());

        await Write(writer, first);
        await Write(writer, second);
        Assert.Equal(1, opened.Count);

        // The audit row of a lone create fails after its transaction row went in: nothing of it is kept.
        failing.FailNext();
        await Assert.ThrowsAsync<DbUpdateException>(() => Write(writer, lost));
        await Write(writer, third);
        Assert.Equal(2, opened.Count);

        await using var check = _engine.Database.CreateDbContext();
        Assert.Equal(new[] { first.Id, second.Id, third.Id }.Order(),
            (await check.QrTransactions.Select(t => t.Id).ToListAsync(TestContext.Current.CancellationToken)).Order());
        Assert.Equal(new[] { first.Id, second.Id, third.Id }.Select(id => id.ToString()).Order(),
            (await check.AuditEvents.Where(e => e.Type == AuditTypes.QrCreate).Select(e => e.Subject).ToListAsync(TestContext.Current.CancellationToken)).Order());
    }

    private Task Write(QrCreationWriter writer, QrTransaction row) =>
        writer.WriteAsync(row, _engine.Audit.Create(AuditTypes.QrCreate, AuditOutcomes.Success, subject: row.Id.ToString()),
            new QrTransactionChanged(row.Id, QrTransactionState.Pending, Scanned: false, row.CreatedAt));

    private QrTransaction Row(byte[]? lsiHash = null)
    {
        var now = _engine.Clock.GetUtcNow();
        return new QrTransaction
        {
            Id = Guid.CreateVersion7(),
            LsiHash = lsiHash ?? Secrets.Hash(Secrets.NewToken()),
            DsiHash = Secrets.Hash(Secrets.NewToken()),
            State = QrTransactionState.Pending,
            CreatedAt = now,
            UpdatedAt = now,
            ExpiresAt = now.AddMinutes(2),
        };
    }

    /// <summary>Fails the next INSERT of audit rows when asked, as a database refusing it would.</summary>
    private sealed class FailingAuditInsert : DbCommandInterceptor
    {
        private int _fail;

        public void FailNext() => Volatile.Write(ref _fail, 1);

        public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData,
            InterceptionResult<int> result, CancellationToken cancellationToken = default) =>
            command.CommandText.Contains("AuditEvents", StringComparison.Ordinal) && Interlocked.Exchange(ref _fail, 0) == 1
                ? throw new InvalidOperationException("The audit row could not be written.")
                : ValueTask.FromResult(result);
    }

    /// <summary>Counts commits, and holds the next one when asked until released (a commit under way).</summary>
    private sealed class HeldCommits : DbTransactionInterceptor
    {
        private TaskCompletionSource _holding = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _hold;
        private int _committed;

        public int Committed => Volatile.Read(ref _committed);

        public Task Holding => _holding.Task;

        public void HoldNext()
        {
            _holding = new(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _hold, 1);
        }

        public void Release() => _released.TrySetResult();

        public override async ValueTask<InterceptionResult> TransactionCommittingAsync(DbTransaction transaction, TransactionEventData eventData,
            InterceptionResult result, CancellationToken cancellationToken = default)
        {
            if (Interlocked.Exchange(ref _hold, 0) == 1)
            {
                _holding.TrySetResult();
                await _released.Task;
            }

            return result;
        }

        public override Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _committed);
            return Task.CompletedTask;
        }
    }
}
