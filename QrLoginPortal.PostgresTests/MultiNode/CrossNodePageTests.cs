#if POSTGRES_TESTS
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MudBlazor.Services;
using QrLoginPortal.Components.QrLogin;
using QrLoginPortal.QrLogin;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.MultiNode;

/// <summary>
/// The sign-in page itself across nodes: the QR panel (rendered as its circuit would render it, with node A's
/// services) waits on node A while the phone scans and approves on node B, as behind a load balancer. The page
/// learns of both only through the cross-node notifier (PostgreSQL NOTIFY); with node A's notifier in process
/// only, it waits for ever. The guard timeout only turns a lost push into a failure instead of a hang.
/// </summary>
public sealed class CrossNodePageTests : BunitContext
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    private readonly PortalFactory _nodeB = new();
    private readonly PortalFactory _nodeA;

    public CrossNodePageTests()
    {
        _nodeA = new PortalFactory { Settings = { ["ConnectionStrings:DefaultConnection"] = _nodeB.Database.ConnectionString } };
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
        Services.AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        Services.AddSingleton(typeof(ILogger<>), typeof(NullLogger<>));
        // What the page's circuit on node A is given.
        Services.AddSingleton(_nodeA.Services.GetRequiredService<QrLoginService>());
        Services.AddSingleton(_nodeA.Services.GetRequiredService<QrTicketService>());
        Services.AddSingleton(_nodeA.Services.GetRequiredService<ITransactionNotifier>());
        Services.AddSingleton(_nodeA.Services.GetRequiredService<TimeProvider>());
        Services.AddSingleton(new global::QrLoginPortal.Components.Layout.CircuitConnection());
    }

    [Fact]
    public async Task APageWaitingOnA_SaysCheckYourPhone_ThenSignsIn_WhenThePhoneScansAndApprovesOnB()
    {
        await Task.WhenAll(new[] { _nodeA, _nodeB }.Select(n => n.Services.GetRequiredService<PostgresListener>().Listening)).WaitAsync(Guard);
        var cut = Render<QrLoginPanel>(p => p
            .Add(x => x.PublicOrigin, "https://portal.test")
            .Add(x => x.BrowserBindingHash, Convert.ToBase64String(EngineFixture.Browser.BrowserBindingHash!))
            .Add(x => x.RequesterIp, EngineFixture.Browser.Ip)
            .Add(x => x.RequesterUserAgent, EngineFixture.Browser.UserAgent)
            .Add(x => x.ReturnUrl, "/account"));
        cut.WaitForElement("a.qr-link", Guard);
        var link = cut.Find("a.qr-link").GetAttribute("href")!;
        var lsi = Uri.UnescapeDataString(link[(link.LastIndexOf('/') + 1)..]);
        var engineB = _nodeB.Services.GetRequiredService<QrLoginService>();
        var userId = await _nodeB.UserIdAsync(PortalFactory.DemoEmail);

        Assert.NotNull(await engineB.OpenAsync(lsi, userId, "198.51.100.7"));
        cut.WaitForAssertion(() => Assert.Contains("Check your phone", cut.Markup), Guard);

        Assert.Equal(AttemptResult.Approved, await engineB.ApproveAsync(lsi, userId, keepSignedIn: false, "198.51.100.7", "phone"));
        cut.WaitForAssertion(() => Assert.Contains("Signing you in", cut.Markup), Guard);

        // The ticket the page posts is good on either node (the POST may land on B).
        var ticket = cut.Find("input[name=ticket]").GetAttribute("value");
        Assert.NotNull(await _nodeB.Services.GetRequiredService<QrTicketService>().RedeemTicketAsync(ticket, EngineFixture.Browser.BrowserBindingHash, null));
    }

    protected override async ValueTask DisposeAsyncCore()
    {
        await base.DisposeAsyncCore();
        _nodeA.Dispose();
        _nodeB.Dispose();
    }
}
#endif
