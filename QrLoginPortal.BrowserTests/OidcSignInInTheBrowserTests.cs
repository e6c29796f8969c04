using System.Net;
using System.Text.Json;
using Microsoft.Playwright;
using QrLoginPortal.Api;
using QrLoginPortal.BrowserTests.Infrastructure;

namespace QrLoginPortal.BrowserTests;

/// <summary>
/// Another application signs its people in through the portal (issue 19): ASP.NET Core's own OpenID Connect handler
/// sends the browser to the portal, the person scans and approves on their phone, and the application receives them.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class OidcSignInInTheBrowserTests(BrowserFixture fixture) : BrowserTestBase(fixture)
{
    private const string SessionCookie = ".AspNetCore.Identity.Application";

    private OidcRelyingPartySite Application => Fixture.RelyingParty;

    [Theory]
    [InlineData("/")]
    [InlineData(OidcRelyingPartySite.QueryModePath)]
    public async Task TheApplication_SendsThePersonToScan_ThePhoneApproves_AndTheyArriveSignedInWithAmrQr_ThenItsLogoutEndsThePortalSession(string page)
    {
        var desktop = await NewDesktopPageAsync();
        await desktop.GotoAsync(Application.Url + page);
        await ExpectAddressStartingWithAsync(desktop, BaseUrl + "/login?");
        var approvalUrl = await ReadQrAsync(desktop);
        await ShotAsync(desktop, "portal-sign-in-for-the-application");
        var phone = await SignedInPhoneAsync();
        await phone.GotoAsync(approvalUrl);
        await Expect(phone.GetByText("Sign in on another browser?")).ToBeVisibleAsync();

        await phone.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();

        await ExpectAddressAsync(desktop, Application.Url + page);
        await Expect(desktop.GetByTestId("user")).ToHaveTextAsync(PortalServer.DemoEmail);
        await Expect(desktop.GetByTestId("amr")).ToHaveTextAsync("qr");
        await ShotAsync(desktop, "application-signed-in");

        // Logout at the application: through the portal's end-session endpoint and back to the application.
        var refreshToken = await SavedRefreshTokenAsync(desktop);
        var portalCookies = await PortalSessionCookiesAsync(desktop);
        await desktop.GetByRole(AriaRole.Link, new() { Name = "Sign out" }).ClickAsync();

        await ExpectAddressAsync(desktop, Application.Url + OidcRelyingPartySite.SignedOutPath);
        await Expect(desktop.GetByTestId("signed-out")).ToBeVisibleAsync();
        await ShotAsync(desktop, "application-signed-out");
        // The portal session itself has ended: its cookie, played back in a fresh browser, signs no one in.
        var replay = await NewDesktopPageAsync();
        await replay.Context.AddCookiesAsync(portalCookies);
        await replay.GotoAsync("/account");
        await ExpectAddressStartingWithAsync(replay, BaseUrl + "/login");
        // And the refresh token the application holds, bound to that session (sid), buys nothing more.
        var refused = await RefreshAsync(refreshToken);
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Equal("invalid_grant", refused.Body.GetProperty("error").GetString());
        Assert.Contains("ended", refused.Body.GetProperty("error_description").GetString());
    }

    [Fact]
    public async Task ABrowserAlreadySignedInAtThePortal_GoesThroughToTheApplication_WithoutStoppingAtThePortal()
    {
        var desktop = await NewDesktopPageAsync();
        await SignInWithPasswordAsync(desktop, PortalServer.DemoEmail, PortalServer.DemoPassword);
        var visited = new List<string>();
        desktop.FrameNavigated += (_, frame) =>
        {
            if (frame.ParentFrame is null)
            {
                visited.Add(frame.Url);
            }
        };

        await desktop.GotoAsync(Application.Url + "/");

        await ExpectAddressAsync(desktop, Application.Url + "/");
        await Expect(desktop.GetByTestId("user")).ToHaveTextAsync(PortalServer.DemoEmail);
        await Expect(desktop.GetByTestId("amr")).ToHaveTextAsync("pwd");
        // Through the portal's authorization endpoint (and its form_post answer), never its sign-in page.
        Assert.DoesNotContain(visited, url => url.StartsWith(BaseUrl + "/login", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PromptLogin_ShowsTheSignInPage_WithoutSigningThePortalOut_AndTheQrSignInThereReplacesTheSession()
    {
        var desktop = await NewDesktopPageAsync();
        await SignInWithPasswordAsync(desktop, PortalServer.DemoEmail, PortalServer.DemoPassword);
        // Another tab of the same browser, on a portal page that watches its session.
        var tab = await OpenWatchingSessionsTabAsync(desktop);

        await desktop.GotoAsync(Application.Url + OidcRelyingPartySite.ReauthenticatePath);

        await ExpectAddressStartingWithAsync(desktop, BaseUrl + "/login?");
        // Still signed in at the portal while it asks for the new sign-in: the top bar says so.
        await Expect(desktop.Locator(".top-nav")).ToContainTextAsync("Sign out");
        await Expect(desktop.GetByTestId("signed-in-note")).ToContainTextAsync("Signing in here replaces that sign-in on this browser.");
        await ShotAsync(desktop, "sign-in-again-while-signed-in");
        var approvalUrl = await ReadQrAsync(desktop);
        var phone = await SignedInPhoneAsync();
        await phone.GotoAsync(approvalUrl);
        await Expect(phone.GetByText("Sign in on another browser?")).ToBeVisibleAsync();
        await phone.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();

        await ExpectAddressAsync(desktop, Application.Url + "/");
        await Expect(desktop.GetByTestId("amr")).ToHaveTextAsync("qr");
        // The other tab's session was replaced: it loads again where it was, under the new (QR) sign-in.
        await ExpectSessionsTabLoadedAgainUnderAQrSignInAsync(tab);
    }

    private async Task<string> SavedRefreshTokenAsync(IPage page)
    {
        var response = await page.Context.APIRequest.GetAsync(Application.Url + "/tokens");
        Assert.Equal(200, response.Status);
        var token = (await response.JsonAsync())!.Value.GetProperty("refresh_token").GetString();
        Assert.False(string.IsNullOrEmpty(token), "the application got no refresh token");
        return token;
    }

    private async Task<IEnumerable<Microsoft.Playwright.Cookie>> PortalSessionCookiesAsync(IPage page)
    {
        var cookies = (await page.Context.CookiesAsync([BaseUrl])).Where(c => c.Name.StartsWith(SessionCookie, StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(cookies);
        return cookies.Select(c => new Microsoft.Playwright.Cookie
        {
            Name = c.Name, Value = c.Value, Domain = c.Domain, Path = c.Path, HttpOnly = c.HttpOnly, Secure = c.Secure, SameSite = c.SameSite,
        });
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> RefreshAsync(string refreshToken)
    {
        using var http = new HttpClient { BaseAddress = new Uri(BaseUrl) };
        var response = await http.PostAsync(ApiExtensions.TokenPath, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["client_id"] = OidcRelyingPartySite.ClientId,
            ["client_secret"] = OidcRelyingPartySite.ClientSecret,
            ["refresh_token"] = refreshToken,
        }));
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement);
    }
}
