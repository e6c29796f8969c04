using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using QrLoginPortal.Admin;
using QrLoginPortal.Audit;
using QrLoginPortal.Tests.Infrastructure;
using QrLoginPortal.Tests.Oidc;

namespace QrLoginPortal.Tests.Admin;

public sealed class ApplicationAdminTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    private const string Callback = "https://wiki.example/oauth/callback";

    private ApplicationAdmin Applications => portal.Services.GetRequiredService<ApplicationAdmin>();

    private static ApplicationInput Wiki(bool confidential = true, string callback = Callback) =>
        new("Team wiki", [callback], ["https://wiki.example/"], ["profile", "email", "roles", "offline_access"], confidential);

    private async Task<PortalFactory.BrowserClient> SignedInBrowserAsync(string email)
    {
        await portal.CreateUserAsync(email);
        var browser = portal.CreateBrowser();
        await browser.SignInWithPasswordAsync(email, PortalFactory.DemoPassword);
        return browser;
    }

    [Fact]
    public async Task ARegisteredConfidentialApplication_SignsPeopleIn_WithTheSecretShownOnce_UntilRotated()
    {
        var admin = await portal.AdminActorAsync();
        using var browser = await SignedInBrowserAsync("app-admin-a@test.local");

        var registered = await Applications.RegisterAsync(admin, Wiki());

        Assert.True(registered.Succeeded, registered.Message);
        var listed = Assert.Single(await Applications.ListAsync(), a => a.ClientId == registered.ClientId);
        Assert.True(listed.Confidential);
        Assert.True(listed.Enabled);
        Assert.Equal([Callback], listed.RedirectUris);
        var app = new OidcRelyingParty(portal, registered.ClientId!, Callback);
        await OidcRelyingParty.JsonAsync(await app.RedeemAsync(await app.CodeAsync(browser), clientSecret: registered.Secret));

        var rotated = await Applications.RotateSecretAsync(admin, registered.ClientId!);
        Assert.NotEqual(registered.Secret, rotated.Secret);
        await OidcRelyingParty.JsonAsync(await app.RedeemAsync(await app.CodeAsync(browser), clientSecret: registered.Secret), HttpStatusCode.Unauthorized);
        await OidcRelyingParty.JsonAsync(await app.RedeemAsync(await app.CodeAsync(browser), clientSecret: rotated.Secret));

        await using var db = portal.Database.CreateDbContext();
        var audited = await db.AuditEvents.Where(e => e.Subject == registered.ClientId).Select(e => e.Type).ToListAsync(TestContext.Current.CancellationToken);
        Assert.Contains(AuditTypes.ApplicationCreate, audited);
        Assert.Contains(AuditTypes.ApplicationRotate, audited);
        Assert.DoesNotContain(await db.AuditEvents.Select(e => e.Details).ToListAsync(TestContext.Current.CancellationToken),
            d => d != null && (d.Contains(registered.Secret!) || d.Contains(rotated.Secret!)));
    }

    [Fact]
    public async Task APublicApplication_HasNoSecret_AndUsesPkceAlone()
    {
        var admin = await portal.AdminActorAsync();
        using var browser = await SignedInBrowserAsync("app-admin-b@test.local");

        var registered = await Applications.RegisterAsync(admin, Wiki(confidential: false));

        Assert.Null(registered.Secret);
        Assert.False((await Applications.RotateSecretAsync(admin, registered.ClientId!)).Succeeded);
        var app = new OidcRelyingParty(portal, registered.ClientId!, Callback);
        await OidcRelyingParty.JsonAsync(await app.RedeemAsync(await app.CodeAsync(browser)));
    }

    [Theory]
    [InlineData("http://wiki.example/cb", "https")]
    [InlineData("https://wiki.example/cb#frag", "fragment")]
    [InlineData("/relative", "absolute")]
    public async Task ABadRedirectAddress_IsRefused_NamingIt(string callback, string message)
    {
        var admin = await portal.AdminActorAsync();

        var refused = await Applications.RegisterAsync(admin, Wiki(callback: callback));

        Assert.False(refused.Succeeded);
        Assert.Contains(callback, refused.Message);
        Assert.Contains(message, refused.Message);
    }

    [Fact]
    public async Task ADisabledApplication_CannotSendPeopleHere_NorRefresh_UntilEnabled()
    {
        var admin = await portal.AdminActorAsync();
        using var browser = await SignedInBrowserAsync("app-admin-c@test.local");
        var registered = await Applications.RegisterAsync(admin, Wiki(confidential: false));
        var app = new OidcRelyingParty(portal, registered.ClientId!, Callback);
        var refresh = (await OidcRelyingParty.JsonAsync(await app.RedeemAsync(await app.CodeAsync(browser)))).GetProperty("refresh_token").GetString()!;

        Assert.True((await Applications.SetEnabledAsync(admin, registered.ClientId!, false)).Succeeded);

        Assert.Equal(HttpStatusCode.BadRequest, (await browser.Http.GetAsync(app.AuthorizeUrl())).StatusCode);
        Assert.NotEqual(HttpStatusCode.OK, (await app.RefreshAsync(refresh)).StatusCode);
        Assert.False(Assert.Single(await Applications.ListAsync(), a => a.ClientId == registered.ClientId).Enabled);

        Assert.True((await Applications.SetEnabledAsync(admin, registered.ClientId!, true)).Succeeded);
        await OidcRelyingParty.JsonAsync(await app.RedeemAsync(await app.CodeAsync(browser)));
    }

    [Fact]
    public async Task ChangingTheRedirectAddress_RefusesTheOldOne()
    {
        var admin = await portal.AdminActorAsync();
        using var browser = await SignedInBrowserAsync("app-admin-d@test.local");
        var registered = await Applications.RegisterAsync(admin, Wiki(confidential: false));

        var changed = await Applications.ChangeAsync(admin, registered.ClientId!, Wiki(confidential: false, callback: "https://wiki.example/new-callback"));

        Assert.True(changed.Succeeded, changed.Message);
        Assert.Equal(HttpStatusCode.BadRequest, (await browser.Http.GetAsync(new OidcRelyingParty(portal, registered.ClientId!, Callback).AuthorizeUrl())).StatusCode);
        var moved = new OidcRelyingParty(portal, registered.ClientId!, "https://wiki.example/new-callback");
        await OidcRelyingParty.JsonAsync(await moved.RedeemAsync(await moved.CodeAsync(browser)));
    }

    [Fact]
    public async Task ApiClients_AreNotApplications()
    {
        var listed = await Applications.ListAsync();

        Assert.DoesNotContain(listed, a => a.ClientId == PortalFactory.ApiClientId);
        Assert.False((await Applications.SetEnabledAsync(await portal.AdminActorAsync(), PortalFactory.ApiClientId, false)).Succeeded);
    }

    [Fact]
    public async Task TheLogoAndConsentType_AreKept_AndChanged_AndEveryChangeIsAudited()
    {
        var admin = await portal.AdminActorAsync();
        var registered = await Applications.RegisterAsync(admin, Wiki() with { LogoUri = "https://wiki.example/logo.png", ConsentType = "Explicit" });
        Assert.True(registered.Succeeded, registered.Message);
        var listed = Assert.Single(await Applications.ListAsync(), a => a.ClientId == registered.ClientId);
        Assert.Equal(("https://wiki.example/logo.png", "Explicit"), (listed.LogoUri, listed.ConsentType));

        var changed = await Applications.ChangeAsync(admin, registered.ClientId!, Wiki(callback: "https://wiki.example/new-callback") with
        {
            PostLogoutRedirectUris = ["https://wiki.example/bye"], LogoUri = null, ConsentType = "Implicit",
        });

        Assert.True(changed.Succeeded, changed.Message);
        listed = Assert.Single(await Applications.ListAsync(), a => a.ClientId == registered.ClientId);
        Assert.Equal((null, "Implicit"), (listed.LogoUri, listed.ConsentType));
        Assert.Equal(["https://wiki.example/bye"], listed.PostLogoutRedirectUris);
        await using var db = await portal.Services.GetRequiredService<IDbContextFactory<QrLoginPortal.Data.ApplicationDbContext>>().CreateDbContextAsync();
        var audited = await db.AuditEvents.Where(e => e.Subject == registered.ClientId).Select(e => e.Type + " " + e.Details).ToListAsync();
        Assert.Contains(audited, a => a.StartsWith(AuditTypes.ApplicationChange) && a.Contains("consent Implicit") && a.Contains("after sign-out https://wiki.example/bye"));
    }

    [Theory]
    [InlineData("http://wiki.example/logo.png", "https")]
    [InlineData("https://user:pw@wiki.example/logo.png", "user name")]
    [InlineData("logo.png", "https")]
    public async Task ALogoThatIsNotAPlainHttpsAddress_IsRefused(string logo, string message)
    {
        var refused = await Applications.RegisterAsync(await portal.AdminActorAsync(), Wiki() with { LogoUri = logo });

        Assert.False(refused.Succeeded);
        Assert.Contains(message, refused.Message);
    }
}
