#if POSTGRES_TESTS
using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using QrLoginPortal.QrLogin;
using QrLoginPortal.SignIn;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.Operations;

/// <summary>
/// Two nodes on one PostgreSQL database count every limit together: a budget of N failures is N for the whole
/// portal, not N per node, and an address asking each node in turn for codes meets one limit. (On SQLite the
/// portal is one node and counts in memory, so these run in QrLoginPortal.PostgresTests only.)
/// </summary>
public sealed class SharedLimitsTests : IDisposable
{
    private const int PortalBudget = 4;
    private const int CodesPerAddress = 3;
    private const int RequestsPerMinute = 3;

    private readonly PortalFactory _nodeA;
    private readonly PortalFactory _nodeB;

    public SharedLimitsTests()
    {
        _nodeA = new PortalFactory { Settings = Limits(), RequestsPerMinutePerIp = RequestsPerMinute };
        _nodeB = new PortalFactory
        {
            Settings = new Dictionary<string, string?>(Limits()) { ["ConnectionStrings:DefaultConnection"] = _nodeA.Database.ConnectionString },
            RequestsPerMinutePerIp = RequestsPerMinute,
        };
    }

    private static Dictionary<string, string?> Limits() => new()
    {
        ["QrLogin:FailedAttemptsPerHour"] = PortalBudget.ToString(),
        ["QrLogin:CreatedPerMinutePerIp"] = CodesPerAddress.ToString(),
    };

    [Fact]
    public async Task TheGlobalFailedAttemptBudget_IsSpentByBothNodesTogether()
    {
        // Half the budget spent on each node, each failure by another user at another address (no own limit near).
        for (var i = 0; i < PortalBudget; i++)
        {
            var node = i % 2 == 0 ? _nodeA : _nodeB;
            Assert.Equal(AttemptResult.NotAvailable, await Engine(node).ApproveAsync($"WRONG{i}CODE", $"guesser-{i}", false, $"203.0.113.{i + 1}", null,
                ct: TestContext.Current.CancellationToken));
        }

        // Spent for the whole portal: a guesser who failed before is held back on either node.
        await Assert.ThrowsAsync<QrAttemptsThrottledException>(() =>
            Engine(_nodeA).ApproveAsync("WRONG9CODE", "guesser-1", false, "203.0.113.2", null, ct: TestContext.Current.CancellationToken));
        await Assert.ThrowsAsync<QrAttemptsThrottledException>(() =>
            Engine(_nodeB).ApproveAsync("WRONG9CODE", "guesser-0", false, "203.0.113.1", null, ct: TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task ThePerAddressCreationLimit_CountsCodesFromBothNodes()
    {
        var requester = new QrRequester("198.51.100.7", "test");
        for (var i = 0; i < CodesPerAddress; i++)
        {
            await Engine(i % 2 == 0 ? _nodeA : _nodeB).CreateAsync(requester, ct: TestContext.Current.CancellationToken);
        }

        await Assert.ThrowsAsync<QrAttemptsThrottledException>(() => Engine(_nodeB).CreateAsync(requester, ct: TestContext.Current.CancellationToken));
        await Assert.ThrowsAsync<QrAttemptsThrottledException>(() => Engine(_nodeA).CreateAsync(requester, ct: TestContext.Current.CancellationToken));
        // Another address is not held back.
        await Engine(_nodeA).CreateAsync(new QrRequester("198.51.100.8", "test"), ct: TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task ThePerAddressRequestLimit_CountsRequestsToBothNodes()
    {
        // Ticket guesses from one address (the test server's), sent to each node in turn.
        using var browserA = _nodeA.CreateBrowser();
        using var browserB = _nodeB.CreateBrowser();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i <= RequestsPerMinute; i++)
        {
            var browser = i % 2 == 0 ? browserA : browserB;
            statuses.Add((await browser.Http.PostAsync(QrSignInEndpoints.RedeemPath,
                new FormUrlEncodedContent(new Dictionary<string, string> { ["ticket"] = $"guess-{i}" }), TestContext.Current.CancellationToken)).StatusCode);
        }

        // One budget for the portal: the request past it is refused, on whichever node it lands.
        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.Redirect, RequestsPerMinute), HttpStatusCode.TooManyRequests], statuses);
        var other = await browserA.Http.PostAsync(QrSignInEndpoints.RedeemPath,
            new FormUrlEncodedContent(new Dictionary<string, string> { ["ticket"] = "guess" }), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.TooManyRequests, other.StatusCode);
    }

    /// <summary>A measurement, not an assertion: how many shared counter increments a second one node makes on PostgreSQL.</summary>
    [Fact]
    public async Task CounterIncrementsPerSecond_AreMeasured()
    {
        var counters = _nodeA.Services.GetRequiredService<ILimitCounters>();
        Assert.IsType<PostgresLimitCounters>(counters);
        foreach (var callers in new[] { 1, 8 })
        {
            const int perCaller = 500;
            var watch = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, callers).Select(c => Task.Run(() =>
            {
                for (var i = 0; i < perCaller; i++)
                {
                    // Half on one hot key (a global budget), half on keys of their own (per-user counters).
                    counters.Add(i % 2 == 0 ? "bench|s|*" : $"bench|k|{c}|{i}", TimeSpan.FromHours(1));
                }
            }, TestContext.Current.CancellationToken)));
            var rate = callers * perCaller / watch.Elapsed.TotalSeconds;
            TestContext.Current.SendDiagnosticMessage($"PostgreSQL limit counters: {rate:0} increments/s with {callers} caller(s)");
        }

        Assert.NotNull(counters.RetryAfter("bench|s|*", 8 * 250 + 250, TimeSpan.FromHours(1)));
    }

    private static QrLoginService Engine(PortalFactory node) => node.Services.GetRequiredService<QrLoginService>();

    public void Dispose()
    {
        _nodeB.Dispose();
        _nodeA.Dispose();
    }
}
#endif
