using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using QrLoginPortal.Accounts;
using QrLoginPortal.Audit;
using QrLoginPortal.Data;
using QrLoginPortal.QrLogin;

namespace QrLoginPortal.Tests.Infrastructure;

/// <summary>The QR engine wired by hand over a fresh database and a fake clock.</summary>
public sealed class EngineFixture : IDisposable
{
    public EngineFixture()
    {
        Database = new TestDatabase();
        Clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));
        Notifier = new InProcessTransactionNotifier(NullLogger<InProcessTransactionNotifier>.Instance);
        Audit = new AuditLog(Database, Clock);
        Settings = new QrSettingsStore(Database, Audit, Clock);
        Counters = new InMemoryLimitCounters(Clock);
        Limiter = FailedAttemptLimiter.Create(Counters, EngineOptions);
        Capacity = new QrCapacity(new AttemptLimiter(QrCapacity.Creations, () => QrCapacity.LimitsOf(EngineOptions), Counters), Options.Create(EngineOptions));
        Tickets = new QrTicketService(Database, Settings, Audit, Clock);
        Sweeper = new QrSweeper(Database, Notifier, Audit, Options.Create(EngineOptions), Clock, NullLogger<QrSweeper>.Instance);
        Service = ServiceOn(Database);
    }

    /// <summary>A context factory on this database whose contexts carry <paramref name="interceptors"/> (counting or failing commands).</summary>
    public PooledDbContextFactory<ApplicationDbContext> FactoryWith(params IInterceptor[] interceptors) =>
        new(new DbContextOptionsBuilder<ApplicationDbContext>(Database.Options).AddInterceptors(interceptors).Options);

    /// <summary>The engine wired as <see cref="Service"/> is, on the contexts of <paramref name="factory"/>.</summary>
    public QrLoginService ServiceOn(IDbContextFactory<ApplicationDbContext> factory) =>
        new(factory, Settings, new ApproverRoles(factory), Notifier, Limiter, Capacity, Audit, Clock, NullLogger<QrLoginService>.Instance);

    public TestDatabase Database { get; }
    public FakeTimeProvider Clock { get; }
    public InProcessTransactionNotifier Notifier { get; }
    public AuditLog Audit { get; }
    public QrSettingsStore Settings { get; }
    public QrLoginService Service { get; }
    public QrTicketService Tickets { get; }

    /// <summary>The sweeper's expiry and purge, called by hand (its loop is not started).</summary>
    public QrSweeper Sweeper { get; }
    public FailedAttemptLimiter Limiter { get; }

    /// <summary>The counters every limiter of this engine counts in (one node's memory, on the fake clock).</summary>
    public InMemoryLimitCounters Counters { get; }
    public QrCapacity Capacity { get; }
    public QrLoginOptions EngineOptions { get; } = new() { FailedAttemptsPerUser = 10, FailedAttemptsPerIp = 100, FailedAttemptsPerApiClient = 100, FailedAttemptsPerHour = 50, CreatedPerMinutePerIp = 100 };

    public static readonly QrRequester Browser = new("203.0.113.10", "Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0 Safari/537.36",
        new byte[32]);

    public void Dispose()
    {
        Service.Dispose();
        Tickets.Dispose();
        Database.Dispose();
    }
}
