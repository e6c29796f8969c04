using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using QrLoginPortal.Sessions;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.Api;

/// <summary>The module-chain API of seed 000: QrCodeAuthentication → QrCodeScanRequired → Success.</summary>
public sealed class ModuleChainApiTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    private const string Path = "/v1.0/authenticate";

    [Fact]
    public async Task Seed000_QrCode_ThenScanRequired_ThenSuccess_WithTokensUserDataAndSettings()
    {
        using var api = await portal.CreateApiClientAsync();

        var start = await api.PostAsJsonAsync(Path, new { nextModule = "QrCodeAuthentication" });
        Assert.Equal(HttpStatusCode.OK, start.StatusCode);
        var step = await start.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("QrCodeScanRequired", step.GetProperty("nextModule").GetString());
        var info = step.GetProperty("additionalInformation");
        Assert.Equal(120, info.GetProperty("validityPeriod").GetInt32());
        var trackId = info.GetProperty("qrCodeTrackId").GetString()!;
        var nonce = info.GetProperty("nonce").GetString()!;
        var lsi = QrImage.LsiOf(Convert.FromBase64String(info.GetProperty("qrCode").GetString()!));

        var pending = await ContinueAsync(api, trackId, nonce);
        Assert.Equal(HttpStatusCode.OK, pending.StatusCode);
        var pendingStep = await pending.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("QrCodeScanRequired", pendingStep.GetProperty("nextModule").GetString());
        Assert.False(pendingStep.GetProperty("additionalInformation").TryGetProperty("nonce", out _));

        await ApproveOnPhoneAsync(lsi);

        var success = await ContinueAsync(api, trackId, nonce);
        Assert.Equal(HttpStatusCode.OK, success.StatusCode);
        var body = await success.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Success", body.GetProperty("nextModule").GetString());
        var demoId = await portal.UserIdAsync(PortalFactory.DemoEmail);
        Assert.Equal(demoId, body.GetProperty("userData").GetProperty("userId").GetString());
        Assert.Equal(PortalFactory.DemoEmail, body.GetProperty("userData").GetProperty("userName").GetString());
        Assert.Equal("http://localhost/", body.GetProperty("settings").GetProperty("redirectUrl").GetString());
        Assert.Equal("http://localhost/v1.0/authenticate/sso", body.GetProperty("settings").GetProperty("singleSignOnUrl").GetString());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("token").GetString()));
        Assert.False(string.IsNullOrEmpty(body.GetProperty("oauth2Token").GetString()));

        var jwt = new JsonWebToken(body.GetProperty("jwtToken").GetString());
        Assert.Equal(demoId, jwt.Subject);
        Assert.Equal(PortalFactory.DemoEmail, jwt.GetClaim("name").Value);
        Assert.Equal(trackId, jwt.GetClaim("txn").Value);
        Assert.Equal("http://localhost/", jwt.Issuer);
        Assert.Equal([PortalFactory.ApiClientId], jwt.Audiences);
        Assert.Equal(["qr"], jwt.Claims.Where(c => c.Type == "amr").Select(c => c.Value));
        var jwks = await Anonymous().GetFromJsonAsync<JsonElement>("/.well-known/jwks");
        Assert.Contains(jwks.GetProperty("keys").EnumerateArray(), k => k.GetProperty("kid").GetString() == jwt.Kid);
    }

    [Fact]
    public async Task Success_IsGivenOnce_ThenTheCodeCountsAsExpired()
    {
        using var api = await portal.CreateApiClientAsync();
        var (trackId, nonce, lsi) = await StartAsync(api);
        await ApproveOnPhoneAsync(lsi);

        var first = await ContinueAsync(api, trackId, nonce);
        var second = await ContinueAsync(api, trackId, nonce);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, second.StatusCode);
        Assert.Equal("qr_code_expired", (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
    }

    [Fact]
    public async Task AfterTheValidityPeriod_Is400_SayingToRequestANewCode()
    {
        using var api = await portal.CreateApiClientAsync();
        var (trackId, nonce, _) = await StartAsync(api);

        portal.Clock.Advance(TimeSpan.FromSeconds(121));
        var response = await ContinueAsync(api, trackId, nonce);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("qr_code_expired", error.GetProperty("code").GetString());
        Assert.Contains("Request a new one", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task AWrongNonce_AnUnknownTrackId_AndAnExpiredCode_AnswerAlike()
    {
        using var api = await portal.CreateApiClientAsync();
        var (trackId, nonce, _) = await StartAsync(api);

        var wrongNonce = await ContinueAsync(api, trackId, "not-the-nonce");
        var unknownId = await ContinueAsync(api, Guid.NewGuid().ToString(), nonce);
        portal.Clock.Advance(TimeSpan.FromSeconds(121));
        var expired = await ContinueAsync(api, trackId, nonce);

        var bodies = new[] { wrongNonce, unknownId, expired };
        Assert.All(bodies, r => Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode));
        var texts = await Task.WhenAll(bodies.Select(r => r.Content.ReadAsStringAsync()));
        Assert.Single(texts.Distinct());
    }

    [Fact]
    public async Task TheTrackId_MayComeAsTheCookieTheFirstAnswerSet()
    {
        var cookies = new CookieContainer();
        using var api = portal.CreateDefaultClient(new Microsoft.AspNetCore.Mvc.Testing.Handlers.CookieContainerHandler(cookies));
        using var tokenSource = await portal.CreateApiClientAsync();
        api.DefaultRequestHeaders.Authorization = tokenSource.DefaultRequestHeaders.Authorization;
        var step = await (await api.PostAsJsonAsync(Path, new { nextModule = "QrCodeAuthentication" })).Content.ReadFromJsonAsync<JsonElement>();
        var info = step.GetProperty("additionalInformation");
        Assert.Equal(info.GetProperty("qrCodeTrackId").GetString(), cookies.GetAllCookies()["qrCodeTrackId"]?.Value);

        var pending = await api.PostAsJsonAsync(Path, new { nextModule = "QrCodeScanRequired", nonce = info.GetProperty("nonce").GetString() });

        Assert.Equal(HttpStatusCode.OK, pending.StatusCode);
        Assert.Equal("QrCodeScanRequired", (await pending.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("nextModule").GetString());
    }

    [Fact]
    public async Task TheOauth2Token_IsAcceptedByTheAttemptEndpoint_UntilItsSessionIsEnded()
    {
        using var api = await portal.CreateApiClientAsync();
        var (trackId, nonce, lsi) = await StartAsync(api);
        await ApproveOnPhoneAsync(lsi);
        var success = await (await ContinueAsync(api, trackId, nonce)).Content.ReadFromJsonAsync<JsonElement>();
        using var user = Anonymous();
        user.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", success.GetProperty("oauth2Token").GetString());

        // The user's own token approves another sign-in (their phone app signed in through the chain).
        var other = await api.GetFromJsonAsync<JsonElement>("/v2.0/factors/qr/authenticate?profileId=default");
        var attempt = await user.PostAsJsonAsync($"/v2.0/factors/qr/{other.GetProperty("id").GetString()}", new { lsi = other.GetProperty("lsi").GetString() });
        Assert.Equal(HttpStatusCode.NoContent, attempt.StatusCode);
        var polled = await api.GetFromJsonAsync<JsonElement>($"/v2.0/factors/qr/{other.GetProperty("id").GetString()}?dsi={other.GetProperty("dsi").GetString()}");
        Assert.Equal(await portal.UserIdAsync(PortalFactory.DemoEmail), polled.GetProperty("userId").GetString());

        // Ending the session the chain opened (the user's "signed-in browsers" page) ends the token too.
        var sessions = portal.Services.GetRequiredService<SessionStore>();
        var demoId = await portal.UserIdAsync(PortalFactory.DemoEmail);
        var sessionId = Guid.Parse(new JsonWebToken(success.GetProperty("jwtToken").GetString()).GetClaim("sid").Value);
        Assert.Contains(await sessions.ListAsync(demoId), s => s.Id == sessionId && s.Method == "qr-api" && s.EndedAt is null);
        Assert.True(await sessions.EndAsync(sessionId, demoId, "signed out", demoId, null));
        var another = await api.GetFromJsonAsync<JsonElement>("/v2.0/factors/qr/authenticate?profileId=default");
        var refused = await user.PostAsJsonAsync($"/v2.0/factors/qr/{another.GetProperty("id").GetString()}", new { lsi = another.GetProperty("lsi").GetString() });
        Assert.True(refused.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden, $"answered {(int)refused.StatusCode}");
    }

    [Fact]
    public async Task TheOauth2Token_EndsWhenThePasswordChanges()
    {
        using var api = await portal.CreateApiClientAsync();
        var email = $"changer-{Guid.NewGuid():N}@test.local";
        var userId = await portal.CreateUserAsync(email);
        var (trackId, nonce, lsi) = await StartAsync(api);
        await ApproveOnPhoneAsync(lsi, email);
        var success = await (await ContinueAsync(api, trackId, nonce)).Content.ReadFromJsonAsync<JsonElement>();
        using var user = Anonymous();
        user.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", success.GetProperty("oauth2Token").GetString());

        using (var scope = portal.Services.CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<Data.ApplicationUser>>();
            var account = await users.FindByIdAsync(userId);
            Assert.True((await users.ChangePasswordAsync(account!, PortalFactory.DemoPassword, "Another-Passw0rd!")).Succeeded);
        }

        var other = await api.GetFromJsonAsync<JsonElement>("/v2.0/factors/qr/authenticate?profileId=default");
        var refused = await user.PostAsJsonAsync($"/v2.0/factors/qr/{other.GetProperty("id").GetString()}", new { lsi = other.GetProperty("lsi").GetString() });
        Assert.True(refused.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden, $"answered {(int)refused.StatusCode}");
    }

    [Fact]
    public async Task TheSingleSignOnToken_SignsTheBrowserThatStartedTheChainIn_Once()
    {
        // The chain driven from the browser itself (its cookie jar), as a page of an integrator on this site does.
        using var browser = portal.CreateBrowser();
        using var api = await portal.CreateApiClientAsync();
        browser.Http.DefaultRequestHeaders.Authorization = api.DefaultRequestHeaders.Authorization;
        var (trackId, nonce, lsi) = await StartAsync(browser.Http);
        await ApproveOnPhoneAsync(lsi);
        var success = await (await ContinueAsync(browser.Http, trackId, nonce)).Content.ReadFromJsonAsync<JsonElement>();
        var token = success.GetProperty("token").GetString()!;
        browser.Http.DefaultRequestHeaders.Authorization = null;

        var redeemed = await browser.Http.PostAsync("/v1.0/authenticate/sso",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = token, ["returnUrl"] = "/account/sessions" }));
        Assert.Equal(HttpStatusCode.Redirect, redeemed.StatusCode);
        Assert.Equal("/account/sessions", redeemed.Headers.Location?.OriginalString);
        Assert.Contains(PortalFactory.DemoEmail, await browser.GetPageAsync("/account"));

        using var other = portal.CreateBrowser();
        var again = await other.Http.PostAsync("/v1.0/authenticate/sso", new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = token }));
        Assert.Equal("/login?qr=failed", again.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task TheSingleSignOnToken_OfAChainAServerDrove_SignsNoBrowserIn()
    {
        // A server-side caller's token handed to a browser is exactly what a login-CSRF page does.
        using var api = await portal.CreateApiClientAsync();
        var (trackId, nonce, lsi) = await StartAsync(api);
        await ApproveOnPhoneAsync(lsi);
        var token = (await (await ContinueAsync(api, trackId, nonce)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
        using var browser = portal.CreateBrowser();

        var refused = await browser.Http.PostAsync("/v1.0/authenticate/sso", new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = token }));

        Assert.Equal("/login?qr=failed", refused.Headers.Location?.OriginalString);
        Assert.Null(browser.Cookie(".AspNetCore.Identity.Application"));
    }

    [Fact]
    public async Task LongPoll_AnswersSuccessRightAfterTheApproval()
    {
        using var api = await portal.CreateApiClientAsync();
        var (trackId, nonce, lsi) = await StartAsync(api);
        using var phone = portal.CreateBrowser();
        await phone.SignInWithPasswordAsync(PortalFactory.DemoEmail, PortalFactory.DemoPassword);
        var page = await phone.GetPageAsync($"/qr/{lsi}");

        var scanned = await (await ContinueAsync(api, trackId, nonce)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(scanned.GetProperty("additionalInformation").GetProperty("scanned").GetBoolean());
        var waiting = ContinueAsync(api, trackId, nonce, "?wait=30");
        await portal.Notifier.SubscribedAsync(Guid.Parse(trackId)).WaitAsync(TimeSpan.FromSeconds(10)); // the poll waits on the push
        Assert.False(waiting.IsCompleted);
        var before = portal.Clock.GetUtcNow();
        await phone.PostFormAsync($"/qr/{lsi}", page, "qr-approval", new Dictionary<string, string> { ["Decision"] = "approve" });

        // The wait runs on the fake clock, which nobody moves: without the push the poll never
        // answers and WaitAsync gives up (checked by setting portal.Notifier.Delivers = false).
        var response = await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(before, portal.Clock.GetUtcNow());
        Assert.Equal("Success", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("nextModule").GetString());
    }

    [Theory]
    [InlineData("{\"nextModule\":\"Password\"}", "nextModule")]
    [InlineData("{\"nextModule\":\"QrCodeScanRequired\",\"nonce\":\"x\"}", "qrCodeTrackId")]
    [InlineData("{\"nextModule\":\"QrCodeScanRequired\",\"qrCodeTrackId\":\"not-a-guid\",\"nonce\":\"x\"}", "qrCodeTrackId")]
    [InlineData("{\"nextModule\":\"QrCodeScanRequired\",\"qrCodeTrackId\":\"0b7d2b46-1f43-4a5e-9d38-6a3d3f3f0d11\"}", "nonce")]
    [InlineData("{\"nextModule\":\"QrCodeAuthentication\",\"profileId\":\"no-such-profile\"}", "profileId")]
    [InlineData("not json", "body")]
    public async Task BadInput_Is400_NamingTheField(string json, string field)
    {
        using var api = await portal.CreateApiClientAsync();

        var response = await api.PostAsync(Path, new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty(field, out _));
    }

    [Fact]
    public async Task WithoutAToken_Is401_AndWithoutTheEntitlement_Is403NamingIt()
    {
        var anonymous = await Anonymous().PostAsJsonAsync(Path, new { nextModule = "QrCodeAuthentication" });
        using var limited = await portal.CreateApiClientAsync(PortalFactory.LimitedClientId);
        var forbidden = await limited.PostAsJsonAsync(Path, new { nextModule = "QrCodeAuthentication" });

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Contains("authenticateAnyUser", (await forbidden.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("message").GetString());
    }

    private async Task<(string TrackId, string Nonce, string Lsi)> StartAsync(HttpClient api)
    {
        var step = await (await api.PostAsJsonAsync(Path, new { nextModule = "QrCodeAuthentication" })).Content.ReadFromJsonAsync<JsonElement>();
        var info = step.GetProperty("additionalInformation");
        return (info.GetProperty("qrCodeTrackId").GetString()!, info.GetProperty("nonce").GetString()!,
            QrImage.LsiOf(Convert.FromBase64String(info.GetProperty("qrCode").GetString()!)));
    }

    private static Task<HttpResponseMessage> ContinueAsync(HttpClient api, string trackId, string nonce, string query = "") =>
        api.PostAsJsonAsync(Path + query, new { nextModule = "QrCodeScanRequired", qrCodeTrackId = trackId, nonce });

    private async Task ApproveOnPhoneAsync(string lsi, string email = PortalFactory.DemoEmail)
    {
        using var phone = portal.CreateBrowser();
        await phone.SignInWithPasswordAsync(email, PortalFactory.DemoPassword);
        var page = await phone.GetPageAsync($"/qr/{lsi}");
        var approved = await phone.PostFormAsync($"/qr/{lsi}", page, "qr-approval", new Dictionary<string, string> { ["Decision"] = "approve" });
        Assert.Contains("Approved", await approved.Content.ReadAsStringAsync());
    }

    private HttpClient Anonymous() => portal.CreateDefaultClient();
}
