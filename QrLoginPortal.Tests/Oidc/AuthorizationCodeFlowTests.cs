using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using QrLoginPortal.QrLogin;
using QrLoginPortal.SignIn;
using QrLoginPortal.Sessions;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.Oidc;

/// <summary>The authorization code flow with PKCE against the real portal, by hand over HTTP.</summary>
public sealed class AuthorizationCodeFlowTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    private async Task<PortalFactory.BrowserClient> SignedInBrowserAsync(string email)
    {
        await portal.CreateUserAsync(email);
        var browser = portal.CreateBrowser();
        await browser.SignInWithPasswordAsync(email, PortalFactory.DemoPassword);
        return browser;
    }

    [Fact]
    public async Task NotSignedIn_TheAuthorizationRequest_GoesToTheSignInPage_AndBackToItself()
    {
        var app = await OidcRelyingParty.RegisterAsync(portal);
        using var browser = portal.CreateBrowser();
        var authorize = app.AuthorizeUrl();

        var response = await browser.Http.GetAsync(authorize);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!.OriginalString;
        Assert.StartsWith("/login?", location);
        var returnUrl = QueryHelpers.ParseQuery(new Uri("http://x" + location).Query)["ReturnUrl"].ToString();
        Assert.Equal(authorize, ReturnUrls.LocalOrRoot(returnUrl));
    }

    [Fact]
    public async Task AnAuthorizationRequestTooLongToComeBackTo_IsAnsweredToTheApplication_NotLostAfterTheSignIn()
    {
        var app = await OidcRelyingParty.RegisterAsync(portal);
        using var browser = portal.CreateBrowser();
        // An application's state (some put a whole signed token there) that makes the request longer than the sign-in
        // page can return to (ReturnUrls.MaxLength): before, the person signed in and landed on the portal's home page.
        var state = new string('s', ReturnUrls.MaxLength);

        var response = await browser.Http.GetAsync(app.AuthorizeUrl(new Dictionary<string, string?> { ["state"] = state }));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!;
        Assert.True(location.IsAbsoluteUri && location.GetLeftPart(UriPartial.Path) == app.RedirectUri, $"sent to {location.OriginalString[..Math.Min(80, location.OriginalString.Length)]}");
        var answer = QueryHelpers.ParseQuery(location.Query);
        Assert.Equal("invalid_request", answer["error"].ToString());
        Assert.Contains("too long", answer["error_description"].ToString());
        Assert.Equal(state, answer["state"].ToString());
    }

    [Fact]
    public async Task SignedIn_GetsACode_WithoutAnotherClick_AndTheCodeBuysTokensWithTheClaims()
    {
        using var browser = await SignedInBrowserAsync("oidc-flow@test.local");
        var userId = await portal.UserIdAsync("oidc-flow@test.local");
        var app = await OidcRelyingParty.RegisterAsync(portal);

        var code = await app.CodeAsync(browser);
        var tokens = await OidcRelyingParty.JsonAsync(await app.RedeemAsync(code));

        var idToken = OidcRelyingParty.IdToken(tokens);
        var session = Assert.Single(await portal.Services.GetRequiredService<SessionStore>().ListAsync(userId));
        Assert.Equal(userId, idToken.Subject);
        Assert.Equal(app.Nonce, idToken.Claims.Single(c => c.Type == "nonce").Value);
        Assert.Equal(session.Id.ToString(), idToken.Claims.Single(c => c.Type == "sid").Value);
        Assert.Equal("pwd", idToken.Claims.Single(c => c.Type == "amr").Value);
        Assert.Equal(session.CreatedAt.ToUnixTimeSeconds().ToString(), idToken.Claims.Single(c => c.Type == "auth_time").Value);
        Assert.Equal("oidc-flow@test.local", idToken.Claims.Single(c => c.Type == "email").Value);
        Assert.Equal("oidc-flow@test.local", idToken.Claims.Single(c => c.Type == "preferred_username").Value);
        Assert.Equal("true", idToken.Claims.Single(c => c.Type == "email_verified").Value);
        Assert.True(tokens.TryGetProperty("refresh_token", out _));

        using var http = portal.CreateDefaultClient();
        http.DefaultRequestHeaders.Authorization = new("Bearer", tokens.GetProperty("access_token").GetString());
        var userInfo = await OidcRelyingParty.JsonAsync(await http.GetAsync("/connect/userinfo"));
        Assert.Equal(userId, userInfo.GetProperty("sub").GetString());
        Assert.Equal("oidc-flow@test.local", userInfo.GetProperty("email").GetString());
    }

    [Fact]
    public async Task AnUnknownClient_IsRefused_AndNothingGoesToItsRedirectUri()
    {
        using var browser = await SignedInBrowserAsync("oidc-unknown@test.local");
        var stranger = new OidcRelyingParty(portal, "never-registered", "https://evil.example/cb");

        var response = await browser.Http.GetAsync(stranger.AuthorizeUrl());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
    }

    [Fact]
    public async Task ARedirectUriThatIsNotRegisteredExactly_IsRefused()
    {
        using var browser = await SignedInBrowserAsync("oidc-redirect@test.local");
        var app = await OidcRelyingParty.RegisterAsync(portal);
        var lookalike = new OidcRelyingParty(portal, app.ClientId, app.RedirectUri + "/../evil");

        var response = await browser.Http.GetAsync(lookalike.AuthorizeUrl());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
    }

    [Fact]
    public async Task WithoutPkce_OrWithPlainPkce_TheRequestIsRefused()
    {
        using var browser = await SignedInBrowserAsync("oidc-pkce@test.local");
        var app = await OidcRelyingParty.RegisterAsync(portal);

        foreach (var url in new[] { app.AuthorizeUrl(pkce: false), app.AuthorizeUrl(challengeMethod: "plain") })
        {
            var response = await browser.Http.GetAsync(url);

            // Refused with invalid_request: on the portal's own error page, or sent back to the (valid) redirect URI; never a code.
            var body = await response.Content.ReadAsStringAsync();
            var error = response.Headers.Location is { } location
                ? QueryHelpers.ParseQuery(location.Query)
                : new Dictionary<string, Microsoft.Extensions.Primitives.StringValues>();
            Assert.False(error.ContainsKey("code"), url);
            Assert.True(error.TryGetValue("error", out var e) ? e == "invalid_request" : response.StatusCode == HttpStatusCode.BadRequest && body.Contains("invalid_request"),
                $"{url}: {(int)response.StatusCode} {response.Headers.Location} {body}");
        }
    }

    [Fact]
    public async Task ACode_WithTheWrongVerifier_OrUsedTwice_IsRefused()
    {
        using var browser = await SignedInBrowserAsync("oidc-code@test.local");
        var app = await OidcRelyingParty.RegisterAsync(portal);
        var code = await app.CodeAsync(browser);

        var wrongVerifier = await OidcRelyingParty.JsonAsync(await app.RedeemAsync(code, verifier: new string('a', 43)), HttpStatusCode.BadRequest);
        Assert.Equal("invalid_grant", wrongVerifier.GetProperty("error").GetString());

        var code2 = await app.CodeAsync(browser);
        await OidcRelyingParty.JsonAsync(await app.RedeemAsync(code2));
        var again = await OidcRelyingParty.JsonAsync(await app.RedeemAsync(code2), HttpStatusCode.BadRequest);
        Assert.Equal("invalid_grant", again.GetProperty("error").GetString());
    }

    [Fact]
    public async Task ACodeUsedTwice_RevokesTheTokensTheFirstUseIssued()
    {
        using var browser = await SignedInBrowserAsync("oidc-code-reuse@test.local");
        var app = await OidcRelyingParty.RegisterAsync(portal);
        var code = await app.CodeAsync(browser);
        var tokens = await OidcRelyingParty.JsonAsync(await app.RedeemAsync(code));
        using var http = portal.CreateDefaultClient();
        http.DefaultRequestHeaders.Authorization = new("Bearer", tokens.GetProperty("access_token").GetString());
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/connect/userinfo")).StatusCode);

        // Someone else (who intercepted the code) redeems it again: RFC 6749 10.5, the tokens it bought are revoked too.
        var again = await OidcRelyingParty.JsonAsync(await app.RedeemAsync(code), HttpStatusCode.BadRequest);

        Assert.Equal("invalid_grant", again.GetProperty("error").GetString());
        var refresh = await OidcRelyingParty.JsonAsync(await app.RefreshAsync(tokens.GetProperty("refresh_token").GetString()!), HttpStatusCode.BadRequest);
        Assert.Equal("invalid_grant", refresh.GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/connect/userinfo")).StatusCode);
    }

    [Fact]
    public async Task ARefreshToken_Rolls_AndReusingAnOldOne_RevokesTheWholeFamily()
    {
        using var browser = await SignedInBrowserAsync("oidc-refresh@test.local");
        var app = await OidcRelyingParty.RegisterAsync(portal);
        var first = (await OidcRelyingParty.JsonAsync(await app.RedeemAsync(await app.CodeAsync(browser)))).GetProperty("refresh_token").GetString()!;

        var second = (await OidcRelyingParty.JsonAsync(await app.RefreshAsync(first))).GetProperty("refresh_token").GetString()!;
        Assert.NotEqual(first, second);
        portal.Clock.Advance(TimeSpan.FromSeconds(1));

        var reuse = await OidcRelyingParty.JsonAsync(await app.RefreshAsync(first), HttpStatusCode.BadRequest);
        Assert.Equal("invalid_grant", reuse.GetProperty("error").GetString());
        var afterReuse = await OidcRelyingParty.JsonAsync(await app.RefreshAsync(second), HttpStatusCode.BadRequest);
        Assert.Equal("invalid_grant", afterReuse.GetProperty("error").GetString());
    }

    [Fact]
    public async Task EndingThePortalSession_EndsTheApplicationsRefreshTokens()
    {
        using var browser = await SignedInBrowserAsync("oidc-ended@test.local");
        var userId = await portal.UserIdAsync("oidc-ended@test.local");
        var app = await OidcRelyingParty.RegisterAsync(portal);
        var refresh = (await OidcRelyingParty.JsonAsync(await app.RedeemAsync(await app.CodeAsync(browser)))).GetProperty("refresh_token").GetString()!;
        var sessions = portal.Services.GetRequiredService<SessionStore>();

        Assert.True(await sessions.EndAsync(Assert.Single(await sessions.ListAsync(userId)).Id, userId, "test", userId, null));

        var refused = await OidcRelyingParty.JsonAsync(await app.RefreshAsync(refresh), HttpStatusCode.BadRequest);
        Assert.Equal("invalid_grant", refused.GetProperty("error").GetString());
    }

    [Fact]
    public async Task EndingThePortalSession_EndsUserInfoForItsAccessTokens()
    {
        using var browser = await SignedInBrowserAsync("oidc-ended-userinfo@test.local");
        var userId = await portal.UserIdAsync("oidc-ended-userinfo@test.local");
        var app = await OidcRelyingParty.RegisterAsync(portal);
        var access = (await OidcRelyingParty.JsonAsync(await app.RedeemAsync(await app.CodeAsync(browser)))).GetProperty("access_token").GetString();
        using var http = portal.CreateDefaultClient();
        http.DefaultRequestHeaders.Authorization = new("Bearer", access);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/connect/userinfo")).StatusCode);
        var sessions = portal.Services.GetRequiredService<SessionStore>();

        Assert.True(await sessions.EndAsync(Assert.Single(await sessions.ListAsync(userId)).Id, userId, "test", userId, null));

        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/connect/userinfo")).StatusCode);
    }

    [Fact]
    public async Task SigningInAtThePortal_ReturnsToTheAuthorizationRequest_AndOnToTheApplication()
    {
        await portal.CreateUserAsync("oidc-roundtrip@test.local");
        var app = await OidcRelyingParty.RegisterAsync(portal);
        using var browser = portal.CreateBrowser();
        var toLogin = (await browser.Http.GetAsync(app.AuthorizeUrl())).Headers.Location!.OriginalString;

        var page = await browser.GetPageAsync(toLogin);
        var signedIn = await browser.PostFormAsync(toLogin, page, "login", new Dictionary<string, string>
        {
            ["Input.Email"] = "oidc-roundtrip@test.local",
            ["Input.Password"] = PortalFactory.DemoPassword,
        });
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        var back = signedIn.Headers.Location!;
        Assert.Equal(app.AuthorizeUrl(), back.IsAbsoluteUri ? back.PathAndQuery : back.OriginalString);

        var code = app.CodeFrom(await browser.Http.GetAsync(back));
        await OidcRelyingParty.JsonAsync(await app.RedeemAsync(code));
    }

    [Fact]
    public async Task EndSession_WithTheIdTokenOfThePersonSignedInHere_SignsThePortalOut_AndReturnsToTheApplication()
    {
        using var browser = await SignedInBrowserAsync("oidc-logout@test.local");
        var userId = await portal.UserIdAsync("oidc-logout@test.local");
        var app = await OidcRelyingParty.RegisterAsync(portal);
        var idToken = (await OidcRelyingParty.JsonAsync(await app.RedeemAsync(await app.CodeAsync(browser)))).GetProperty("id_token").GetString();

        var response = await browser.Http.GetAsync(QueryHelpers.AddQueryString("/connect/endsession", new Dictionary<string, string?>
        {
            ["id_token_hint"] = idToken,
            ["post_logout_redirect_uri"] = "https://app.example/signed-out",
            ["state"] = "bye",
        }));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("https://app.example/signed-out?state=bye", response.Headers.Location!.OriginalString);
        Assert.NotNull(Assert.Single(await portal.Services.GetRequiredService<SessionStore>().ListAsync(userId)).EndedAt);
    }

    [Fact]
    public async Task EndSession_WithoutAnIdToken_LeavesThePortalSignedIn_AndAnUnregisteredReturnAddressIsRefused()
    {
        using var browser = await SignedInBrowserAsync("oidc-logout-nohint@test.local");
        var userId = await portal.UserIdAsync("oidc-logout-nohint@test.local");

        var plain = await browser.Http.GetAsync("/connect/endsession");
        var elsewhere = await browser.Http.GetAsync("/connect/endsession?post_logout_redirect_uri=https%3A%2F%2Fevil.example%2F");

        Assert.Equal(HttpStatusCode.Redirect, plain.StatusCode);
        Assert.Equal("/", plain.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.BadRequest, elsewhere.StatusCode);
        Assert.Null(Assert.Single(await portal.Services.GetRequiredService<SessionStore>().ListAsync(userId)).EndedAt);
    }

    // Until 2026-11-29 these two requests signed the browser out on the spot (logout CSRF: any page could link
    // there). They now only send it to the sign-in page; the session ends when a new sign-in replaces it.
    [Fact]
    public async Task PromptLogin_SendsASignedInPersonToSignInAgain_AndLeavesThemSignedIn()
    {
        using var browser = await SignedInBrowserAsync("oidc-prompt@test.local");
        var userId = await portal.UserIdAsync("oidc-prompt@test.local");
        var app = await OidcRelyingParty.RegisterAsync(portal);

        var response = await browser.Http.GetAsync(app.AuthorizeUrl(new Dictionary<string, string?> { ["prompt"] = "login" }));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!.OriginalString;
        Assert.StartsWith("/login?", location);
        Assert.DoesNotContain("prompt", Uri.UnescapeDataString(location));
        await AssertStillSignedInAsync(browser, userId, "oidc-prompt@test.local");
    }

    [Fact]
    public async Task PromptLogin_Posted_AlsoLeavesTheBrowserSignedIn()
    {
        using var browser = await SignedInBrowserAsync("oidc-prompt-post@test.local");
        var userId = await portal.UserIdAsync("oidc-prompt-post@test.local");
        var app = await OidcRelyingParty.RegisterAsync(portal);
        var url = app.AuthorizeUrl(new Dictionary<string, string?> { ["prompt"] = "login" });
        var parameters = QueryHelpers.ParseQuery(new Uri("http://x" + url).Query).ToDictionary(p => p.Key, p => p.Value.ToString());

        var response = await browser.Http.PostAsync(url[..url.IndexOf('?')], new FormUrlEncodedContent(parameters));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/login?", response.Headers.Location!.OriginalString);
        await AssertStillSignedInAsync(browser, userId, "oidc-prompt-post@test.local");
    }

    [Fact]
    public async Task MaxAge_IsHonoured_AndAnOlderSignInIsSentToSignInAgain_WithoutBeingSignedOut()
    {
        using var browser = await SignedInBrowserAsync("oidc-maxage@test.local");
        var userId = await portal.UserIdAsync("oidc-maxage@test.local");
        var app = await OidcRelyingParty.RegisterAsync(portal);
        var maxAge = new Dictionary<string, string?> { ["max_age"] = "600" };

        app.CodeFrom(await browser.Http.GetAsync(app.AuthorizeUrl(maxAge)));
        portal.Clock.Advance(TimeSpan.FromMinutes(11));
        var tooOld = await browser.Http.GetAsync(app.AuthorizeUrl(maxAge));

        Assert.StartsWith("/login?", tooOld.Headers.Location!.OriginalString);
        await AssertStillSignedInAsync(browser, userId, "oidc-maxage@test.local");
    }

    [Fact]
    public async Task PromptLogin_SigningInAgain_ReplacesTheSession_AndTheCodeCarriesTheNewSignIn()
    {
        const string email = "oidc-prompt-again@test.local";
        using var browser = await SignedInBrowserAsync(email);
        var userId = await portal.UserIdAsync(email);
        var oldSession = Assert.Single(await portal.Services.GetRequiredService<SessionStore>().ListAsync(userId));
        var oldCookies = browser.Cookies.GetAllCookies();
        var app = await OidcRelyingParty.RegisterAsync(portal);
        portal.Clock.Advance(TimeSpan.FromMinutes(5));

        var toLogin = (await browser.Http.GetAsync(app.AuthorizeUrl(new Dictionary<string, string?> { ["prompt"] = "login" })))
            .Headers.Location!.OriginalString;
        var page = await browser.GetPageAsync(toLogin);
        var signedIn = await browser.PostFormAsync(toLogin, page, "login", new Dictionary<string, string>
        {
            ["Input.Email"] = email,
            ["Input.Password"] = PortalFactory.DemoPassword,
        });
        var tokens = await OidcRelyingParty.JsonAsync(await app.RedeemAsync(app.CodeFrom(await browser.Http.GetAsync(signedIn.Headers.Location))));

        var sessions = await portal.Services.GetRequiredService<SessionStore>().ListAsync(userId);
        var newSession = Assert.Single(sessions, s => s.EndedAt is null);
        Assert.NotEqual(oldSession.Id, newSession.Id);
        Assert.NotNull(Assert.Single(sessions, s => s.Id == oldSession.Id).EndedAt);
        var idToken = OidcRelyingParty.IdToken(tokens);
        Assert.Equal(newSession.Id.ToString(), idToken.Claims.Single(c => c.Type == "sid").Value);
        Assert.Equal(newSession.CreatedAt.ToUnixTimeSeconds().ToString(), idToken.Claims.Single(c => c.Type == "auth_time").Value);
        Assert.True(newSession.CreatedAt > oldSession.CreatedAt);

        using var oldBrowser = portal.CreateBrowser();
        oldBrowser.Cookies.Add(oldCookies);
        var withOldCookie = await oldBrowser.Http.GetAsync("/account/sessions");
        Assert.Equal(HttpStatusCode.Redirect, withOldCookie.StatusCode);
        Assert.StartsWith("/login", withOldCookie.Headers.Location!.PathAndQuery);
    }

    /// <summary>The browser's session is still open, and a page that needs a signed-in person still shows it.</summary>
    private async Task AssertStillSignedInAsync(PortalFactory.BrowserClient browser, string userId, string email)
    {
        Assert.Null(Assert.Single(await portal.Services.GetRequiredService<SessionStore>().ListAsync(userId)).EndedAt);
        var page = await browser.Http.GetAsync("/account/sessions");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains(email, await page.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task PromptNone_WhenNotSignedIn_AnswersLoginRequired()
    {
        var app = await OidcRelyingParty.RegisterAsync(portal);
        using var browser = portal.CreateBrowser();

        var response = await browser.Http.GetAsync(app.AuthorizeUrl(new Dictionary<string, string?> { ["prompt"] = "none" }));

        Assert.Equal("login_required", QueryHelpers.ParseQuery(response.Headers.Location!.Query)["error"].ToString());
    }

    [Fact]
    public async Task AcrValuesQr_IsMetOnlyByAQrSignIn()
    {
        var email = "oidc-acr@test.local";
        using var browser = await SignedInBrowserAsync(email);
        var app = await OidcRelyingParty.RegisterAsync(portal);
        var qr = new Dictionary<string, string?> { ["acr_values"] = "qr" };

        var byPassword = await browser.Http.GetAsync(app.AuthorizeUrl(qr));
        Assert.StartsWith("/login?", byPassword.Headers.Location!.OriginalString);
        var silent = await browser.Http.GetAsync(app.AuthorizeUrl(new Dictionary<string, string?> { ["acr_values"] = "qr", ["prompt"] = "none" }));
        Assert.Contains(QueryHelpers.ParseQuery(silent.Headers.Location!.Query)["error"].ToString(), new[] { "login_required", "unmet_authentication_requirements" });

        await SignInByQrAsync(browser, await portal.UserIdAsync(email));
        var tokens = await OidcRelyingParty.JsonAsync(await app.RedeemAsync(await app.CodeAsync(browser, qr)));

        var idToken = OidcRelyingParty.IdToken(tokens);
        Assert.Equal("qr", idToken.Claims.Single(c => c.Type == "amr").Value);
        Assert.Equal("qr", idToken.Claims.Single(c => c.Type == "acr").Value);
    }

    [Fact]
    public async Task AcrValuesQr_WhenQrSignInIsOff_IsRefusedAsUnmet()
    {
        using var browser = await SignedInBrowserAsync("oidc-acr-off@test.local");
        var app = await OidcRelyingParty.RegisterAsync(portal);
        var settings = portal.Services.GetRequiredService<QrSettingsStore>();
        var off = (await settings.GetAsync()).Copy();
        off.Enabled = false;
        Assert.Empty(await settings.UpdateAsync(off, null, "test", null));
        try
        {
            var response = await browser.Http.GetAsync(app.AuthorizeUrl(new Dictionary<string, string?> { ["acr_values"] = "qr" }));

            Assert.Equal("unmet_authentication_requirements", QueryHelpers.ParseQuery(response.Headers.Location!.Query)["error"].ToString());
        }
        finally
        {
            var on = (await settings.GetAsync()).Copy();
            on.Enabled = true;
            await settings.UpdateAsync(on, null, "test", null);
        }
    }

    [Fact]
    public async Task Discovery_ListsTheCodeFlowWithS256Only_AndKeepsClientCredentials()
    {
        using var http = portal.CreateDefaultClient();

        var discovery = await OidcRelyingParty.JsonAsync(await http.GetAsync("/.well-known/openid-configuration"));

        Assert.EndsWith("/connect/authorize", discovery.GetProperty("authorization_endpoint").GetString());
        Assert.EndsWith("/connect/userinfo", discovery.GetProperty("userinfo_endpoint").GetString());
        Assert.EndsWith("/connect/endsession", discovery.GetProperty("end_session_endpoint").GetString());
        Assert.EndsWith(OidcRelyingParty.TokenPath, discovery.GetProperty("token_endpoint").GetString());
        Assert.Equal(["S256"], Strings(discovery, "code_challenge_methods_supported"));
        Assert.Equal(["code"], Strings(discovery, "response_types_supported"));
        Assert.Equal(["authorization_code", "client_credentials", "refresh_token"], Strings(discovery, "grant_types_supported").Order());
        Assert.Subset(Strings(discovery, "scopes_supported").ToHashSet(), new HashSet<string> { "openid", "profile", "email", "roles", "offline_access" });
        Assert.Subset(Strings(discovery, "claims_supported").ToHashSet(), new HashSet<string> { "sub", "amr", "auth_time", "sid", "email_verified" });
    }

    private static string[] Strings(JsonElement document, string name) => [.. document.GetProperty(name).EnumerateArray().Select(e => e.GetString()!)];

    /// <summary>Signs <paramref name="browser"/> in again by QR: what the login page, the phone and the ticket redemption do.</summary>
    private async Task SignInByQrAsync(PortalFactory.BrowserClient browser, string userId)
    {
        var engine = portal.Services.GetRequiredService<QrLoginService>();
        await browser.GetPageAsync("/login");
        var created = await engine.CreateAsync(new QrRequester("203.0.113.10",
            browser.Http.DefaultRequestHeaders.UserAgent.ToString(), Secrets.Hash(browser.Cookie(BrowserBinding.CookieName)!)));
        await engine.ApproveAsync(created.Lsi, userId, keepSignedIn: false, null, null);
        var ticket = await portal.Services.GetRequiredService<QrTicketService>().IssueTicketAsync(created.Id, created.Dsi);
        var redeemed = await browser.Http.PostAsync(QrSignInEndpoints.RedeemPath, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["ticket"] = ticket!,
            ["returnUrl"] = "/",
        }));
        Assert.Equal("/", redeemed.Headers.Location?.OriginalString);
    }
}
