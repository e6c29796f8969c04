using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using QrLoginPortal.Data;
using QrLoginPortal.QrLogin;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.QrLogin;

/// <summary>
/// What the engine's hot paths send to the database, counted in the real portal (issue 16: each statement and
/// each commit is a large part of a create or an approval). The rules they keep are the other tests' to prove.
/// </summary>
public sealed class RoundTripTests
{
    private static readonly QrRequester Browser = new("203.0.113.10", "test", new byte[32]);

#if !POSTGRES_TESTS
    [Fact]
    public async Task OnOneNode_ACodeFarBelowThePendingCap_IsMadeWithoutCountingThePendingOnes()
    {
        await using var portal = new CountingPortal();
        var engine = portal.Services.GetRequiredService<QrLoginService>();
        await engine.CreateAsync(Browser);
        portal.Commands.Clear();

        await engine.CreateAsync(Browser);

        Assert.DoesNotContain(portal.Commands, c => c.Contains("COUNT(", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(portal.Commands, c => c.Contains("INSERT INTO \"QrTransactions\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ASqliteConnection_WaitsForAnotherWritersLockInSqlite_NotIn150MillisecondSleeps()
    {
        using var database = new TestDatabase();
        await using var db = database.CreateDbContext();
        await db.Database.OpenConnectionAsync(TestContext.Current.CancellationToken);
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = "PRAGMA busy_timeout;";

        var timeout = Convert.ToInt64(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken), System.Globalization.CultureInfo.InvariantCulture);

        // Without it, Microsoft.Data.Sqlite answers a busy database by sleeping 150 ms and trying again.
        Assert.True(timeout >= 1_000, $"busy_timeout is {timeout} ms");
    }

    [Fact]
    public async Task APooledSqliteConnection_IsSetUpOnce_NotAgainOnEveryOpen()
    {
        // A pooled context opens its connection for every operation; the native connection behind it stays open in
        // Microsoft.Data.Sqlite's pool, and with it what its first open set up.
        using var database = new TestDatabase();
        var pooled = database.ConnectionString.Replace("Pooling=False", "Pooling=True", StringComparison.Ordinal);
        await using var db = new ApplicationDbContext(new DbContextOptionsBuilder<ApplicationDbContext>(database.Options).UseSqlite(pooled).Options);
        await db.Database.OpenConnectionAsync(TestContext.Current.CancellationToken);
        var connection = (Microsoft.Data.Sqlite.SqliteConnection)db.Database.GetDbConnection();
        try
        {
            await using (var change = connection.CreateCommand())
            {
                change.CommandText = "PRAGMA busy_timeout=1234;";
                await change.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
            }

            await db.Database.CloseConnectionAsync();
            await db.Database.OpenConnectionAsync(TestContext.Current.CancellationToken);
            await using var read = connection.CreateCommand();
            read.CommandText = "PRAGMA busy_timeout;";

            // Set again on this open, it would read 30,000: one more statement before every operation.
            Assert.Equal(1234L, await read.ExecuteScalarAsync(TestContext.Current.CancellationToken));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearPool(connection);
        }
    }
#endif

    [Fact]
    public async Task ARedeem_WhoseAuditRowCannotBeWritten_SignsNobodyIn_AndLeavesTheTicketUnused()
    {
        await using var portal = new CountingPortal();
        var engine = portal.Services.GetRequiredService<QrLoginService>();
        var tickets = portal.Services.GetRequiredService<QrTicketService>();
        var created = await engine.CreateAsync(Browser);
        Assert.Equal(AttemptResult.Approved, await engine.ApproveAsync(created.Lsi, await portal.UserIdAsync(PortalFactory.DemoEmail), false, null, null));
        var ticket = await tickets.IssueTicketAsync(created.Id, created.Dsi);

        portal.FailWhen = command => command.Contains("INSERT INTO \"AuditEvents\"", StringComparison.Ordinal);
        await Assert.ThrowsAnyAsync<Exception>(() => tickets.RedeemTicketAsync(ticket, Browser.BrowserBindingHash, "203.0.113.10"));
        portal.FailWhen = null;

        Assert.NotNull(await tickets.RedeemTicketAsync(ticket, Browser.BrowserBindingHash, "203.0.113.10"));
    }

    /// <summary>The portal with every database command's text recorded.</summary>
    private sealed class CountingPortal : PortalFactory
    {
        private readonly CommandRecorder _recorder = new();

        public ConcurrentQueue<string> Commands => _recorder.Commands;

        /// <summary>A command whose text this matches fails (a database that refuses a write).</summary>
        public Func<string, bool>? FailWhen
        {
            set => _recorder.FailWhen = value;
        }

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureServices(services =>
                services.ConfigureDbContext<ApplicationDbContext>(options => options.AddInterceptors(_recorder)));
        }
    }

    private sealed class CommandRecorder : DbCommandInterceptor
    {
        public ConcurrentQueue<string> Commands { get; } = new();

        public volatile Func<string, bool>? FailWhen;

        public override DbCommand CommandInitialized(CommandEndEventData eventData, DbCommand result)
        {
            Commands.Enqueue(result.CommandText);
            return FailWhen?.Invoke(result.CommandText) == true ? throw new InvalidOperationException("The test database refuses this command.") : result;
        }
    }
}
