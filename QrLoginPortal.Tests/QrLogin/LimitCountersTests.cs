using Microsoft.Extensions.Time.Testing;
using QrLoginPortal.QrLogin;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.QrLogin;

/// <summary>
/// Every store of limit counters counts the same way: a key's window starts with its first event, the limit holds
/// until that window ends, then counting starts again. In memory always; in PostgreSQL where the suite runs on it.
/// </summary>
public sealed class LimitCountersTests : IDisposable
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));
    private readonly List<IDisposable> _owned = [];

    public static TheoryData<string> Stores =>
#if POSTGRES_TESTS
        ["memory", "postgres"];
#else
        ["memory"];
#endif

    private ILimitCounters Create(string store)
    {
        if (store == "memory")
        {
            return new InMemoryLimitCounters(_clock);
        }

        var database = new TestDatabase(global::QrLoginPortal.Data.DatabaseProvider.Postgres);
        var counters = new PostgresLimitCounters(database.ConnectionString, _clock);
        _owned.Add(counters);
        _owned.Add(database);
        return counters;
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public void AKey_IsHeldAtItsLimit_UntilItsWindowEnds_ThenCountsAfresh(string store)
    {
        var counters = Create(store);
        var window = TimeSpan.FromMinutes(15);

        counters.Add("k", window);
        _clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Null(counters.RetryAfter("k", 2, window));
        counters.Add("k", window);

        Assert.Equal(TimeSpan.FromMinutes(10), counters.RetryAfter("k", 2, window));
        Assert.Null(counters.RetryAfter("other", 1, window));

        _clock.Advance(TimeSpan.FromMinutes(10));
        Assert.Null(counters.RetryAfter("k", 1, window));
        counters.Add("k", window);
        Assert.Null(counters.RetryAfter("k", 2, window));
        Assert.Equal(window, counters.RetryAfter("k", 1, window));
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public void Adding_ReturnsTheWindowWithThisEventCounted(string store)
    {
        var counters = Create(store);
        var window = TimeSpan.FromMinutes(1);

        Assert.Equal(new LimitWindow(1, window), counters.Add("k", window));
        _clock.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(new LimitWindow(2, TimeSpan.FromSeconds(40)), counters.Add("k", window));
        _clock.Advance(TimeSpan.FromSeconds(40));
        Assert.Equal(new LimitWindow(1, window), counters.Add("k", window));
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public void AVeryLongKey_IsCountedOnItsOwn(string store)
    {
        var counters = Create(store);
        var longKey = new string('a', 150) + new string('b', 500);
        var otherLongKey = new string('a', 150) + new string('c', 500);

        counters.Add(longKey, TimeSpan.FromMinutes(1));

        Assert.NotNull(counters.RetryAfter(longKey, 1, TimeSpan.FromMinutes(1)));
        Assert.Null(counters.RetryAfter(otherLongKey, 1, TimeSpan.FromMinutes(1)));
    }

#if POSTGRES_TESTS
    [Fact]
    public async Task ExpiredWindows_ArePurged_AndCountersIncrementAtomicallyUnderConcurrency()
    {
        var database = new TestDatabase(global::QrLoginPortal.Data.DatabaseProvider.Postgres);
        _owned.Add(database);
        using var first = new PostgresLimitCounters(database.ConnectionString, _clock);
        using var second = new PostgresLimitCounters(database.ConnectionString, _clock);

        // Two "nodes" adding at once: no increment is lost.
        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() =>
        {
            for (var n = 0; n < 25; n++)
            {
                (i % 2 == 0 ? first : second).Add("shared", TimeSpan.FromMinutes(1));
            }
        }, TestContext.Current.CancellationToken)));
        Assert.NotNull(first.RetryAfter("shared", 200, TimeSpan.FromMinutes(1)));
        Assert.Null(first.RetryAfter("shared", 201, TimeSpan.FromMinutes(1)));

        _clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, first.Purge());
        await using var db = database.CreateDbContext();
        Assert.Empty(db.LimitCounters);
    }

    [Fact]
    public async Task ExpiredWindows_AreDeletedAsNewCountsAreWritten_WithoutAnyoneCallingPurge()
    {
        var database = new TestDatabase(global::QrLoginPortal.Data.DatabaseProvider.Postgres);
        _owned.Add(database);
        using var counters = new PostgresLimitCounters(database.ConnectionString, _clock);
        counters.Add("old", TimeSpan.FromMinutes(1));
        _clock.Advance(TimeSpan.FromMinutes(2));

        counters.Add("new", TimeSpan.FromMinutes(1));

        await using var db = database.CreateDbContext();
        Assert.Equal(["new"], db.LimitCounters.Select(c => c.Key).ToList());
    }

    [Fact]
    public void ALimiterAsksTheDatabaseOnce_PerQuestionAndPerRecord_WithEveryLimitInUse()
    {
        var database = new TestDatabase(global::QrLoginPortal.Data.DatabaseProvider.Postgres);
        _owned.Add(database);
        var commands = new NpgsqlCommandCounter();
        var builder = new Npgsql.NpgsqlDataSourceBuilder(database.ConnectionString);
        builder.UseLoggerFactory(commands);
        using var counters = new PostgresLimitCounters(builder.Build(), _clock);
        // Own, per-address and shared limits all in use: four counters read, three written.
        var limiter = new AttemptLimiter("rt", new AttemptLimits(3, TimeSpan.FromMinutes(5), PerAddress: 5, Shared: 10), counters);
        var attempt = new LimitedAttempt("user", "203.0.113.9", "*");

        for (var i = 0; i < 3; i++)
        {
            var before = commands.Executed;
            Assert.Null(limiter.RetryAfter(attempt));
            Assert.Equal(1, commands.Executed - before);

            before = commands.Executed;
            limiter.Record(attempt);
            Assert.Equal(1, commands.Executed - before);
        }

        // Still right: the own budget of 3 is spent.
        Assert.Equal(TimeSpan.FromMinutes(5), limiter.RetryAfter(attempt));
    }

    /// <summary>Counts the commands and batches Npgsql executes (one round trip each), from its log.</summary>
    private sealed class NpgsqlCommandCounter : Microsoft.Extensions.Logging.ILoggerFactory, Microsoft.Extensions.Logging.ILogger
    {
        private int _executed;

        public int Executed => Volatile.Read(ref _executed);

        public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName) =>
            categoryName == "Npgsql.Command" ? this : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

        public void AddProvider(Microsoft.Extensions.Logging.ILoggerProvider provider)
        {
        }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter)
        {
            if (formatter(state, exception).Contains("execution completed", StringComparison.OrdinalIgnoreCase))
            {
                Interlocked.Increment(ref _executed);
            }
        }

        public void Dispose()
        {
        }
    }
#endif

    public void Dispose()
    {
        foreach (var owned in Enumerable.Reverse(_owned))
        {
            owned.Dispose();
        }
    }
}
