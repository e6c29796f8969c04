using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MudBlazor.Services;
using QrLoginPortal.Components.QrLogin;
using QrLoginPortal.QrLogin;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.Components;

/// <summary>The browser's QR panel in each state, driven by the real engine over a real database and a fake clock.</summary>
public sealed class QrLoginPanelTests : BunitContext
{
    private readonly EngineFixture _engine = new();

    public QrLoginPanelTests()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
        Services.AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        Services.AddSingleton(typeof(ILogger<>), typeof(NullLogger<>));
        Services.AddSingleton(_engine.Service);
        Services.AddSingleton(_engine.Tickets);
        Services.AddSingleton<ITransactionNotifier>(_engine.Notifier);
        Services.AddSingleton<TimeProvider>(_engine.Clock);
        Services.AddSingleton(_connection);
    }

    private readonly global::QrLoginPortal.Components.Layout.CircuitConnection _connection = new();

    protected override ValueTask DisposeAsyncCore()
    {
        _engine.Dispose();
        return base.DisposeAsyncCore();
    }

    [Fact]
    public void Waiting_ShowsTheQrOfTheApprovalUrl_AndTheCountdown()
    {
        var cut = RenderPanel();

        var link = WaitForLink(cut);
        Assert.StartsWith("https://portal.test/qr/", link);
        var image = cut.Find("img.qr-image").GetAttribute("src")!;
        Assert.StartsWith("data:image/png;base64,", image);
        // One pixel per module, scaled by the page (pixelated): the picture itself still reads as the link.
        Assert.Equal(link, QrImage.Decode(Convert.FromBase64String(image["data:image/png;base64,".Length..])));
        Assert.Contains("animation-duration: 120s", cut.Find(".qr-countdown-bar").GetAttribute("style"));
        Assert.Contains("valid for 2:00", cut.Find("[role=status]").TextContent);
        Assert.Equal(120_000, JSInterop.VerifyInvoke("qrLogin.countdown").Arguments[1]);
    }

    [Fact]
    public async Task Scanned_SaysCheckYourPhone()
    {
        var cut = RenderPanel();
        var lsi = LsiOf(WaitForLink(cut));

        await _engine.Service.OpenAsync(lsi, "user-1", null);

        cut.WaitForAssertion(() => Assert.Contains("Check your phone", cut.Markup));
        Assert.Equal("Scanned", cut.Find(".qr-panel").GetAttribute("data-state"), ignoreCase: true);
    }

    [Fact]
    public async Task WaitingAndScanned_RenderNoChildComponents_YetKeepMudBlazorsLook()
    {
        // A waiting page holds its render tree in server memory for as long as it stays open: each child
        // component adds its own state and two frame buffers per page, so the texts are plain elements
        // carrying the classes MudText gave them (the same look).
        var cut = RenderPanel();
        var lsi = LsiOf(WaitForLink(cut));

        Assert.Empty(cut.FindComponents<IComponent>());
        Assert.Equal("The code is hidden until the connection is back.",
            cut.Find("p.mud-typography.mud-typography-body2.qr-offline-note[data-testid=qr-offline-note]").TextContent);
        Assert.Contains("Code valid for", cut.Find("p.mud-typography.mud-typography-body2.qr-countdown-text").TextContent);
        Assert.Single(cut.FindAll("p.qr-countdown-text span[role=timer]"));
        Assert.Equal("Or type this code on your phone's scan page:", cut.Find("p.mud-typography.mud-typography-body2.qr-user-code-text").TextContent);

        await _engine.Service.OpenAsync(lsi, "user-1", null);

        cut.WaitForAssertion(() => Assert.Equal("scanned", cut.Find(".qr-panel").GetAttribute("data-state")));
        Assert.Empty(cut.FindComponents<IComponent>());
        Assert.Equal("mud-icon-root mud-svg-icon mud-primary-text mud-icon-size-large", cut.Find(".qr-overlay svg").GetAttribute("class"));
        Assert.Equal(2, cut.FindAll(".qr-overlay svg path").Count);
        Assert.Equal("Check your phone", cut.Find(".qr-overlay h6.mud-typography.mud-typography-h6").TextContent);
        Assert.Equal("Tap Approve there to sign in here.", cut.Find(".qr-overlay p.mud-typography.mud-typography-body2").TextContent);
        Assert.Contains("Code valid for", cut.Find("p.mud-typography.mud-typography-body2.qr-countdown-text").TextContent);
    }

    [Fact]
    public async Task Approved_PostsAOneTimeTicketToTheSignInEndpoint()
    {
        var cut = RenderPanel();
        var lsi = LsiOf(WaitForLink(cut));

        await _engine.Service.ApproveAsync(lsi, "user-1", false, null, null);

        cut.WaitForAssertion(() => Assert.Contains("Signing you in", cut.Markup));
        var form = cut.Find("form.qr-signin-form");
        Assert.Equal("post", form.GetAttribute("method"));
        Assert.Equal("qr/signin", form.GetAttribute("action"));
        var ticket = cut.Find("input[name=ticket]").GetAttribute("value");
        Assert.False(string.IsNullOrEmpty(ticket));
        Assert.Equal("/account", cut.Find("input[name=returnUrl]").GetAttribute("value"));
        JSInterop.VerifyInvoke("qrLogin.submit");
        Assert.NotNull(await _engine.Tickets.RedeemTicketAsync(ticket, EngineFixture.Browser.BrowserBindingHash, null));
    }

    [Fact]
    public async Task Approved_ShowsTheTicketForm_WithoutADatabaseRoundTrip()
    {
        // The panel's own ticket service counts what it sends; the engine's writes are not counted.
        var commands = new CommandCounter();
        Services.AddSingleton(new QrTicketService(new CountingDbFactory(_engine.Database, commands), _engine.Settings, _engine.Audit, _engine.Clock));
        var cut = RenderPanel();
        var lsi = LsiOf(WaitForLink(cut));

        await _engine.Service.ApproveAsync(lsi, "user-1", false, null, null);

        cut.WaitForAssertion(() => Assert.Equal("approved", cut.Find(".qr-panel").GetAttribute("data-state")));
        Assert.Equal(0, commands.Count);
        var ticket = cut.Find("input[name=ticket]").GetAttribute("value");
        Assert.NotNull(await _engine.Tickets.RedeemTicketAsync(ticket, EngineFixture.Browser.BrowserBindingHash, null));
        Assert.Null(await _engine.Tickets.RedeemTicketAsync(ticket, EngineFixture.Browser.BrowserBindingHash, null));
    }

    [Fact]
    public async Task Approved_AfterQrSignInWasSwitchedOff_ShowsNoTicket()
    {
        var cut = RenderPanel();
        var lsi = LsiOf(WaitForLink(cut));
        await _engine.Service.OpenAsync(lsi, "user-1", null);
        cut.WaitForAssertion(() => Assert.Equal("scanned", cut.Find(".qr-panel").GetAttribute("data-state")));
        var settings = await _engine.Settings.GetAsync();
        settings.Enabled = false;
        await _engine.Settings.UpdateAsync(settings, "admin", "admin", null);

        // An approval that was already on its way when the switch went off (the engine itself would now refuse one).
        await using (var db = _engine.Database.CreateDbContext())
        {
            await db.QrTransactions.ExecuteUpdateAsync(s => s.SetProperty(t => t.State, QrTransactionState.Success).SetProperty(t => t.UserId, "user-1"));
        }

        await _engine.Notifier.PublishAsync(new QrTransactionChanged(cut.Instance.TransactionId!.Value, QrTransactionState.Success, true, _engine.Clock.GetUtcNow()));

        cut.WaitForAssertion(() => Assert.Equal("error", cut.Find(".qr-panel").GetAttribute("data-state")));
        Assert.Empty(cut.FindAll("input[name=ticket]"));
    }

    [Fact]
    public async Task Denied_SaysSo_AndOffersANewCode()
    {
        var cut = RenderPanel();
        var lsi = LsiOf(WaitForLink(cut));

        await _engine.Service.DenyAsync(lsi, "user-1", null, null);

        cut.WaitForAssertion(() => Assert.Contains("denied on the phone", cut.Markup));
        Assert.Contains("New code", cut.Find("button").TextContent);
        Assert.Empty(cut.FindAll("input[name=ticket]"));
    }

    [Fact]
    public async Task Expired_SaysSo_AndNewCodeMakesANewTransaction()
    {
        var cut = RenderPanel();
        var firstLsi = LsiOf(WaitForLink(cut));
        var firstId = cut.Instance.TransactionId;

        _engine.Clock.Advance(TimeSpan.FromSeconds(121));
        await _engine.Sweeper.ExpireOverdueAsync();
        cut.WaitForAssertion(() => Assert.Contains("This code has expired", cut.Markup));

        await cut.Find("button").ClickAsync(new());

        var secondLsi = LsiOf(WaitForLink(cut));
        Assert.NotEqual(firstLsi, secondLsi);
        Assert.NotEqual(firstId, cut.Instance.TransactionId);
        Assert.Equal(AttemptResult.Approved, await _engine.Service.ApproveAsync(secondLsi, "user-1", false, null, null));
    }

    [Fact]
    public async Task Denied_IsACompactState_WithoutTheEmptyFrameOrCountdown()
    {
        var cut = RenderPanel();
        var lsi = LsiOf(WaitForLink(cut));

        await _engine.Service.DenyAsync(lsi, "user-1", null, null);

        cut.WaitForAssertion(() => Assert.Equal("denied", cut.Find(".qr-panel").GetAttribute("data-state")));
        Assert.Empty(cut.FindAll(".qr-frame"));
        Assert.Empty(cut.FindAll(".qr-countdown"));
    }

    [Fact]
    public async Task Expired_OnAVisiblePage_GetsANewCodeByItself()
    {
        JSInterop.Setup<bool>("qrLogin.isVisible").SetResult(true);
        var cut = RenderPanel();
        var firstLsi = LsiOf(WaitForLink(cut));
        var firstId = cut.Instance.TransactionId;

        await ExpireAsync();

        cut.WaitForAssertion(() => Assert.NotEqual(firstId, cut.Instance.TransactionId));
        var secondLsi = LsiOf(WaitForLink(cut));
        Assert.NotEqual(firstLsi, secondLsi);
        Assert.Equal(QrLoginPanel.PanelView.Waiting, cut.Instance.View);
        Assert.Equal(AttemptResult.Approved, await _engine.Service.ApproveAsync(secondLsi, "user-1", false, null, null));
    }

    [Fact]
    public async Task Expired_WhileTheBrowserIsAway_AsksNothing_AndGetsANewCodeWhenItIsBack()
    {
        JSInterop.Setup<bool>("qrLogin.isVisible").SetResult(true);
        var cut = RenderPanel();
        var firstLsi = LsiOf(WaitForLink(cut));
        var firstId = cut.Instance.TransactionId;
        await _connection.OnConnectionDownAsync(null!, Xunit.TestContext.Current.CancellationToken);

        await ExpireAsync();

        // A call to the browser now would wait for an answer that never comes.
        cut.WaitForAssertion(() => Assert.Equal(QrLoginPanel.PanelView.Expired, cut.Instance.View));
        Assert.DoesNotContain(JSInterop.Invocations, i => i.Identifier == "qrLogin.isVisible");

        await _connection.OnConnectionUpAsync(null!, Xunit.TestContext.Current.CancellationToken);

        cut.WaitForAssertion(() => Assert.NotEqual(firstId, cut.Instance.TransactionId));
        Assert.Equal(QrLoginPanel.PanelView.Waiting, cut.Instance.View);
        Assert.NotEqual(firstLsi, LsiOf(WaitForLink(cut)));
    }

    [Fact]
    public async Task Expired_AfterFiveAutomaticRenewals_ShowsACompactStateWithTheButton_AndAClickStartsOver()
    {
        JSInterop.Setup<bool>("qrLogin.isVisible").SetResult(true);
        var cut = RenderPanel();
        WaitForLink(cut);
        for (var renewal = 1; renewal <= QrLoginPanel.AutomaticRenewals; renewal++)
        {
            var before = cut.Instance.TransactionId;
            await ExpireAsync();
            cut.WaitForAssertion(() => Assert.NotEqual(before, cut.Instance.TransactionId));
            WaitForLink(cut);
        }

        await ExpireAsync();

        cut.WaitForAssertion(() => Assert.Contains("This code has expired", cut.Markup));
        Assert.Equal("expired", cut.Find(".qr-panel").GetAttribute("data-state"));
        Assert.Empty(cut.FindAll(".qr-countdown"));
        Assert.Empty(cut.FindAll(".qr-frame"));
        await cut.Find("button").ClickAsync(new());
        WaitForLink(cut);
        var clicked = cut.Instance.TransactionId;
        await ExpireAsync();
        cut.WaitForAssertion(() => Assert.NotEqual(clicked, cut.Instance.TransactionId));
    }

    [Fact]
    public async Task Expired_OnAHiddenPage_WaitsForTheButton()
    {
        JSInterop.Setup<bool>("qrLogin.isVisible").SetResult(false);
        var cut = RenderPanel();
        WaitForLink(cut);
        var firstId = cut.Instance.TransactionId;

        await ExpireAsync();

        cut.WaitForAssertion(() => Assert.Contains("This code has expired", cut.Markup));
        Assert.Contains("New code", cut.Find("button").TextContent);
        Assert.Equal(1, await CountTransactionsAsync());
        Assert.Equal(firstId, cut.Instance.TransactionId);
    }

    [Fact]
    public async Task Expired_WhenTheAddressMayCreateNoMoreCodes_ShowsTheButton_AndDoesNotLoop()
    {
        JSInterop.Setup<bool>("qrLogin.isVisible").SetResult(true);
        var settings = await _engine.Settings.GetAsync();
        settings.ExpirySeconds = 10;
        await _engine.Settings.UpdateAsync(settings, "admin", "admin", null);
        _engine.EngineOptions.CreatedPerMinutePerIp = 1;
        var cut = RenderPanel();
        WaitForLink(cut);

        await ExpireAsync(seconds: 11);

        cut.WaitForAssertion(() => Assert.Contains("Too many codes were requested", cut.Markup));
        Assert.Contains("New code", cut.Find("button").TextContent);
        Assert.Equal(1, await CountTransactionsAsync());
        Assert.Single(JSInterop.Invocations, i => i.Identifier == "qrLogin.isVisible");
    }

    [Fact]
    public async Task CancelledByAnAdministrator_SaysSo_NotDenied()
    {
        var cut = RenderPanel();
        WaitForLink(cut);

        await _engine.Service.CancelByAdminAsync(cut.Instance.TransactionId!.Value, "admin-1", null);

        cut.WaitForAssertion(() => Assert.Contains("cancelled by an administrator", cut.Markup));
        Assert.DoesNotContain("denied", cut.Markup);
        Assert.Contains("New code", cut.Find("button").TextContent);
    }

    [Fact]
    public async Task StopAllPending_SaysCancelledByAnAdministrator()
    {
        var cut = RenderPanel();
        WaitForLink(cut);

        await _engine.Service.CancelEveryPendingAsync();

        cut.WaitForAssertion(() => Assert.Contains("cancelled by an administrator", cut.Markup));
    }

    [Fact]
    public async Task Disabled_SaysQrSignInIsOff()
    {
        var settings = await _engine.Settings.GetAsync();
        settings.Enabled = false;
        await _engine.Settings.UpdateAsync(settings, "admin", "admin", null);

        var cut = RenderPanel();

        cut.WaitForAssertion(() => Assert.Contains("switched off by the administrator", cut.Markup));
        Assert.Empty(cut.FindAll("img.qr-image"));
    }

    [Fact]
    public void TooManyCodesFromOneAddress_SaysToWait_InsteadOfShowingACode()
    {
        _engine.EngineOptions.CreatedPerMinutePerIp = 1;
        WaitForLink(RenderPanel());

        var second = RenderPanel();

        second.WaitForAssertion(() => Assert.Contains("Too many codes were requested", second.Markup));
        Assert.Empty(second.FindAll("img.qr-image"));
    }

    [Fact]
    public async Task Disposing_ThePanel_LeavesNoSubscriptionBehind()
    {
        var cut = RenderPanel();
        WaitForLink(cut);
        Assert.Equal(1, _engine.Notifier.SubscriptionCount);

        await DisposeComponentsAsync();

        Assert.Equal(0, _engine.Notifier.SubscriptionCount);
    }

    [Fact]
    public async Task ClosingThePage_CancelsItsPendingCode_SoAPhoneCannotApproveIt()
    {
        var cut = RenderPanel();
        var lsi = LsiOf(WaitForLink(cut));

        await DisposeComponentsAsync();

        Assert.Equal(AttemptResult.NotAvailable, await _engine.Service.ApproveAsync(lsi, "user-1", false, null, null));
    }

    [Fact]
    public async Task AtThePortalsPendingCap_ANewPanelSaysBusy_AndTheWaitingOneGoesOn()
    {
        _engine.EngineOptions.MaxPending = 1;
        var waiting = RenderPanel();
        var lsi = LsiOf(WaitForLink(waiting));

        var refused = RenderPanel();

        refused.WaitForAssertion(() => Assert.Contains("busy right now", refused.Markup));
        await _engine.Service.ApproveAsync(lsi, "user-1", false, null, null);
        waiting.WaitForAssertion(() => Assert.Contains("Signing you in", waiting.Markup));
    }

    [Fact]
    public async Task OnShutdown_TheCodeIsWithdrawn_AndThePanelSaysThePortalIsRestarting()
    {
        var cut = RenderPanel();
        var lsi = LsiOf(WaitForLink(cut));

        await _engine.Service.CancelPendingForShutdownAsync();

        cut.WaitForAssertion(() => Assert.Contains("restarting", cut.Markup));
        Assert.Equal(QrLoginPortal.QrLogin.AttemptResult.NotAvailable, await _engine.Service.ApproveAsync(lsi, "user-1", false, null, null));
    }

    private sealed class CountingDbFactory(TestDatabase database, CommandCounter counter) : IDbContextFactory<QrLoginPortal.Data.ApplicationDbContext>
    {
        public QrLoginPortal.Data.ApplicationDbContext CreateDbContext() =>
            new(new DbContextOptionsBuilder<QrLoginPortal.Data.ApplicationDbContext>(database.Options).AddInterceptors(counter).Options);
    }

    private async Task ExpireAsync(int seconds = 121)
    {
        _engine.Clock.Advance(TimeSpan.FromSeconds(seconds));
        await _engine.Sweeper.ExpireOverdueAsync();
    }

    private async Task<int> CountTransactionsAsync()
    {
        await using var db = _engine.Database.CreateDbContext();
        return await db.QrTransactions.CountAsync();
    }

    private IRenderedComponent<QrLoginPanel> RenderPanel() => Render<QrLoginPanel>(p => p
        .Add(x => x.PublicOrigin, "https://portal.test")
        .Add(x => x.BrowserBindingHash, Convert.ToBase64String(EngineFixture.Browser.BrowserBindingHash!))
        .Add(x => x.RequesterIp, EngineFixture.Browser.Ip)
        .Add(x => x.RequesterUserAgent, EngineFixture.Browser.UserAgent)
        .Add(x => x.ReturnUrl, "/account"));

    private static string WaitForLink(IRenderedComponent<QrLoginPanel> cut)
    {
        cut.WaitForElement("a.qr-link");
        return cut.Find("a.qr-link").GetAttribute("href")!;
    }

    private static string LsiOf(string url) => Uri.UnescapeDataString(url[(url.LastIndexOf('/') + 1)..]);
}
