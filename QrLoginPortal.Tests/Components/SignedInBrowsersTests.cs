using System.Security.Claims;
using Bunit;
using Bunit.TestDoubles;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using QrLoginPortal.Components.Pages;
using QrLoginPortal.Sessions;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.Components;

public sealed class SignedInBrowsersTests : BunitContext
{
    private readonly EngineFixture _engine = new();
    private readonly SessionStore _sessions;
    private readonly InProcessSessionNotifier _notifier = new(Microsoft.Extensions.Logging.Abstractions.NullLogger<InProcessSessionNotifier>.Instance);

    public SignedInBrowsersTests()
    {
        _sessions = new SessionStore(_engine.Database, _engine.Audit, _engine.Clock, notifier: _notifier);
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
        Services.AddSingleton(_sessions);
        Services.AddSingleton<TimeProvider>(_engine.Clock);
        // Before anything renders: bUnit takes no services after the first render.
        _auth = AddAuthorization();
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        Render<MudBlazor.MudPopoverProvider>();
        _dialogs = Render<MudBlazor.MudDialogProvider>();
    }

    private readonly BunitAuthorizationContext _auth;
    private readonly IRenderedComponent<MudBlazor.MudDialogProvider> _dialogs;

    protected override ValueTask DisposeAsyncCore()
    {
        _engine.Dispose();
        return base.DisposeAsyncCore();
    }

    [Fact]
    public async Task ListsEachBrowser_MarksThisOne_AndSignsAnotherOut()
    {
        var here = await _sessions.StartAsync("user-1", "qr", false, "203.0.113.1", "Mozilla/5.0 (Windows NT 10.0) Chrome/140.0 Safari/537.36");
        var phone = await _sessions.StartAsync("user-1", "pwd", true, "198.51.100.2", "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Version/18.0 Mobile Safari/604.1");
        await _sessions.StartAsync("someone-else", "pwd", false, "192.0.2.3", "curl/8");
        SignInAs("user-1", here);

        var cut = Render<SignedInBrowsers>();

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("tbody tr").Count));
        var rows = cut.FindAll("tbody tr");
        Assert.Contains(rows, r => r.TextContent.Contains("Chrome 140 on Windows 10/11") && r.TextContent.Contains("This browser") && r.TextContent.Contains("QR code"));
        Assert.Contains(rows, r => r.TextContent.Contains("Safari 18 on iOS (iPhone)") && r.TextContent.Contains("kept signed in"));
        Assert.DoesNotContain("curl", cut.Markup);

        var phoneRow = cut.FindAll("tbody tr").Single(r => r.TextContent.Contains("iPhone"));
        await phoneRow.QuerySelector("button")!.ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("was signed out", cut.Find("[data-testid=sessions-message]").TextContent));
        Assert.False(await _sessions.IsActiveAsync(phone, "user-1"));
        Assert.True(await _sessions.IsActiveAsync(here, "user-1"));
    }

    [Fact]
    public async Task FromABrowserWhoseSessionEnded_SigningAnotherOut_IsRefused()
    {
        var here = await _sessions.StartAsync("user-1", "qr", false, "203.0.113.1", "Mozilla/5.0 (Windows NT 10.0) Chrome/140.0 Safari/537.36");
        var phone = await _sessions.StartAsync("user-1", "pwd", true, "198.51.100.2", "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Version/18.0 Mobile Safari/604.1");
        SignInAs("user-1", here);
        var cut = Render<SignedInBrowsers>();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("tbody tr").Count));

        // This browser is signed out elsewhere while its page stays open.
        Assert.True(await _sessions.EndAsync(here, "user-1", "signed out from another browser", "user-1", null));
        var phoneRow = cut.FindAll("tbody tr").Single(r => r.TextContent.Contains("iPhone"));
        await phoneRow.QuerySelector("button")!.ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("This browser was signed out", cut.Find("[data-testid=sessions-error]").TextContent));
        Assert.True(await _sessions.IsActiveAsync(phone, "user-1"));
    }

    [Fact]
    public async Task ShowsActiveSessionsOnly_WithTheirStatus_AndEndedOnesBehindAToggle()
    {
        var here = await _sessions.StartAsync("user-1", "pwd", false, "203.0.113.1", "Mozilla/5.0 (Windows NT 10.0) Chrome/140.0 Safari/537.36");
        var old = await _sessions.StartAsync("user-1", "qr", false, "198.51.100.2", "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0");
        await _sessions.EndAsync(old, "user-1", "signed out", "user-1", null);
        SignInAs("user-1", here);

        var cut = Render<SignedInBrowsers>();

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("tbody tr")));
        Assert.Equal("Signed in", cut.Find("[data-testid=status]").TextContent);
        Assert.DoesNotContain("Firefox", cut.Find("tbody").TextContent);

        var toggle = cut.Find("[data-testid=show-ended]");
        await (toggle.TagName == "INPUT" ? toggle : toggle.QuerySelector("input")!).ChangeAsync(new() { Value = true });

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("tbody tr").Count));
        var ended = cut.FindAll("tbody tr").Single(r => r.TextContent.Contains("Firefox 133 on Linux"));
        Assert.StartsWith("Ended", ended.QuerySelector("[data-testid=status]")!.TextContent);
        Assert.Null(ended.QuerySelector("button"));
    }

    [Fact]
    public async Task NamesEachBrowserSoItCanBeToldApart_ByNetworkAndFirstSeen()
    {
        var here = await _sessions.StartAsync("user-1", "pwd", false, "203.0.113.1", "Mozilla/5.0 (Windows NT 10.0) Chrome/140.0 Safari/537.36");
        _engine.Clock.Advance(TimeSpan.FromDays(2));
        await _sessions.StartAsync("user-1", "pwd", false, "203.0.113.77", "Mozilla/5.0 (Windows NT 10.0) Chrome/140.0 Safari/537.36");
        await _sessions.StartAsync("user-1", "pwd", false, "192.168.1.20", "Mozilla/5.0 (Windows NT 10.0) Chrome/140.0 Safari/537.36");
        SignInAs("user-1", here);

        var cut = Render<SignedInBrowsers>();

        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("tbody tr").Count));
        var networks = cut.FindAll("[data-testid=network]").Select(e => e.TextContent).ToList();
        Assert.Contains("network 203.0.113.x", networks);
        Assert.Contains("network 203.0.113.x (the same as here)", networks);
        Assert.Contains("local network 192.168.1.x", networks);
        Assert.Equal(2, cut.FindAll("[data-testid=first-seen]").Select(e => e.TextContent).Distinct().Count());
    }

    [Fact]
    public async Task SignOutAllOtherBrowsers_EndsEveryOtherSession_TellsTheirPages_AndKeepsThisOne()
    {
        var here = await _sessions.StartAsync("user-1", "pwd", false, "203.0.113.1", "Mozilla/5.0 (Windows NT 10.0) Chrome/140.0 Safari/537.36");
        var phone = await _sessions.StartAsync("user-1", "qr", true, "198.51.100.2", "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Version/18.0 Mobile Safari/604.1");
        var laptop = await _sessions.StartAsync("user-1", "qr", false, "198.51.100.3", "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0");
        var someoneElse = await _sessions.StartAsync("user-2", "pwd", false, "192.0.2.3", "Mozilla/5.0 Firefox/133.0");
        var told = new List<SessionsEnded>();
        using var subscription = _notifier.Subscribe("user-1", e => { lock (told) { told.Add(e); } return Task.CompletedTask; });
        SignInAs("user-1", here);
        var cut = Render<SignedInBrowsers>();
        cut.WaitForAssertion(() => Assert.Contains("(2)", cut.Find("button[data-testid=end-others]").TextContent));

        await _dialogs.ClickAndAnswerAsync(cut.Find("button[data-testid=end-others]"), "Sign out 2 browsers");

        cut.WaitForAssertion(() => Assert.Equal("2 other browsers were signed out.", cut.Find("[data-testid=sessions-message]").TextContent));
        Assert.True(await _sessions.IsActiveAsync(here, "user-1"));
        Assert.False(await _sessions.IsActiveAsync(phone, "user-1"));
        Assert.False(await _sessions.IsActiveAsync(laptop, "user-1"));
        Assert.True(await _sessions.IsActiveAsync(someoneElse, "user-2"));
        lock (told)
        {
            Assert.Equal(2, told.Count);
            Assert.All(told, e => Assert.False(e.Ends(here)));
            Assert.Contains(told, e => e.Ends(phone));
            Assert.Contains(told, e => e.Ends(laptop));
        }

        Assert.Single(cut.FindAll("tbody tr"));
        Assert.Empty(cut.FindAll("button[data-testid=end-others]"));
    }

    [Fact]
    public async Task SignOutAllOtherBrowsers_AsksFirst_NamingHowManyBrowsers_AndCancelSignsNobodyOut()
    {
        var here = await _sessions.StartAsync("user-1", "pwd", false, "203.0.113.1", "Mozilla/5.0 (Windows NT 10.0) Chrome/140.0 Safari/537.36");
        var phone = await _sessions.StartAsync("user-1", "qr", true, "198.51.100.2", "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Version/18.0 Mobile Safari/604.1");
        var laptop = await _sessions.StartAsync("user-1", "qr", false, "198.51.100.3", "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0");
        SignInAs("user-1", here);
        var cut = Render<SignedInBrowsers>();
        cut.WaitForAssertion(() => Assert.Contains("(2)", cut.Find("button[data-testid=end-others]").TextContent));

        var said = await _dialogs.ClickAndAnswerAsync(cut.Find("button[data-testid=end-others]"), "Cancel");

        Assert.Contains("2 other browsers will be signed out", said);
        Assert.Empty(cut.FindAll("[data-testid=sessions-message]"));
        Assert.True(await _sessions.IsActiveAsync(phone, "user-1"));
        Assert.True(await _sessions.IsActiveAsync(laptop, "user-1"));
        Assert.Equal(3, cut.FindAll("tbody tr").Count);
    }

    [Fact]
    public async Task Prerendered_BeforeItsCircuitIsUp_ThePagesButtonsAreDisabled()
    {
        var here = await _sessions.StartAsync("user-1", "pwd", false, "203.0.113.1", "Mozilla/5.0 (Windows NT 10.0) Chrome/140.0 Safari/537.36");
        await _sessions.StartAsync("user-1", "qr", true, "198.51.100.2", "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Version/18.0 Mobile Safari/604.1");
        SignInAs("user-1", here);
        SetRendererInfo(new RendererInfo("Static", isInteractive: false));

        var cut = Render<SignedInBrowsers>();

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("tbody tr").Count));
        var buttons = cut.FindAll("button");
        Assert.NotEmpty(buttons);
        // A click on the prerendered page would be lost: every button says it cannot act yet.
        Assert.All(buttons, b => Assert.True(b.HasAttribute("disabled"), b.OuterHtml));
    }

    [Fact]
    public void WithNoSessions_SaysSo()
    {
        SignInAs("user-2", Guid.NewGuid());

        var cut = Render<SignedInBrowsers>();

        cut.WaitForAssertion(() => Assert.Contains("No sessions found", cut.Markup));
    }

    private void SignInAs(string userId, Guid sessionId)
    {
        _auth.SetAuthorized(userId);
        _auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, userId), new Claim(SessionStore.SessionClaim, sessionId.ToString()));
    }
}
