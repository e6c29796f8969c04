using System.Net;
using Microsoft.Extensions.Options;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.Oidc;

/// <summary>Applications named in configuration (Oidc:Applications) are registered at start and can sign people in.</summary>
public sealed class ConfiguredApplicationTests : IClassFixture<ConfiguredApplicationTests.Portal>
{
    private const string Secret = "wiki-secret-0123456789abcdef";
    private readonly Portal _portal;

    public ConfiguredApplicationTests(Portal portal) => _portal = portal;

    public sealed class Portal : PortalFactory
    {
        public Portal() => Settings = new Dictionary<string, string?>
        {
            ["Oidc:Applications:0:ClientId"] = "wiki",
            ["Oidc:Applications:0:ClientSecret"] = Secret,
            ["Oidc:Applications:0:DisplayName"] = "Team wiki",
            ["Oidc:Applications:0:RedirectUris:0"] = "https://wiki.example/oauth/callback",
            ["Oidc:Applications:0:PostLogoutRedirectUris:0"] = "https://wiki.example/",
            ["Oidc:Applications:0:ConsentType"] = "Implicit",
            ["Oidc:Applications:1:ClientId"] = "spa",
            ["Oidc:Applications:1:RedirectUris:0"] = "http://localhost:5173/callback",
            ["Oidc:Applications:1:Scopes:0"] = "profile",
            ["Oidc:Applications:2:ClientId"] = "partner",
            ["Oidc:Applications:2:DisplayName"] = "Partner portal",
            ["Oidc:Applications:2:RedirectUris:0"] = "https://partner.example/callback",
            ["Oidc:Applications:2:ConsentType"] = "Explicit",
            ["Oidc:Applications:2:LogoUri"] = "https://partner.example/logo.png",
        };
    }

    private async Task<PortalFactory.BrowserClient> SignedInBrowserAsync(string email)
    {
        await _portal.CreateUserAsync(email);
        var browser = _portal.CreateBrowser();
        await browser.SignInWithPasswordAsync(email, PortalFactory.DemoPassword);
        return browser;
    }

    [Fact]
    public async Task AConfiguredConfidentialApplication_GetsTokens_OnlyWithItsSecret()
    {
        using var browser = await SignedInBrowserAsync("configured-wiki@test.local");
        var wiki = new OidcRelyingParty(_portal, "wiki", "https://wiki.example/oauth/callback");
        var code = await wiki.CodeAsync(browser);

        var withoutSecret = await OidcRelyingParty.JsonAsync(await wiki.RedeemAsync(code), HttpStatusCode.Unauthorized);
        Assert.Equal("invalid_client", withoutSecret.GetProperty("error").GetString());

        var tokens = await OidcRelyingParty.JsonAsync(await wiki.RedeemAsync(await wiki.CodeAsync(browser), clientSecret: Secret));
        Assert.Equal(await _portal.UserIdAsync("configured-wiki@test.local"), OidcRelyingParty.IdToken(tokens).Subject);
    }

    [Fact]
    public async Task AConfiguredPublicApplication_GetsOnlyTheScopesItWasGiven()
    {
        using var browser = await SignedInBrowserAsync("configured-spa@test.local");
        var spa = new OidcRelyingParty(_portal, "spa", "http://localhost:5173/callback");

        var asksForEmail = await browser.Http.GetAsync(spa.AuthorizeUrl());
        var profileOnly = await browser.Http.GetAsync(spa.AuthorizeUrl(new Dictionary<string, string?> { ["scope"] = "openid profile" }));

        Assert.Equal(HttpStatusCode.BadRequest, asksForEmail.StatusCode);
        Assert.Null(asksForEmail.Headers.Location);
        Assert.Contains("not allowed to use the specified scope", await asksForEmail.Content.ReadAsStringAsync());
        var tokens = await OidcRelyingParty.JsonAsync(await spa.RedeemAsync(spa.CodeFrom(profileOnly)));
        Assert.Equal("configured-spa@test.local", OidcRelyingParty.IdToken(tokens).Claims.Single(c => c.Type == "preferred_username").Value);
        Assert.DoesNotContain(OidcRelyingParty.IdToken(tokens).Claims, c => c.Type == "email");
    }

    [Fact]
    public async Task AConfiguredExplicitApplication_AsksForConsent_ShowingItsLogo()
    {
        using var browser = await SignedInBrowserAsync("configured-partner@test.local");
        var partner = new OidcRelyingParty(_portal, "partner", "https://partner.example/callback");

        var response = await browser.Http.GetAsync(partner.AuthorizeUrl());

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var page = await browser.GetPageAsync(response.Headers.Location!.OriginalString);
        Assert.Contains("Partner portal", page);
        Assert.Contains("src=\"https://partner.example/logo.png\"", page);
    }

    [Theory]
    [InlineData("Oidc:Applications:0:RedirectUris:0", "http://wiki.example/callback", "must use https")]
    [InlineData("Oidc:Applications:0:RedirectUris:0", "https://wiki.example/cb#x", "fragment")]
    [InlineData("Oidc:Applications:0:ClientSecret", "short", "at least 16")]
    [InlineData("Oidc:Applications:0:ConsentType", "Sometimes", "ConsentType")]
    [InlineData("Oidc:Applications:0:LogoUri", "http://wiki.example/logo.png", "LogoUri")]
    [InlineData("Oidc:Applications:0:Scopes:0", "admin", "unknown scope")]
    public void AMisconfiguredApplication_StopsTheStart_NamingTheSetting(string key, string value, string message)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Oidc:Applications:0:ClientId"] = "broken",
            ["Oidc:Applications:0:RedirectUris:0"] = "https://wiki.example/callback",
            [key] = value,
        };
        using var misconfigured = new PortalFactory { Settings = settings };

        var error = Assert.ThrowsAny<Exception>(() => misconfigured.CreateClient());

        var text = error is OptionsValidationException ? error.Message : error.ToString();
        Assert.Contains("Oidc:Applications:0:", text);
        Assert.Contains(message, text);
    }
}
