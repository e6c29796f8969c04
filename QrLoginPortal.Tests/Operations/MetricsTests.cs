using System.Diagnostics.Metrics;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using QrLoginPortal.Audit;
using QrLoginPortal.Data;
using QrLoginPortal.Operations;
using QrLoginPortal.QrLogin;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.Operations;

/// <summary>
/// /metrics speaks Prometheus text: the portal's own qrlogin_* series counted from what is
/// committed, ASP.NET Core's and the runtime's, and only to the networks allowed to scrape it.
/// </summary>
public sealed partial class MetricsTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task AfterASignInAndAnApproval_TheQrLoginSeriesCountThem_BesideAspNetCoresAndTheRuntimes()
    {
        using var phone = portal.CreateBrowser("Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Mobile/15E148 Safari/604.1");
        await phone.SignInWithPasswordAsync(PortalFactory.DemoEmail, PortalFactory.DemoPassword);
        var created = await portal.Services.GetRequiredService<QrLoginService>().CreateAsync(EngineFixture.Browser);
        // A page waiting on it, as the browser's would.
        using var waiting = portal.Services.GetRequiredService<ITransactionNotifier>().Subscribe(created.Id, _ => Task.CompletedTask);
        var approvalPage = await phone.GetPageAsync($"/qr/{created.Lsi}");
        await phone.PostFormAsync($"/qr/{created.Lsi}", approvalPage, "qr-approval", new Dictionary<string, string> { ["Decision"] = "approve" });
        await phone.Http.GetAsync("/qr/NOT-A-REAL-CODE-AT-ALL");

        var text = await ScrapeAsync("10.1.2.3");

        Assert.True(Value(text, "qrlogin_codes_created_total") >= 1, text);
        Assert.True(Value(text, "qrlogin_codes_scanned_total") >= 1, text);
        Assert.True(Value(text, "qrlogin_codes_approved_total") >= 1, text);
        Assert.True(Value(text, "qrlogin_sign_ins_total", "method=\"pwd\"") >= 1, text);
        Assert.Contains("qrlogin_limiter_recorded_total{", text);
        Assert.Contains("qrlogin_pages_waiting", text);
        Assert.Contains("qrlogin_approve_to_push_seconds_bucket", text);
        Assert.Contains("http_server_request_duration_seconds_bucket", text);
        Assert.Contains("dotnet_gc_heap_total_allocated_bytes_total", text);
    }

    [Fact]
    public async Task AuditRowsAreCounted_WhenTheirSaveCommits()
    {
        using var database = new TestDatabase();
        using var counted = new MineCounted();
        await using var db = WithMetrics(database);
        db.AuditEvents.Add(Audit(AuditTypes.QrApprove, AuditOutcomes.Success));
        db.AuditEvents.Add(Audit(AuditTypes.QrCreate, AuditOutcomes.Success));
        db.AuditEvents.Add(Audit(AuditTypes.QrDeny, AuditOutcomes.Refused));

        await db.SaveChangesAsync();

        Assert.Equal(["qrlogin.codes.approved", "qrlogin.codes.created"], counted.Names.Order());
    }

    [Fact]
    public async Task TheEnginesCreateAndApproval_AreEachCountedOnce_WhenCommitted()
    {
        // Wired as the portal wires it: the engine's contexts carry the interceptor that counts saved audit rows.
        using var engine = new EngineFixture();
        var service = engine.ServiceOn(engine.FactoryWith(new AuditedEventMetrics()));
        using var counted = new MineCounted();

        var created = await service.CreateAsync(EngineFixture.Browser);
        Assert.Equal(AttemptResult.Approved, await service.ApproveAsync(created.Lsi, "user-1", keepSignedIn: false, "198.51.100.1", "phone"));

        Assert.Equal(["qrlogin.codes.approved", "qrlogin.codes.created"],
            counted.Names.Where(n => n.StartsWith("qrlogin.codes.", StringComparison.Ordinal)).Order());
    }

    [Fact]
    public async Task ASaveThatFails_CountsNothing()
    {
        using var database = new TestDatabase();
        var existing = Audit(AuditTypes.QrCreate, AuditOutcomes.Success);
        await using (var first = database.CreateDbContext())
        {
            first.AuditEvents.Add(existing);
            await first.SaveChangesAsync();
        }

        using var counted = new MineCounted();
        await using var db = WithMetrics(database);
        db.AuditEvents.Add(Audit(AuditTypes.QrApprove, AuditOutcomes.Success));
        var duplicate = Audit(AuditTypes.QrCreate, AuditOutcomes.Success);
        duplicate.Id = existing.Id;
        db.AuditEvents.Add(duplicate);

        await Assert.ThrowsAnyAsync<DbUpdateException>(() => db.SaveChangesAsync());

        Assert.Empty(counted.Names);
    }

    [Fact]
    public async Task SavesInsideAnExplicitTransaction_AreCountedWhenItCommits()
    {
        using var database = new TestDatabase();
        using var counted = new MineCounted();
        await using var db = WithMetrics(database);
        await using var transaction = await db.Database.BeginTransactionAsync(TestContext.Current.CancellationToken);
        db.AuditEvents.Add(Audit(AuditTypes.QrApprove, AuditOutcomes.Success));
        await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        db.AuditEvents.Add(Audit(AuditTypes.QrCreate, AuditOutcomes.Success));
        await db.SaveChangesAsync(TestContext.Current.CancellationToken);

        // Saved, not yet committed: nothing has happened yet as far as anyone else can see.
        Assert.Empty(counted.Names);

        await transaction.CommitAsync(TestContext.Current.CancellationToken);
        Assert.Equal(["qrlogin.codes.approved", "qrlogin.codes.created"], counted.Names.Order());
    }

    [Fact]
    public async Task SavesInsideATransactionRolledBack_CountNothing()
    {
        using var database = new TestDatabase();
        using var counted = new MineCounted();
        await using var db = WithMetrics(database);
        await using (var transaction = await db.Database.BeginTransactionAsync(TestContext.Current.CancellationToken))
        {
            db.AuditEvents.Add(Audit(AuditTypes.QrApprove, AuditOutcomes.Success));
            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
            await transaction.RollbackAsync(TestContext.Current.CancellationToken);
        }

        // Nor does a later transaction of the same context count what the rolled-back one saved.
        await using (var transaction = await db.Database.BeginTransactionAsync(TestContext.Current.CancellationToken))
        {
            db.ChangeTracker.Clear();
            db.AuditEvents.Add(Audit(AuditTypes.QrDeny, AuditOutcomes.Success));
            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
            await transaction.CommitAsync(TestContext.Current.CancellationToken);
        }

        Assert.Equal(["qrlogin.codes.denied"], counted.Names);
    }

    [Fact]
    public async Task AChangeToldToAWaiterHere_IsMeasured_FromTheChangesTime_OnThisNodesClock()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));
        var notifier = new InProcessTransactionNotifier(Microsoft.Extensions.Logging.Abstractions.NullLogger<InProcessTransactionNotifier>.Instance, clock);
        using var measured = new MineCounted();
        var id = Guid.NewGuid();
        var told = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (notifier.Subscribe(id, change =>
               {
                   told.TrySetResult();
                   return Task.CompletedTask;
               }))
        {
            // Approved (committed) at "at"; this node hears of it 250 ms later on its own clock.
            var at = clock.GetUtcNow();
            clock.Advance(TimeSpan.FromMilliseconds(250));
            await notifier.PublishAsync(new QrTransactionChanged(id, QrTransactionState.Success, true, at));
            await told.Task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        }

        // Nobody waits here on this one (another node's page, or a page gone): nothing to measure.
        await notifier.PublishAsync(new QrTransactionChanged(Guid.NewGuid(), QrTransactionState.Success, true, clock.GetUtcNow().AddSeconds(-1)));

        Assert.Equal([("qrlogin.approve_to_push", 0.25)], measured.Values);
    }

    [Fact]
    public void TheWaitingGauge_ShowsThisNodesLiveSubscriptions()
    {
        var notifier = portal.Services.GetRequiredService<ITransactionNotifier>();
        var before = WaitingGauge();
        Assert.Equal(notifier.SubscriptionCount, before);

        using (notifier.Subscribe(Guid.NewGuid(), _ => Task.CompletedTask))
        using (notifier.Subscribe(Guid.NewGuid(), _ => Task.CompletedTask))
        {
            Assert.Equal(before + 2, WaitingGauge());
        }

        Assert.Equal(before, WaitingGauge());
    }

    /// <summary>The waiting gauge of this test's portal (the meter of its own container), read now.</summary>
    private long WaitingGauge()
    {
        var scope = portal.Services.GetRequiredService<IMeterFactory>();
        long? value = null;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == scope && instrument.Name == "qrlogin.pages.waiting")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, measurement, _, _) => value = measurement);
        listener.Start();
        listener.RecordObservableInstruments();
        return value ?? throw new InvalidOperationException("The portal publishes no qrlogin.pages.waiting gauge.");
    }

    private static ApplicationDbContext WithMetrics(TestDatabase database) =>
        new(new DbContextOptionsBuilder<ApplicationDbContext>(database.Options).AddInterceptors(new AuditedEventMetrics()).Options);

    private static AuditEvent Audit(string type, string outcome) => new() { At = DateTimeOffset.UtcNow, Type = type, Outcome = outcome };

    /// <summary>The portal's measurements made by this test's own flow (other tests in the process count too).</summary>
    private sealed class MineCounted : IDisposable
    {
        private static readonly AsyncLocal<MineCounted?> Current = new();
        private readonly MeterListener _listener = new();
        private readonly List<string> _names = [];
        private readonly List<(string, double)> _values = [];

        public MineCounted()
        {
            Current.Value = this;
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == PortalMeter.Name)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, _, _, _) =>
            {
                if (Current.Value is { } mine)
                {
                    lock (mine._names)
                    {
                        mine._names.Add(instrument.Name);
                    }
                }
            });
            _listener.SetMeasurementEventCallback<double>((instrument, value, _, _) =>
            {
                if (Current.Value is { } mine)
                {
                    lock (mine._names)
                    {
                        mine._values.Add((instrument.Name, value));
                    }
                }
            });
            _listener.Start();
        }

        /// <summary>The measured values (histograms) of this test's flow.</summary>
        public IReadOnlyList<(string Name, double Value)> Values
        {
            get
            {
                lock (_names)
                {
                    return [.. _values];
                }
            }
        }

        public IReadOnlyList<string> Names
        {
            get
            {
                lock (_names)
                {
                    return [.. _names];
                }
            }
        }

        public void Dispose() => _listener.Dispose();
    }

    [Theory]
    [InlineData("203.0.113.9")]
    [InlineData("2001:db8::1")]
    public async Task FromAPublicAddress_ThereIsNoMetricsPage(string address)
    {
        using var outsider = portal.CreateBrowser(address: address);

        var response = await outsider.Http.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.DoesNotContain("qrlogin_", await response.Content.ReadAsStringAsync());
    }

    private async Task<string> ScrapeAsync(string address)
    {
        using var scraper = portal.CreateBrowser(address: address);
        var response = await scraper.Http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>The value of a series (summed over its labels, or of those containing <paramref name="label"/>); 0 when absent.</summary>
    private static double Value(string text, string series, string label = "") =>
        SeriesLine().Matches(text)
            .Where(m => m.Groups["name"].Value == series && m.Groups["labels"].Value.Contains(label, StringComparison.Ordinal))
            .Sum(m => double.Parse(m.Groups["value"].Value, System.Globalization.CultureInfo.InvariantCulture));

    [GeneratedRegex(@"^(?<name>[a-z_]+)(?:\{(?<labels>[^}]*)\})? (?<value>[0-9.eE+-]+)", RegexOptions.Multiline)]
    private static partial Regex SeriesLine();
}
