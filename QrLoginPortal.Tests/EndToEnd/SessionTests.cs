using System.Net;
using Microsoft.Extensions.DependencyInjection;
using QrLoginPortal.Sessions;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.EndToEnd;

public sealed class SessionTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    private SessionStore Sessions => portal.Services.GetRequiredService<SessionStore>();

    [Fact]
    public async Task SigningIn_OpensASession_WithTheBrowserAndMethod()
    {
        var userId = await portal.CreateUserAsync("session-a@test.local");
        using var browser = portal.CreateBrowser();

        await browser.SignInWithPasswordAsync("session-a@test.local", PortalFactory.DemoPassword);

        var session = Assert.Single(await Sessions.ListAsync(userId));
        Assert.Null(session.EndedAt);
        Assert.Equal("pwd", session.Method);
        Assert.Contains("Chrome/140", session.UserAgent);
    }

    [Fact]
    public async Task TheAccountMenu_LinksToTheSignedInBrowsersPage()
    {
        await portal.CreateUserAsync("session-menu@test.local");
        using var browser = portal.CreateBrowser();
        await browser.SignInWithPasswordAsync("session-menu@test.local", PortalFactory.DemoPassword);

        var page = await browser.GetPageAsync("/Account/Manage");

        Assert.Contains("href=\"account/sessions\"", page);
        Assert.Contains("Signed-in browsers", page);
    }

    [Fact]
    public async Task EndingASession_SignsThatBrowserOutOnItsNextRequest_AndOnlyThatOne()
    {
        var userId = await portal.CreateUserAsync("session-b@test.local");
        using var laptop = portal.CreateBrowser();
        using var phone = portal.CreateBrowser("Mozilla/5.0 (Linux; Android 14; Pixel 8) Chrome/140.0 Mobile Safari/537.36");
        await laptop.SignInWithPasswordAsync("session-b@test.local", PortalFactory.DemoPassword);
        await phone.SignInWithPasswordAsync("session-b@test.local", PortalFactory.DemoPassword);
        var laptopSession = (await Sessions.ListAsync(userId)).Single(s => s.UserAgent!.Contains("Windows"));

        Assert.True(await Sessions.EndAsync(laptopSession.Id, userId, "test", userId, null));

        var laptopNext = await laptop.Http.GetAsync("/account");
        Assert.Equal(HttpStatusCode.Redirect, laptopNext.StatusCode);
        Assert.StartsWith("/login", laptopNext.Headers.Location!.PathAndQuery);
        Assert.Contains("session-b@test.local", await phone.GetPageAsync("/account"));
    }

    [Fact]
    public async Task SigningOut_EndsTheSession()
    {
        var userId = await portal.CreateUserAsync("session-c@test.local");
        using var browser = portal.CreateBrowser();
        await browser.SignInWithPasswordAsync("session-c@test.local", PortalFactory.DemoPassword);
        var home = await browser.GetPageAsync("/");

        var response = await browser.PostFormAsync("/Account/Logout", home, "", new Dictionary<string, string> { ["returnUrl"] = "" });

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.NotNull(Assert.Single(await Sessions.ListAsync(userId)).EndedAt);
    }

    [Fact]
    public async Task AnotherUsersSession_CannotBeEnded_ByGuessingItsId()
    {
        var owner = await portal.CreateUserAsync("session-d@test.local");
        var other = await portal.CreateUserAsync("session-e@test.local");
        using var browser = portal.CreateBrowser();
        await browser.SignInWithPasswordAsync("session-d@test.local", PortalFactory.DemoPassword);
        var session = Assert.Single(await Sessions.ListAsync(owner));

        Assert.False(await Sessions.EndAsync(session.Id, other, "test", other, null));

        Assert.Null(Assert.Single(await Sessions.ListAsync(owner)).EndedAt);
    }

    [Fact]
    public async Task SigningInAgain_OnASignedInBrowser_ReplacesItsSession_WithTheNewMethodAndTime()
    {
        var userId = await portal.CreateUserAsync("session-again@test.local");
        using var browser = portal.CreateBrowser();
        await browser.SignInWithPasswordAsync("session-again@test.local", PortalFactory.DemoPassword);
        var first = Assert.Single(await Sessions.ListAsync(userId));
        var firstCookies = browser.Cookies.GetAllCookies();
        portal.Clock.Advance(TimeSpan.FromMinutes(3));

        await browser.SignInWithPasswordAsync("session-again@test.local", PortalFactory.DemoPassword);

        var sessions = await Sessions.ListAsync(userId);
        var second = Assert.Single(sessions, s => s.EndedAt is null);
        Assert.NotEqual(first.Id, second.Id);
        Assert.Equal(first.CreatedAt + TimeSpan.FromMinutes(3), second.CreatedAt);
        Assert.Equal("replaced by a new sign-in on this browser", Assert.Single(sessions, s => s.Id == first.Id).EndedReason);
        using var copy = portal.CreateBrowser();
        copy.Cookies.Add(firstCookies);
        Assert.Equal(HttpStatusCode.Redirect, (await copy.Http.GetAsync("/account")).StatusCode);
        Assert.Contains("session-again@test.local", await browser.GetPageAsync("/account"));
    }

    [Fact]
    public async Task TheSignedInProbe_SaysWhetherTheBrowsersCookieIsOfAnOpenSession_WithoutRedirecting()
    {
        await portal.CreateUserAsync("session-probe@test.local");
        using var browser = portal.CreateBrowser();
        var anonymous = await browser.Http.GetAsync(SignedInProbe.Path);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.True(anonymous.Headers.CacheControl?.NoStore);
        await browser.SignInWithPasswordAsync("session-probe@test.local", PortalFactory.DemoPassword);
        var firstCookies = browser.Cookies.GetAllCookies();
        Assert.Equal(HttpStatusCode.NoContent, (await browser.Http.GetAsync(SignedInProbe.Path)).StatusCode);

        // A new sign-in replaces the session: until the browser holds the new cookie, the old one says "not signed in".
        await browser.SignInWithPasswordAsync("session-probe@test.local", PortalFactory.DemoPassword);

        Assert.Equal(HttpStatusCode.NoContent, (await browser.Http.GetAsync(SignedInProbe.Path)).StatusCode);
        using var stale = portal.CreateBrowser();
        stale.Cookies.Add(firstCookies);
        var refused = await stale.Http.GetAsync(SignedInProbe.Path);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        // Nor does it delete the cookie: its answer may reach the browser after the new sign-in's cookie.
        Assert.DoesNotContain(refused.Headers.TryGetValues("Set-Cookie", out var set) ? set : [],
            cookie => cookie.StartsWith(".AspNetCore.Identity.Application=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheSignInPage_TellsASignedInBrowser_ThatSigningInAgainReplacesItsSignIn()
    {
        await portal.CreateUserAsync("session-note@test.local");
        using var browser = portal.CreateBrowser();
        Assert.DoesNotContain("signed-in-note", await browser.GetPageAsync("/login"));
        await browser.SignInWithPasswordAsync("session-note@test.local", PortalFactory.DemoPassword);

        var page = await browser.GetPageAsync("/login");

        Assert.Contains("You are signed in as session-note@test.local. Signing in here replaces that sign-in on this browser.", page);
    }

    [Fact]
    public async Task AnotherAccountSigningIn_OnASignedInBrowser_EndsTheFirstAccountsSession()
    {
        var firstUser = await portal.CreateUserAsync("session-first@test.local");
        var secondUser = await portal.CreateUserAsync("session-second@test.local");
        using var browser = portal.CreateBrowser();
        await browser.SignInWithPasswordAsync("session-first@test.local", PortalFactory.DemoPassword);

        await browser.SignInWithPasswordAsync("session-second@test.local", PortalFactory.DemoPassword);

        Assert.NotNull(Assert.Single(await Sessions.ListAsync(firstUser)).EndedAt);
        Assert.Null(Assert.Single(await Sessions.ListAsync(secondUser)).EndedAt);
    }

    [Fact]
    public async Task IdentityRefreshingTheCookie_OfASignedInBrowser_KeepsItsSession()
    {
        var userId = await portal.CreateUserAsync("session-refresh@test.local");
        using var browser = portal.CreateBrowser();
        await browser.SignInWithPasswordAsync("session-refresh@test.local", PortalFactory.DemoPassword);
        var session = Assert.Single(await Sessions.ListAsync(userId));
        var page = await browser.GetPageAsync("/Account/Manage");

        // Saving the profile unchanged re-issues the cookie (SignInManager.RefreshSignInAsync) without a new sign-in.
        var saved = await browser.PostFormAsync("/Account/Manage", page, "profile", new Dictionary<string, string>());

        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        var after = Assert.Single(await Sessions.ListAsync(userId));
        Assert.Equal(session.Id, after.Id);
        Assert.Null(after.EndedAt);
        Assert.Contains("session-refresh@test.local", await browser.GetPageAsync("/account"));
    }

    [Fact]
    public async Task APasswordChangedElsewhere_EndsTheOtherBrowsersSession()
    {
        var userId = await portal.CreateUserAsync("session-f@test.local");
        using var browser = portal.CreateBrowser();
        await browser.SignInWithPasswordAsync("session-f@test.local", PortalFactory.DemoPassword);
        using (var scope = portal.Services.CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<Data.ApplicationUser>>();
            var user = await users.FindByIdAsync(userId);
            Assert.True((await users.ChangePasswordAsync(user!, PortalFactory.DemoPassword, "Another-Passw0rd!")).Succeeded);
        }

        portal.Clock.Advance(TimeSpan.FromMinutes(2));
        var next = await browser.Http.GetAsync("/account");

        Assert.Equal(HttpStatusCode.Redirect, next.StatusCode);
        Assert.NotNull(Assert.Single(await Sessions.ListAsync(userId)).EndedAt);
    }
}
