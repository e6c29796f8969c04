#if POSTGRES_TESTS
using System.Data.Common;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using QrLoginPortal.Audit;
using QrLoginPortal.Data;
using QrLoginPortal.QrLogin;
using QrLoginPortal.Sessions;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.MultiNode;

/// <summary>
/// Two nodes on one PostgreSQL database, as behind a reverse proxy: a browser (or an API client)
/// waits on node A while the phone, the administrator or the sweeper acts on node B. Each test
/// waits on the push itself; the guard timeout only turns a lost push into a failure instead of a hang.
/// </summary>
public sealed class CrossNodePushTests : IDisposable
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);
    private static readonly QrRequester Browser = new("203.0.113.10", "Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0 Safari/537.36", null);

    // Node B holds the database (a PortalFactory drops its own when disposed): node A may be stopped mid-test.
    private readonly PortalFactory _nodeB = new();
    private readonly CrashableNode _nodeA;

    public CrossNodePushTests() =>
        _nodeA = new CrashableNode { Settings = { ["ConnectionStrings:DefaultConnection"] = _nodeB.Database.ConnectionString } };

    [Fact]
    public async Task ThePhoneScansAndApprovesOnB_TheWaiterOnAIsPushedBoth()
    {
        await ListeningAsync(_nodeA, _nodeB);
        var created = await Engine(_nodeA).CreateAsync(Browser);
        var scanned = Waiter(_nodeA, created.Id, c => c.Scanned && c.State == QrTransactionState.Pending);
        var approved = Waiter(_nodeA, created.Id, c => c.State == QrTransactionState.Success);
        var userId = await _nodeB.UserIdAsync(PortalFactory.DemoEmail);

        Assert.NotNull(await Engine(_nodeB).OpenAsync(created.Lsi, userId, "198.51.100.7"));
        await scanned.WaitAsync(Guard);
        Assert.Equal(AttemptResult.Approved, await Engine(_nodeB).ApproveAsync(created.Lsi, userId, keepSignedIn: false, "198.51.100.7", "phone"));

        var push = await approved.WaitAsync(Guard);
        Assert.Equal(userId, push.UserId);
        Assert.NotNull(await _nodeA.Services.GetRequiredService<QrTicketService>().IssueTicketAsync(created.Id, created.Dsi));
    }

    [Fact]
    public async Task AnApiLongPollOnA_AnswersWhenBApproves()
    {
        await ListeningAsync(_nodeA, _nodeB);
        var created = await Engine(_nodeA).CreateAsync(Browser);
        var api = _nodeA.CreateClient();

        var poll = api.GetAsync($"/v2.0/factors/qr/authenticate/{created.Id}?dsi={created.Dsi}&wait=30");
        await _nodeA.Notifier.SubscribedAsync(created.Id).WaitAsync(Guard);
        await Engine(_nodeB).ApproveAsync(created.Lsi, await _nodeB.UserIdAsync(PortalFactory.DemoEmail), false, null, null);

        var answer = await (await poll.WaitAsync(Guard)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("SUCCESS", answer.GetProperty("state").GetString());
    }

    [Fact]
    public async Task AnAdministratorCancelsOnB_ThePageOnAIsToldItWasCancelled()
    {
        await ListeningAsync(_nodeA, _nodeB);
        var created = await Engine(_nodeA).CreateAsync(Browser);
        var cancelled = Waiter(_nodeA, created.Id, c => c.State == QrTransactionState.Failed);

        Assert.True(await Engine(_nodeB).CancelByAdminAsync(created.Id, await _nodeB.UserIdAsync(PortalFactory.AdminEmail), null));

        Assert.True((await cancelled.WaitAsync(Guard)).CancelledByAdmin);
    }

    [Fact]
    public async Task TheSweeperOfBExpiresACode_ThePageOnAIsToldItExpired()
    {
        await ListeningAsync(_nodeA, _nodeB);
        var created = await Engine(_nodeA).CreateAsync(Browser);
        var expired = Waiter(_nodeA, created.Id, c => c.State == QrTransactionState.Timeout);

        // B's sweeper loop may expire it on this tick before the call does: either way B expires it.
        _nodeB.Clock.Advance(TimeSpan.FromMinutes(10));
        await _nodeB.Services.GetRequiredService<QrSweeper>().ExpireOverdueAsync();

        await expired.WaitAsync(Guard);
    }

    [Fact]
    public async Task ACodeCreatedAndApprovedOnB_ShowsInTheLiveTableOnA()
    {
        await ListeningAsync(_nodeA, _nodeB);
        var seen = new List<QrTransactionChanged>();
        var approvedSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var _ = _nodeA.Services.GetRequiredService<ITransactionNotifier>().SubscribeAll(c =>
        {
            lock (seen)
            {
                seen.Add(c);
            }

            if (c.State == QrTransactionState.Success)
            {
                approvedSeen.TrySetResult();
            }

            return Task.CompletedTask;
        });

        var created = await Engine(_nodeB).CreateAsync(Browser);
        await Engine(_nodeB).ApproveAsync(created.Lsi, await _nodeB.UserIdAsync(PortalFactory.DemoEmail), false, null, null);

        await approvedSeen.Task.WaitAsync(Guard);
        lock (seen)
        {
            Assert.All(seen, c => Assert.Equal(created.Id, c.Id));
            Assert.Contains(seen, c => c.Created is { RequesterIp: "203.0.113.10" });
        }
    }

    [Fact]
    public async Task ASessionEndedOnB_ReachesTheOpenPagesOnA()
    {
        await ListeningAsync(_nodeA, _nodeB);
        var userId = await _nodeA.UserIdAsync(PortalFactory.DemoEmail);
        var sessionId = await _nodeA.Services.GetRequiredService<SessionStore>().StartAsync(userId, "pwd", false, null, null);
        var told = new TaskCompletionSource<SessionsEnded>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var _ = _nodeA.Services.GetRequiredService<ISessionNotifier>().Subscribe(userId, e => { told.TrySetResult(e); return Task.CompletedTask; });

        Assert.True(await _nodeB.Services.GetRequiredService<SessionStore>().EndAsync(sessionId, userId, "signed out", userId, null));

        var ended = await told.Task.WaitAsync(Guard);
        Assert.True(ended.Ends(sessionId));
    }

    [Fact]
    public async Task TheListeningConnectionIsKilled_AChangeMadeMeanwhileArrivesAfterTheReconnect_AndTheNextOneAsWell()
    {
        await ListeningAsync(_nodeA, _nodeB);
        var listener = _nodeA.Services.GetRequiredService<PostgresListener>();
        var userId = await _nodeB.UserIdAsync(PortalFactory.DemoEmail);
        var whileDown = await Engine(_nodeA).CreateAsync(Browser);
        var afterwards = await Engine(_nodeA).CreateAsync(Browser);
        var whileDownApproved = Waiter(_nodeA, whileDown.Id, c => c.State == QrTransactionState.Success);
        var afterwardsApproved = Waiter(_nodeA, afterwards.Id, c => c.State == QrTransactionState.Success);

        var lost = listener.Lost;
        await TerminateAsync(await listener.Listening);
        await lost.WaitAsync(Guard);
        Assert.Equal(AttemptResult.Approved, await Engine(_nodeB).ApproveAsync(whileDown.Lsi, userId, false, null, null));
        Assert.False(whileDownApproved.IsCompleted);
        var back = listener.Listening;
        // The reconnect waits out its back-off on node A's clock.
        _nodeA.Clock.Advance(TimeSpan.FromSeconds(1));
        await back.WaitAsync(Guard);

        await whileDownApproved.WaitAsync(Guard);
        await Engine(_nodeB).ApproveAsync(afterwards.Lsi, userId, false, null, null);
        await afterwardsApproved.WaitAsync(Guard);
    }

    [Fact]
    public async Task ASessionEndedOnBWhileAIsNotListening_ReachesTheOpenPagesOnAAfterTheReconnect()
    {
        await ListeningAsync(_nodeA, _nodeB);
        var listener = _nodeA.Services.GetRequiredService<PostgresListener>();
        var userId = await _nodeA.UserIdAsync(PortalFactory.DemoEmail);
        var sessionId = await _nodeA.Services.GetRequiredService<SessionStore>().StartAsync(userId, "pwd", false, null, null);
        var told = new TaskCompletionSource<SessionsEnded>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var _ = _nodeA.Services.GetRequiredService<ISessionNotifier>().Subscribe(userId, e => { told.TrySetResult(e); return Task.CompletedTask; });

        var lost = listener.Lost;
        await TerminateAsync(await listener.Listening);
        await lost.WaitAsync(Guard);
        Assert.True(await _nodeB.Services.GetRequiredService<SessionStore>().EndAsync(sessionId, userId, "signed out", userId, null));
        Assert.False(told.Task.IsCompleted);
        var back = listener.Listening;
        _nodeA.Clock.Advance(TimeSpan.FromSeconds(1));
        await back.WaitAsync(Guard);

        Assert.True((await told.Task.WaitAsync(Guard)).Ends(sessionId));
    }

    [Fact]
    public async Task AfterAReconnect_APageAlreadyToldOfItsApprovalIsNotToldAgain()
    {
        await ListeningAsync(_nodeA, _nodeB);
        var listener = _nodeA.Services.GetRequiredService<PostgresListener>();
        var created = await Engine(_nodeA).CreateAsync(Browser);
        var approvals = 0;
        var approved = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var _ = _nodeA.Services.GetRequiredService<ITransactionNotifier>().Subscribe(created.Id, c =>
        {
            if (c.State == QrTransactionState.Success)
            {
                Interlocked.Increment(ref approvals);
                approved.TrySetResult();
            }

            return Task.CompletedTask;
        });
        await Engine(_nodeB).ApproveAsync(created.Lsi, await _nodeB.UserIdAsync(PortalFactory.DemoEmail), false, null, null);
        await approved.Task.WaitAsync(Guard);

        var lost = listener.Lost;
        await TerminateAsync(await listener.Listening);
        await lost.WaitAsync(Guard);
        var back = listener.Listening;
        _nodeA.Clock.Advance(TimeSpan.FromSeconds(1));
        // Listening again only after it re-read what its waiters wait on (this approved code among them).
        await back.WaitAsync(Guard);

        Assert.Equal(1, approvals);
    }

    [Fact]
    public async Task NodeADiesRightAfterCommittingAnApproval_BHasTheApprovalItsAuditRowAndItsPush()
    {
        await ListeningAsync(_nodeA, _nodeB);
        var created = await Engine(_nodeB).CreateAsync(Browser);
        var approved = Waiter(_nodeB, created.Id, c => c.State == QrTransactionState.Success);
        var userId = await _nodeA.UserIdAsync(PortalFactory.DemoEmail);

        _nodeA.Crash.DieAfterTheApprovalCommits = true;
        try
        {
            await Engine(_nodeA).ApproveAsync(created.Lsi, userId, false, "198.51.100.7", "phone");
        }
        catch (Exception) when (_nodeA.Crash.Dead)
        {
            // Whatever node A still meant to do after its commit, it did not.
        }

        _nodeA.Dispose();

        Assert.Equal(QrTransactionState.Success, (await Engine(_nodeB).GetAsync(created.Id, created.Dsi))!.State);
        await using var db = _nodeB.Database.CreateDbContext();
        var id = created.Id.ToString();
        Assert.True(await db.AuditEvents.AnyAsync(e => e.Type == AuditTypes.QrApprove && e.Outcome == AuditOutcomes.Success && e.Subject == id && e.UserId == userId));
        await approved.WaitAsync(Guard);
    }

    [Fact]
    public async Task NodeAStops_ACodeWaitedOnByAPageOnB_StaysApprovable()
    {
        await ListeningAsync(_nodeA, _nodeB);
        var onB = await Engine(_nodeB).CreateAsync(Browser);
        var onA = await Engine(_nodeA).CreateAsync(Browser);
        var toldOnB = Waiter(_nodeB, onB.Id, c => c.State != QrTransactionState.Pending);
        var toldOnA = Waiter(_nodeA, onA.Id, c => c.State != QrTransactionState.Pending);

        // A graceful stop: node A cancels the codes of its own pages, which it can no longer serve.
        _nodeA.Dispose();

        Assert.Equal(QrTransactionState.Failed, (await toldOnA.WaitAsync(Guard)).State);
        Assert.Equal(QrTransactionState.Pending, (await Engine(_nodeB).GetAsync(onB.Id, onB.Dsi))!.State);
        Assert.Equal(AttemptResult.Approved,
            await Engine(_nodeB).ApproveAsync(onB.Lsi, await _nodeB.UserIdAsync(PortalFactory.DemoEmail), false, null, null));
        Assert.Equal(QrTransactionState.Success, (await toldOnB.WaitAsync(Guard)).State);
    }

    private static QrLoginService Engine(PortalFactory node) => node.Services.GetRequiredService<QrLoginService>();

    private static Task ListeningAsync(params PortalFactory[] nodes) =>
        Task.WhenAll(nodes.Select(n => n.Services.GetRequiredService<PostgresListener>().Listening)).WaitAsync(Guard);

    /// <summary>Completes with the first change of <paramref name="id"/> that node's waiters are told and <paramref name="matches"/> accepts.</summary>
    private static Task<QrTransactionChanged> Waiter(PortalFactory node, Guid id, Func<QrTransactionChanged, bool> matches)
    {
        var told = new TaskCompletionSource<QrTransactionChanged>(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscription = node.Services.GetRequiredService<ITransactionNotifier>().Subscribe(id, c =>
        {
            if (matches(c))
            {
                told.TrySetResult(c);
            }

            return Task.CompletedTask;
        });
        told.Task.ContinueWith(_ => subscription.Dispose(), TaskScheduler.Default);
        return told.Task;
    }

    private static async Task TerminateAsync(int processId) => Assert.True(await PostgresCluster.Instance.TerminateBackendAsync(processId));

    public void Dispose()
    {
        _nodeA.Dispose();
        _nodeB.Dispose();
    }

    private sealed class NodeDiedException() : InvalidOperationException("node A died");

    /// <summary>A node whose database access stops dead right after the commit that approved a transaction, as if its process was killed then.</summary>
    private sealed class CrashableNode : PortalFactory
    {
        public DiesAfterApproval Crash { get; } = new();

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureServices(services => services.ConfigureDbContext<ApplicationDbContext>(o => o.AddInterceptors(Crash)));
        }
    }

    private sealed class DiesAfterApproval : DbCommandInterceptor, IDbTransactionInterceptor
    {
        private DbTransaction? _approving;
        private volatile bool _dead;

        public bool DieAfterTheApprovalCommits { get; set; }

        public bool Dead => _dead;

        public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result) =>
            _dead ? throw new NodeDiedException() : result;

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData,
            InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default) =>
            _dead ? throw new NodeDiedException() : ValueTask.FromResult(result);

        public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData,
            InterceptionResult<int> result, CancellationToken cancellationToken = default) =>
            _dead ? throw new NodeDiedException() : ValueTask.FromResult(result);

        public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData,
            InterceptionResult<object> result, CancellationToken cancellationToken = default) =>
            _dead ? throw new NodeDiedException() : ValueTask.FromResult(result);

        public override ValueTask<int> NonQueryExecutedAsync(DbCommand command, CommandExecutedEventData eventData, int result,
            CancellationToken cancellationToken = default)
        {
            // The approval's compare-and-set: committed now if it runs on its own, else with its transaction.
            if (DieAfterTheApprovalCommits && result == 1 && command.CommandText.StartsWith("UPDATE \"QrTransactions\"", StringComparison.Ordinal)
                && command.CommandText.Contains("\"ApproverIp\"", StringComparison.Ordinal))
            {
                if (command.Transaction is null)
                {
                    _dead = true;
                }
                else
                {
                    _approving = command.Transaction;
                }
            }

            return ValueTask.FromResult(result);
        }

        public Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            if (ReferenceEquals(transaction, _approving))
            {
                _dead = true;
            }

            return Task.CompletedTask;
        }

        public ValueTask<InterceptionResult> TransactionCommittingAsync(DbTransaction transaction, TransactionEventData eventData,
            InterceptionResult result, CancellationToken cancellationToken = default) =>
            _dead ? throw new NodeDiedException() : ValueTask.FromResult(result);
    }
}
#endif
