using System.Diagnostics;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using QrLoginPortal.Accounts;
using QrLoginPortal.Audit;
using QrLoginPortal.Data;
using QrLoginPortal.QrLogin;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Benchmarks;

/// <summary>
/// Two nodes of the engine on one PostgreSQL database, in one process, each with its own pool,
/// notifier and listening connection as two machines have: a waiter on node A, the approval made on
/// A (same node) or on B (cross node, through <c>pg_notify</c>), alternately, in one run. The
/// database is a throw-away cluster (as the PostgreSQL tests start one), or the server named by
/// <c>QRLOGIN_TEST_POSTGRES</c> (an admin connection string; a database is created and dropped on it).
/// </summary>
public static class MultiNodeBenchmarks
{
    public static async Task RunAsync()
    {
        var connectionString = PostgresCluster.Instance.CreateDatabase();
        try
        {
            var nodeA = await Node.StartAsync(connectionString, migrate: true);
            var nodeB = await Node.StartAsync(connectionString, migrate: false);
            var requester = new QrRequester("203.0.113.10", "bench", new byte[32]);

            const int rounds = 1000;
            var same = new List<double>(rounds);
            var cross = new List<double>(rounds);
            for (var i = -50; i < 2 * rounds; i++)
            {
                // Alternate, so both see the same database, caches and machine load.
                var approver = i % 2 == 0 ? nodeA : nodeB;
                var created = await nodeA.Engine.CreateAsync(requester);
                var pushed = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
                using (nodeA.Notifier.Subscribe(created.Id, change =>
                       {
                           if (change.State == QrTransactionState.Success)
                           {
                               pushed.TrySetResult(Stopwatch.GetTimestamp());
                           }

                           return Task.CompletedTask;
                       }))
                {
                    var started = Stopwatch.GetTimestamp();
                    await approver.Engine.ApproveAsync(created.Lsi, "bench-user", keepSignedIn: false, "198.51.100.1", "bench phone");
                    var latency = Stopwatch.GetElapsedTime(started, await pushed.Task.WaitAsync(TimeSpan.FromSeconds(10))).TotalMilliseconds;
                    if (i >= 0)
                    {
                        (approver == nodeA ? same : cross).Add(latency);
                    }
                }
            }

            Print("approve → push, same node", same);
            Print("approve → push, cross node", cross);
            Console.WriteLine($"{"",-34} (PostgreSQL on loopback; cross node = the approval on B, its pg_notify at commit, A's listener, A reads the row)");
            await nodeA.DisposeAsync();
            await nodeB.DisposeAsync();
        }
        finally
        {
            PostgresCluster.Instance.DropDatabase(connectionString);
        }
    }

    private static void Print(string name, List<double> samples)
    {
        samples.Sort();
        Console.WriteLine($"{name,-34} p50 {samples[samples.Count / 2],6:0.00} ms   p99 {samples[samples.Count * 99 / 100],6:0.00} ms   ({samples.Count} approvals)");
    }

    private sealed class Node(QrLoginService engine, PostgresTransactionNotifier notifier, PostgresListener listener) : IAsyncDisposable
    {
        public QrLoginService Engine => engine;
        public ITransactionNotifier Notifier => notifier;

        public static async Task<Node> StartAsync(string connectionString, bool migrate)
        {
            var services = new ServiceCollection()
                .Configure<IdentityOptions>(o => o.Stores.SchemaVersion = IdentitySchemaVersions.Version3)
                .BuildServiceProvider();
            var builder = new DbContextOptionsBuilder<ApplicationDbContext>().UseApplicationServiceProvider(services);
            builder.UseDatabase(DatabaseProvider.Postgres, connectionString);
            var factory = new PooledDbContextFactory<ApplicationDbContext>((DbContextOptions<ApplicationDbContext>)builder.Options);
            if (migrate)
            {
                await using var db = factory.CreateDbContext();
                await db.Database.MigrateAsync();
                db.Users.Add(new ApplicationUser { Id = "bench-user", UserName = "bench@bench.local", NormalizedUserName = "BENCH@BENCH.LOCAL" });
                await db.SaveChangesAsync();
            }

            var clock = TimeProvider.System;
            var audit = new AuditLog(factory, clock);
            var notifier = new PostgresTransactionNotifier(factory, NullLogger<InProcessTransactionNotifier>.Instance, NullLogger<PostgresTransactionNotifier>.Instance);
            var configuration = new ConfigurationBuilder()
                .AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:DefaultConnection"] = connectionString })
                .Build();
            var listener = new PostgresListener(configuration, [notifier], Options.Create(new PostgresListenerOptions()), clock,
                NullLogger<PostgresListener>.Instance);
            await listener.StartAsync(CancellationToken.None);
            await listener.Listening;

            var options = Options.Create(new QrLoginOptions { CreatedPerMinutePerIp = int.MaxValue, MaxPending = int.MaxValue, CreatedPerMinute = int.MaxValue });
            var counters = new InMemoryLimitCounters(clock);
            var engine = new QrLoginService(factory, new QrSettingsStore(factory, audit, clock), new ApproverRoles(factory), notifier,
                FailedAttemptLimiter.Create(counters, options.Value),
                new QrCapacity(new AttemptLimiter(QrCapacity.Creations, QrCapacity.LimitsOf(options.Value), counters), options),
                audit, clock, NullLogger<QrLoginService>.Instance);
            return new Node(engine, notifier, listener);
        }

        public async ValueTask DisposeAsync()
        {
            await listener.StopAsync(CancellationToken.None);
            listener.Dispose();
        }
    }
}
