using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.Api;

/// <summary>
/// Login CSRF through the single sign-on token (issue 13, finding 1): a token of the authn API or
/// the module chain signs in only the browser that started its flow, never from another site, and
/// never silently over another user's session.
/// </summary>
public sealed class SingleSignOnTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    private const string SsoPath = "/v1.0/authenticate/sso";
    private const string SessionCookie = ".AspNetCore.Identity.Application";

    [Fact]
    public async Task AnAttackersToken_PostedByAnotherBrowser_IsRefused_AndStaysUnspent()
    {
        using var attacker = portal.CreateBrowser();
        var (email, token) = await TokenForNewUserAsync(attacker);
        using var victim = portal.CreateBrowser();

        var refused = await PostTokenAsync(victim, token);

        Assert.Equal("/login?qr=failed", refused.Headers.Location?.OriginalString);
        Assert.Null(victim.Cookie(SessionCookie));
        var own = await PostTokenAsync(attacker, token);
        Assert.Equal("/account/sessions", own.Headers.Location?.OriginalString);
        Assert.Contains(email, await attacker.GetPageAsync("/account"));
    }

    [Fact]
    public async Task AForeignOrigin_Is403_AndTheTokenStaysUnspent()
    {
        using var browser = portal.CreateBrowser();
        var (email, token) = await TokenForNewUserAsync(browser);

        var refused = await PostTokenAsync(browser, token, origin: "https://evil.example");

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("another site", await refused.Content.ReadAsStringAsync());
        Assert.Null(browser.Cookie(SessionCookie));
        Assert.Equal("/account/sessions", (await PostTokenAsync(browser, token, origin: "http://localhost")).Headers.Location?.OriginalString);
        Assert.Contains(email, await browser.GetPageAsync("/account"));
    }

    [Theory]
    [InlineData("null")]
    [InlineData("http://localhost:8080")]
    [InlineData("http://localhost.evil.example")]
    public async Task AnyOriginButThePortals_Is403(string origin)
    {
        using var browser = portal.CreateBrowser();
        var (_, token) = await TokenForNewUserAsync(browser);

        var refused = await PostTokenAsync(browser, token, origin: origin);

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Null(browser.Cookie(SessionCookie));
    }

    [Fact]
    public async Task SecFetchSiteCrossSite_Is403_AsJsonForAnApiCaller_AndTheTokenStaysUnspent()
    {
        using var browser = portal.CreateBrowser();
        var (email, token) = await TokenForNewUserAsync(browser);

        var refused = await PostTokenAsync(browser, token, fetchSite: "cross-site", accept: "application/json");

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("cross_site_request", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        Assert.Null(browser.Cookie(SessionCookie));
        await PostTokenAsync(browser, token, fetchSite: "same-origin");
        Assert.Contains(email, await browser.GetPageAsync("/account"));
    }

    [Fact]
    public async Task TheBrowserThatStartedTheFlow_IsSignedIn_Once()
    {
        using var browser = portal.CreateBrowser();
        var (email, token) = await TokenForNewUserAsync(browser);

        var first = await PostTokenAsync(browser, token, origin: "http://localhost", fetchSite: "same-origin");
        var second = await PostTokenAsync(browser, token, origin: "http://localhost", fetchSite: "same-origin");

        Assert.Equal("/account/sessions", first.Headers.Location?.OriginalString);
        Assert.Equal("/login?qr=failed", second.Headers.Location?.OriginalString);
        Assert.Contains(email, await browser.GetPageAsync("/account"));
    }

    [Fact]
    public async Task OverAnotherUsersSession_APageAsksFirst_NamingTheAccount_AndOnlyAnAntiforgeryConfirmationSwitches()
    {
        using var browser = portal.CreateBrowser();
        await browser.SignInWithPasswordAsync(PortalFactory.DemoEmail, PortalFactory.DemoPassword);
        var (email, token) = await TokenForNewUserAsync(browser);

        var asked = await PostTokenAsync(browser, token);
        var page = await asked.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, asked.StatusCode);
        Assert.Contains(email, page);
        Assert.True(asked.Headers.CacheControl?.NoStore, "The page carries the token: it must not be stored.");
        Assert.Contains(PortalFactory.DemoEmail, await browser.GetPageAsync("/account"));

        // The confirmation without its antiforgery token (a forged form) switches nobody.
        var forged = await browser.Http.PostAsync(SsoPath, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["token"] = token, ["returnUrl"] = "/account/sessions", ["confirm"] = "switch",
        }));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Contains(PortalFactory.DemoEmail, await browser.GetPageAsync("/account"));

        var confirmed = await browser.Http.PostAsync(SsoPath, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["token"] = HiddenField(page, "token"),
            ["returnUrl"] = HiddenField(page, "returnUrl"),
            ["confirm"] = "switch",
            ["__RequestVerificationToken"] = PortalFactory.BrowserClient.AntiforgeryToken(page),
        }));
        Assert.Equal("/account/sessions", confirmed.Headers.Location?.OriginalString);
        Assert.Contains(email, await browser.GetPageAsync("/account"));
    }

    [Fact]
    public async Task OverTheSameUsersSession_NoQuestionIsAsked()
    {
        using var browser = portal.CreateBrowser();
        var (email, token) = await TokenForNewUserAsync(browser);
        await browser.SignInWithPasswordAsync(email, PortalFactory.DemoPassword);

        var response = await PostTokenAsync(browser, token);

        Assert.Equal("/account/sessions", response.Headers.Location?.OriginalString);
    }

    /// <summary>A new account signs in through the authn API from <paramref name="browser"/>; its single sign-on token.</summary>
    private async Task<(string Email, string Token)> TokenForNewUserAsync(PortalFactory.BrowserClient browser)
    {
        var email = $"sso-{Guid.NewGuid():N}@test.local";
        await portal.CreateUserAsync(email);
        var response = await browser.Http.PostAsJsonAsync("/idp/ws/rest/authn",
            new { type = "username+password", username = email, password = PortalFactory.DemoPassword });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (email, body.GetProperty("token").GetString()!);
    }

    private static Task<HttpResponseMessage> PostTokenAsync(PortalFactory.BrowserClient browser, string token, string? origin = null,
        string? fetchSite = null, string? accept = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, SsoPath)
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = token, ["returnUrl"] = "/account/sessions" }),
        };
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        if (fetchSite is not null)
        {
            request.Headers.Add("Sec-Fetch-Site", fetchSite);
        }

        if (accept is not null)
        {
            request.Headers.Add("Accept", accept);
        }

        return browser.Http.SendAsync(request);
    }

    private static string HiddenField(string html, string name)
    {
        var match = Regex.Match(html, $"name=\"{name}\" value=\"([^\"]*)\"");
        Assert.True(match.Success, $"The page has no hidden field {name}");
        return WebUtility.HtmlDecode(match.Groups[1].Value);
    }
}
