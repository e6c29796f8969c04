using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using QrLoginPortal.Audit;
using QrLoginPortal.Data;
using QrLoginPortal.Tests.Infrastructure;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace QrLoginPortal.Tests.Oidc;

/// <summary>An application with explicit consent: the consent page, Allow remembered per scope set, Deny, prompt=none and prompt=consent.</summary>
public sealed partial class ExplicitConsentTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    private async Task<PortalFactory.BrowserClient> SignedInBrowserAsync(string email)
    {
        await portal.CreateUserAsync(email);
        var browser = portal.CreateBrowser();
        await browser.SignInWithPasswordAsync(email, PortalFactory.DemoPassword);
        return browser;
    }

    private Task<OidcRelyingParty> ExplicitAppAsync() => OidcRelyingParty.RegisterAsync(portal, consentType: ConsentTypes.Explicit);

    private static Dictionary<string, string?> Scope(string scope) => new() { ["scope"] = scope };

    /// <summary>Follows the authorization request to the consent page and returns the page's HTML (asserting it went there).</summary>
    private static async Task<string> ConsentPageAsync(PortalFactory.BrowserClient browser, OidcRelyingParty app, IDictionary<string, string?>? extra = null)
    {
        var response = await browser.Http.GetAsync(app.AuthorizeUrl(extra));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!.OriginalString;
        Assert.StartsWith("/connect/consent?", location);
        return await browser.GetPageAsync(location);
    }

    /// <summary>Presses one of the consent page's buttons, as a browser posts the form.</summary>
    private static Task<HttpResponseMessage> AnswerAsync(PortalFactory.BrowserClient browser, string page, string decision, bool withAntiforgery = true)
    {
        // Only the consent form's fields: the layout has forms of its own (sign out).
        var start = page.IndexOf("data-testid=\"consent-form\"", StringComparison.Ordinal);
        Assert.True(start >= 0, "The page has no consent form");
        var consentForm = page[start..page.IndexOf("</form>", start, StringComparison.Ordinal)];
        var form = HiddenInput().Matches(consentForm)
            .Select(m => KeyValuePair.Create(System.Net.WebUtility.HtmlDecode(m.Groups[1].Value), System.Net.WebUtility.HtmlDecode(m.Groups[2].Value)))
            .Where(f => withAntiforgery || f.Key != "__RequestVerificationToken")
            .Append(KeyValuePair.Create("consent", decision));
        return browser.Http.PostAsync("/connect/authorize", new FormUrlEncodedContent(form));
    }

    [GeneratedRegex("<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]*)\"")]
    private static partial Regex HiddenInput();

    private async Task<List<AuditEvent>> AuditAsync(string type, string clientId)
    {
        await using var db = await portal.Services.GetRequiredService<IDbContextFactory<ApplicationDbContext>>().CreateDbContextAsync();
        return await db.AuditEvents.Where(e => e.Type == type && e.Subject == clientId).ToListAsync();
    }

    [Fact]
    public async Task AnExplicitApplication_ShowsTheConsentPage_WithItsNameAndTheScopesInWords()
    {
        using var browser = await SignedInBrowserAsync("consent-page@test.local");
        var app = await ExplicitAppAsync();

        var page = await ConsentPageAsync(browser, app);

        Assert.Contains("Test application", page);
        Assert.Contains("See your email address", page);
        Assert.Contains("See your roles on this portal", page);
        Assert.Contains("consent-page@test.local", page);
        Assert.Contains("name=\"__RequestVerificationToken\"", page);
        Assert.Contains($"name=\"state\" value=\"{app.State}\"", page);
    }

    [Fact]
    public async Task Allow_GivesACode_AndIsRemembered_SoTheNextRequestNeedsNoPage()
    {
        using var browser = await SignedInBrowserAsync("consent-allow@test.local");
        var userId = await portal.UserIdAsync("consent-allow@test.local");
        var app = await ExplicitAppAsync();

        var code = app.CodeFrom(await AnswerAsync(browser, await ConsentPageAsync(browser, app), "allow"));
        await OidcRelyingParty.JsonAsync(await app.RedeemAsync(code));

        var second = await app.CodeAsync(browser);
        await OidcRelyingParty.JsonAsync(await app.RedeemAsync(second));
        var given = Assert.Single(await AuditAsync(AuditTypes.ConsentGive, app.ClientId));
        Assert.Equal(userId, given.UserId);
        Assert.Contains("email", given.Details);
    }

    [Fact]
    public async Task MoreScopesThanAllowed_AskAgain_AndFewerGoThrough()
    {
        using var browser = await SignedInBrowserAsync("consent-more@test.local");
        var app = await ExplicitAppAsync();
        app.CodeFrom(await AnswerAsync(browser, await ConsentPageAsync(browser, app, Scope("openid profile")), "allow"));

        var more = await ConsentPageAsync(browser, app, Scope("openid profile email"));
        Assert.Contains("See your email address", more);
        app.CodeFrom(await browser.Http.GetAsync(app.AuthorizeUrl(Scope("openid"))));
        app.CodeFrom(await browser.Http.GetAsync(app.AuthorizeUrl(Scope("openid profile"))));
    }

    [Fact]
    public async Task Deny_SendsAccessDeniedWithTheState_ToTheRedirectUri_AndIsAudited()
    {
        using var browser = await SignedInBrowserAsync("consent-deny@test.local");
        var app = await ExplicitAppAsync();

        var response = await AnswerAsync(browser, await ConsentPageAsync(browser, app), "deny");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!;
        Assert.StartsWith(app.RedirectUri + "?", location.OriginalString);
        var query = QueryHelpers.ParseQuery(location.Query);
        Assert.Equal("access_denied", query["error"].ToString());
        Assert.Equal(app.State, query["state"].ToString());
        Assert.False(query.ContainsKey("code"));
        Assert.Single(await AuditAsync(AuditTypes.ConsentDeny, app.ClientId));
        // Nothing was remembered: the next request asks again.
        await ConsentPageAsync(browser, app);
    }

    [Fact]
    public async Task PromptNone_WithoutConsent_AnswersConsentRequired()
    {
        using var browser = await SignedInBrowserAsync("consent-none@test.local");
        var app = await ExplicitAppAsync();

        var response = await browser.Http.GetAsync(app.AuthorizeUrl(new Dictionary<string, string?> { ["prompt"] = "none" }));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var query = QueryHelpers.ParseQuery(response.Headers.Location!.Query);
        Assert.Equal("consent_required", query["error"].ToString());
        Assert.Equal(app.State, query["state"].ToString());
    }

    [Fact]
    public async Task PromptConsent_ShowsThePageAgain_EvenWhenAllowedBefore()
    {
        using var browser = await SignedInBrowserAsync("consent-prompt@test.local");
        var app = await ExplicitAppAsync();
        app.CodeFrom(await AnswerAsync(browser, await ConsentPageAsync(browser, app), "allow"));

        var page = await ConsentPageAsync(browser, app, new Dictionary<string, string?> { ["prompt"] = "consent" });

        app.CodeFrom(await AnswerAsync(browser, page, "allow"));
    }

    [Fact]
    public async Task PromptConsent_WhenNotSignedIn_StillShowsThePageAfterSigningIn()
    {
        await portal.CreateUserAsync("consent-prompt-login@test.local");
        var app = await ExplicitAppAsync();
        using var browser = portal.CreateBrowser();
        var toLogin = (await browser.Http.GetAsync(app.AuthorizeUrl(new Dictionary<string, string?> { ["prompt"] = "consent" }))).Headers.Location!.OriginalString;
        Assert.StartsWith("/login?", toLogin);

        var returnUrl = QueryHelpers.ParseQuery(new Uri("http://x" + toLogin).Query)["ReturnUrl"].ToString();

        Assert.Equal("consent", QueryHelpers.ParseQuery(new Uri("http://x" + returnUrl).Query)["prompt"].ToString());
    }

    [Fact]
    public async Task AnAnswerWithoutTheAntiforgeryToken_OrByGet_GrantsNothing()
    {
        using var browser = await SignedInBrowserAsync("consent-csrf@test.local");
        var app = await ExplicitAppAsync();
        var page = await ConsentPageAsync(browser, app);

        var forged = await AnswerAsync(browser, page, "allow", withAntiforgery: false);
        var byLink = await browser.Http.GetAsync(app.AuthorizeUrl(new Dictionary<string, string?> { ["consent"] = "allow" }));

        foreach (var response in new[] { forged, byLink })
        {
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.StartsWith("/connect/consent?", response.Headers.Location!.OriginalString);
        }

        Assert.Empty(await AuditAsync(AuditTypes.ConsentGive, app.ClientId));
    }

    [Fact]
    public async Task AnImplicitApplication_NeverShowsThePage()
    {
        using var browser = await SignedInBrowserAsync("consent-implicit@test.local");
        var app = await OidcRelyingParty.RegisterAsync(portal);

        app.CodeFrom(await browser.Http.GetAsync(app.AuthorizeUrl(new Dictionary<string, string?> { ["prompt"] = "consent" })));
    }

    [Fact]
    public async Task RevokingOnTheAccountPage_EndsTheApplicationsRefreshTokens_AndItAsksAgain()
    {
        using var browser = await SignedInBrowserAsync("consent-revoke@test.local");
        var userId = await portal.UserIdAsync("consent-revoke@test.local");
        var app = await ExplicitAppAsync();
        var code = app.CodeFrom(await AnswerAsync(browser, await ConsentPageAsync(browser, app), "allow"));
        var refresh = (await OidcRelyingParty.JsonAsync(await app.RedeemAsync(code))).GetProperty("refresh_token").GetString()!;
        refresh = (await OidcRelyingParty.JsonAsync(await app.RefreshAsync(refresh))).GetProperty("refresh_token").GetString()!;

        var page = await browser.GetPageAsync("/Account/Manage/Applications");
        Assert.Contains("Test application", page);
        Assert.Contains("See your email address", page);
        var revoked = await browser.PostFormAsync("/Account/Manage/Applications", page, $"revoke-{app.ClientId}",
            new Dictionary<string, string> { ["ClientId"] = app.ClientId });

        Assert.Equal(HttpStatusCode.Redirect, revoked.StatusCode);
        var refused = await OidcRelyingParty.JsonAsync(await app.RefreshAsync(refresh), HttpStatusCode.BadRequest);
        Assert.Equal("invalid_grant", refused.GetProperty("error").GetString());
        var after = await browser.GetPageAsync("/Account/Manage/Applications");
        Assert.Contains("can no longer sign you in", after);
        Assert.Contains("data-testid=\"no-consents\"", after);
        var audited = Assert.Single(await AuditAsync(AuditTypes.ConsentRevoke, app.ClientId));
        Assert.Equal(userId, audited.UserId);
        await ConsentPageAsync(browser, app);
    }

    [Fact]
    public async Task TheAccountPage_ListsOnlyThePersonsOwnConsents_AndCannotRevokeAnothers()
    {
        using var owner = await SignedInBrowserAsync("consent-owner@test.local");
        using var other = await SignedInBrowserAsync("consent-other@test.local");
        var app = await ExplicitAppAsync();
        var refresh = (await OidcRelyingParty.JsonAsync(await app.RedeemAsync(
            app.CodeFrom(await AnswerAsync(owner, await ConsentPageAsync(owner, app), "allow"))))).GetProperty("refresh_token").GetString()!;

        var othersPage = await other.GetPageAsync("/Account/Manage/Applications");
        Assert.DoesNotContain("Test application", othersPage);
        await other.PostFormAsync("/Account/Manage/Applications", othersPage, $"revoke-{app.ClientId}",
            new Dictionary<string, string> { ["ClientId"] = app.ClientId });

        await OidcRelyingParty.JsonAsync(await app.RefreshAsync(refresh));
    }

    [Theory]
    [InlineData("/connect/consent")]
    [InlineData("/connect/consent?client_id=")]
    [InlineData("/connect/consent?client_id=never-registered&scope=openid")]
    public async Task TheConsentPage_ForNoOrAnUnknownApplication_SaysSo_WithoutAForm(string url)
    {
        using var browser = await SignedInBrowserAsync($"consent-unknown-{url.Length}@test.local");

        var page = await browser.GetPageAsync(url);

        Assert.Contains("Unknown application", page);
        Assert.DoesNotContain("consent-form", page);
    }

    [Fact]
    public async Task TheConsentPage_LetsItsFormLeadToTheApplicationsRegisteredOrigin_Only()
    {
        using var browser = await SignedInBrowserAsync("consent-csp@test.local");
        var app = await ExplicitAppAsync();
        var location = (await browser.Http.GetAsync(app.AuthorizeUrl())).Headers.Location!.OriginalString;
        var forged = location.Replace(Uri.EscapeDataString(app.RedirectUri), Uri.EscapeDataString("https://evil.example/cb"), StringComparison.Ordinal);

        var page = await browser.Http.GetAsync(location);
        var forgedPage = await browser.Http.GetAsync(forged);

        Assert.Contains("form-action 'self' https://app.example;", page.Headers.GetValues("Content-Security-Policy").Single() + ";");
        Assert.EndsWith("form-action 'self'", forgedPage.Headers.GetValues("Content-Security-Policy").Single());
    }
}
