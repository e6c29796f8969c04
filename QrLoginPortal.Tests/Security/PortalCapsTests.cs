using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using QrLoginPortal.QrLogin;
using QrLoginPortal.SignIn;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.Security;

/// <summary>Portal-wide caps: pending codes, codes per minute, circuits per address, IPv6 per /64, and codes withdrawn on shutdown.</summary>
public sealed class PortalCapsTests
{
    [Fact]
    public async Task AtThePendingCap_TheApiAnswers503WithRetryAfter_AndThePendingCodesStillWork()
    {
        await using var portal = new PortalFactory { Settings = new Dictionary<string, string?> { ["QrLogin:MaxPending"] = "3" } };
        using var api = await portal.CreateApiClientAsync();
        var created = new List<JsonElement>();
        for (var i = 0; i < 3; i++)
        {
            var ok = await api.GetAsync("/v2.0/factors/qr/authenticate?profileId=default");
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            created.Add(JsonDocument.Parse(await ok.Content.ReadAsStringAsync()).RootElement.Clone());
        }

        var refused = await api.GetAsync("/v2.0/factors/qr/authenticate?profileId=default");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Equal("busy", JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("code").GetString());
        var engine = portal.Services.GetRequiredService<QrLoginService>();
        Assert.Equal(AttemptResult.Approved, await engine.ApproveAsync(created[0].GetProperty("lsi").GetString(),
            await portal.UserIdAsync(PortalFactory.DemoEmail), false, null, null));
        var again = await api.GetAsync("/v2.0/factors/qr/authenticate?profileId=default");
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }

    [Fact]
    public async Task PastTheCodesPerMinute_FromManyAddresses_NewCodesWait_UntilTheMinuteIsOver()
    {
        await using var portal = new PortalFactory { Settings = new Dictionary<string, string?> { ["QrLogin:CreatedPerMinute"] = "5" } };
        var engine = portal.Services.GetRequiredService<QrLoginService>();
        for (var i = 0; i < 5; i++)
        {
            await engine.CreateAsync(new QrRequester($"198.51.100.{i}", "test"));
        }

        var busy = await Assert.ThrowsAsync<QrLoginBusyException>(() => engine.CreateAsync(new QrRequester("198.51.100.99", "test")));
        Assert.InRange(busy.RetryAfter, TimeSpan.FromTicks(1), TimeSpan.FromMinutes(1));

        portal.Clock.Advance(TimeSpan.FromMinutes(1));
        await engine.CreateAsync(new QrRequester("198.51.100.99", "test"));
    }

    [Fact]
    public async Task CodesPerAddress_CountAnIPv6Slash64AsOneAddress()
    {
        await using var portal = new PortalFactory { Settings = new Dictionary<string, string?> { ["QrLogin:CreatedPerMinutePerIp"] = "2" } };
        var engine = portal.Services.GetRequiredService<QrLoginService>();
        await engine.CreateAsync(new QrRequester("2001:db8:1:2::1", "test"));
        await engine.CreateAsync(new QrRequester("2001:db8:1:2:ffff:ffff:ffff:fffe", "test"));

        await Assert.ThrowsAsync<QrAttemptsThrottledException>(() => engine.CreateAsync(new QrRequester("2001:db8:1:2:abcd::9", "test")));
        await engine.CreateAsync(new QrRequester("2001:db8:1:3::1", "test"));
    }

    [Theory]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64")]
    [InlineData("::ffff:192.0.2.7", "192.0.2.7")]
    [InlineData("192.0.2.7", "192.0.2.7")]
    [InlineData(null, "unknown")]
    [InlineData("not an address", "not an address")]
    public void TheLimitKey_GroupsIPv6ByItsSlash64(string? address, string key) => Assert.Equal(key, ClientAddress.LimitKey(address));

    [Fact]
    public async Task CircuitsPerAddress_AreCapped_TheLoginPageSaysBusy_AndAClosedOneFreesItsPlace()
    {
        await using var portal = new PortalFactory { Settings = new Dictionary<string, string?> { ["Limits:CircuitsPerAddress"] = "2" } };
        var limiter = portal.Services.GetRequiredService<CircuitLimiter>();
        using var first = await OpenCircuitAsync(portal);
        using var second = await OpenCircuitAsync(portal);

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => OpenCircuitAsync(portal));
        Assert.Contains("429", refused.Message);
        using var browser = portal.CreateBrowser();
        var login = await browser.GetPageAsync("/login");
        Assert.Contains("busy right now", login);

        var released = new TaskCompletionSource();
        limiter.Released += _ => released.TrySetResult();
        await first.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        await released.Task.WaitAsync(TimeSpan.FromSeconds(30));
        using var third = await OpenCircuitAsync(portal);
        Assert.Equal(WebSocketState.Open, third.State);
    }

    [Fact]
    public async Task OnShutdown_PendingCodesAreCancelled_AndTheirPagesTold()
    {
        var portal = new PortalFactory();
        var engine = portal.Services.GetRequiredService<QrLoginService>();
        var created = await engine.CreateAsync(new QrRequester("203.0.113.5", "test"));
        var told = new TaskCompletionSource<QrTransactionChanged>();
        using var _ = portal.Services.GetRequiredService<ITransactionNotifier>().Subscribe(created.Id, c => { told.TrySetResult(c); return Task.CompletedTask; });

        portal.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();

        // Told while the host goes on stopping (the engine's own test shows the code can no longer be approved).
        Assert.Equal(QrTransactionState.Failed, (await told.Task.WaitAsync(TimeSpan.FromSeconds(30))).State);
        await Assert.ThrowsAsync<QrLoginBusyException>(() => engine.CreateAsync(new QrRequester("203.0.113.5", "test")));
        await portal.DisposeAsync();
    }

    [Theory]
    [InlineData("Limits:CircuitsPerAddress", "0")]
    [InlineData("Limits:MaxRequestBodyBytes", "10")]
    [InlineData("QrLogin:MaxPending", "0")]
    [InlineData("QrLogin:CreatedPerMinute", "-1")]
    public async Task ABadLimit_StopsThePortalAtStart(string key, string value)
    {
        await using var portal = new PortalFactory { Settings = new Dictionary<string, string?> { [key] = value } };

        var error = Assert.ThrowsAny<Exception>(() => portal.Services);

        Assert.Contains(key.Split(':')[1], error.ToString());
    }

    /// <summary>Negotiates a Blazor connection and opens its WebSocket, as a page's script does.</summary>
    private static async Task<WebSocket> OpenCircuitAsync(PortalFactory portal)
    {
        using var http = portal.CreateClient();
        var negotiate = await http.PostAsync("/_blazor/negotiate?negotiateVersion=1", null);
        negotiate.EnsureSuccessStatusCode();
        var token = JsonDocument.Parse(await negotiate.Content.ReadAsStringAsync()).RootElement.GetProperty("connectionToken").GetString();
        var client = portal.Server.CreateWebSocketClient();
        return await client.ConnectAsync(new Uri($"ws://localhost/_blazor?id={token}"), CancellationToken.None);
    }
}
