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

    public SignedInBrowsersTests()
    {
        _sessions = new SessionStore(_engine.Database, _engine.Audit, _engine.Clock);
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
        Services.AddSingleton(_sessions);
        Services.AddSingleton<TimeProvider>(_engine.Clock);
    }

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
    public void WithNoSessions_SaysSo()
    {
        SignInAs("user-2", Guid.NewGuid());

        var cut = Render<SignedInBrowsers>();

        cut.WaitForAssertion(() => Assert.Contains("No sessions found", cut.Markup));
    }

    private void SignInAs(string userId, Guid sessionId)
    {
        var auth = AddAuthorization();
        auth.SetAuthorized(userId);
        auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, userId), new Claim(SessionStore.SessionClaim, sessionId.ToString()));
    }
}
