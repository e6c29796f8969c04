using System.Net;
using Microsoft.Extensions.DependencyInjection;
using QrLoginPortal.QrLogin;
using QrLoginPortal.SignIn;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.EndToEnd;

/// <summary>
/// The whole loop over HTTP against the real app: a browser that opened /login, a phone signed in
/// as the demo user that approves on the approval page, and the ticket exchanged for a cookie. The
/// circuit's part (creating the transaction, receiving the push, asking for the ticket) is played
/// through the same engine calls the QR panel makes.
/// </summary>
public sealed class QrSignInFlowTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    private QrLoginService Engine => portal.Services.GetRequiredService<QrLoginService>();

    private QrTicketService Tickets => portal.Services.GetRequiredService<QrTicketService>();
    private ITransactionNotifier Notifier => portal.Services.GetRequiredService<ITransactionNotifier>();

    [Fact]
    public async Task ApprovedOnThePhone_SignsTheBrowserIn_WithATicketThatWorksOnce()
    {
        using var browser = portal.CreateBrowser();
        var created = await StartOnLoginPageAsync(browser);
        var pushes = new List<QrTransactionChanged>();
        using var _ = Notifier.Subscribe(created.Id, c => { lock (pushes) { pushes.Add(c); } return Task.CompletedTask; });
        using var phone = await SignedInPhoneAsync();

        var approvalPage = await phone.GetPageAsync($"/qr/{created.Lsi}");
        Assert.Contains("Sign in on another browser?", approvalPage);
        Assert.Contains("Chrome 140", approvalPage);
        Assert.Contains("Windows 10/11", approvalPage);
        Assert.Contains(PortalFactory.DemoEmail, approvalPage);
        var approved = await phone.PostFormAsync($"/qr/{created.Lsi}", approvalPage, "qr-approval",
            new Dictionary<string, string> { ["Decision"] = "approve" });
        Assert.Contains("Approved", await approved.Content.ReadAsStringAsync());

        Assert.Contains(pushes, p => p.Scanned && p.State == QrTransactionState.Pending);
        Assert.Contains(pushes, p => p.State == QrTransactionState.Success);
        var ticket = await Tickets.IssueTicketAsync(created.Id, created.Dsi);
        Assert.NotNull(ticket);

        var redeemed = await RedeemAsync(browser, ticket, "/account");
        Assert.Equal(HttpStatusCode.Redirect, redeemed.StatusCode);
        Assert.Equal("/account", redeemed.Headers.Location?.OriginalString);
        var accountPage = await browser.GetPageAsync("/account");
        Assert.Contains(PortalFactory.DemoEmail, accountPage);
        var sessions = await portal.Services.GetRequiredService<QrLoginPortal.Sessions.SessionStore>().ListAsync(await portal.UserIdAsync(PortalFactory.DemoEmail));
        Assert.Contains(sessions, s => s.Method == "qr" && s.EndedAt is null && s.UserAgent!.Contains("Windows NT 10.0"));

        var again = await RedeemAsync(browser, ticket, "/account");
        Assert.Equal(QrSignInEndpoints.FailedRedirect, again.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task KeepSignedIn_MakesTheBrowserCookiePersistent()
    {
        using var browser = portal.CreateBrowser();
        var created = await StartOnLoginPageAsync(browser);
        using var phone = await SignedInPhoneAsync();
        var page = await phone.GetPageAsync($"/qr/{created.Lsi}");
        await phone.PostFormAsync($"/qr/{created.Lsi}", page, "qr-approval",
            new Dictionary<string, string> { ["Decision"] = "approve", ["KeepSignedIn"] = "true" });

        var response = await RedeemAsync(browser, (await Tickets.IssueTicketAsync(created.Id, created.Dsi))!, "/");

        var setCookie = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith(".AspNetCore.Identity.Application="));
        Assert.Contains("expires=", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task WithoutKeepSignedIn_TheBrowserGetsASessionCookieOnly()
    {
        using var browser = portal.CreateBrowser();
        var created = await StartOnLoginPageAsync(browser);
        await Engine.ApproveAsync(created.Lsi, await portal.UserIdAsync(PortalFactory.DemoEmail), keepSignedIn: false, null, null);

        var response = await RedeemAsync(browser, (await Tickets.IssueTicketAsync(created.Id, created.Dsi))!, "/");

        var setCookie = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith(".AspNetCore.Identity.Application="));
        Assert.DoesNotContain("expires=", setCookie, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("application/x-www-form-urlencoded; charset=nonsense")]
    public async Task Redeem_WithAMalformedBody_IsAFailedSignIn_NotAnError(string contentType)
    {
        using var browser = portal.CreateBrowser();
        var content = new StringContent("ticket=x", System.Text.Encoding.UTF8);
        content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);

        var response = await browser.Http.PostAsync(QrSignInEndpoints.RedeemPath, content);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(QrSignInEndpoints.FailedRedirect, response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task Redeem_WithAFormThatCannotBeParsed_Is400_LikeEveryOtherEndpoint()
    {
        // A multipart body without a boundary: the request limits refuse it before any endpoint reads it.
        using var browser = portal.CreateBrowser();
        var content = new StringContent("ticket=x", System.Text.Encoding.UTF8);
        content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse("multipart/form-data");

        var response = await browser.Http.PostAsync(QrSignInEndpoints.RedeemPath, content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task DeniedOnThePhone_LeavesTheBrowserSignedOut()
    {
        using var browser = portal.CreateBrowser();
        var created = await StartOnLoginPageAsync(browser);
        using var phone = await SignedInPhoneAsync();

        var page = await phone.GetPageAsync($"/qr/{created.Lsi}");
        var denied = await phone.PostFormAsync($"/qr/{created.Lsi}", page, "qr-approval",
            new Dictionary<string, string> { ["Decision"] = "deny" });

        Assert.Contains("Sign-in denied", await denied.Content.ReadAsStringAsync());
        Assert.Equal(QrTransactionState.Failed, (await Engine.GetAsync(created.Id, created.Dsi))!.State);
        Assert.Null(await Tickets.IssueTicketAsync(created.Id, created.Dsi));
        var protectedPage = await browser.Http.GetAsync("/account");
        Assert.Equal(HttpStatusCode.Redirect, protectedPage.StatusCode);
        Assert.StartsWith("/login", protectedPage.Headers.Location!.PathAndQuery);
        Assert.Null(browser.Cookie(".AspNetCore.Identity.Application"));
    }

    [Fact]
    public async Task ExpiredTransaction_CannotBeApproved()
    {
        using var browser = portal.CreateBrowser();
        var created = await StartOnLoginPageAsync(browser);
        using var phone = await SignedInPhoneAsync();
        var page = await phone.GetPageAsync($"/qr/{created.Lsi}");

        portal.Clock.Advance(TimeSpan.FromSeconds(121));
        var late = await phone.PostFormAsync($"/qr/{created.Lsi}", page, "qr-approval",
            new Dictionary<string, string> { ["Decision"] = "approve" });

        Assert.Contains("This code can't be used", await late.Content.ReadAsStringAsync());
        Assert.NotEqual(QrTransactionState.Success, (await Engine.GetAsync(created.Id, created.Dsi))!.State);
        Assert.Contains("This code can't be used", await phone.GetPageAsync($"/qr/{created.Lsi}"));
    }

    [Fact]
    public async Task UnknownExpiredAndUsedCodes_ShowOneAndTheSameMessage()
    {
        using var phone = await SignedInPhoneAsync();
        using var browser = portal.CreateBrowser();
        var used = await StartOnLoginPageAsync(browser);
        await Engine.ApproveAsync(used.Lsi, "someone", false, null, null);

        var unknown = await phone.GetPageAsync("/qr/NOSUCHCODE234");
        var usedPage = await phone.GetPageAsync($"/qr/{used.Lsi}");

        Assert.Equal(Message(unknown), Message(usedPage));
        Assert.Contains("expired, was already used, or does not exist", Message(unknown));

        static string Message(string html) => html[html.IndexOf("approve-result", StringComparison.Ordinal)..html.IndexOf("</section>", StringComparison.Ordinal)];
    }

    [Fact]
    public async Task ApprovalPage_WhenThePhoneIsSignedOut_AsksToSignInAndComesBack()
    {
        using var browser = portal.CreateBrowser();
        var created = await StartOnLoginPageAsync(browser);
        using var phone = portal.CreateBrowser();

        var response = await phone.Http.GetAsync($"/qr/{created.Lsi}");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!.OriginalString;
        Assert.Contains("/login", location);
        Assert.Contains(Uri.EscapeDataString($"/qr/{created.Lsi}"), location);
        Assert.False((await Engine.GetAsync(created.Id, created.Dsi))!.Scanned);
    }

    [Fact]
    public async Task OpeningTheApprovalPage_ApprovesNothing()
    {
        using var browser = portal.CreateBrowser();
        var created = await StartOnLoginPageAsync(browser);
        using var phone = await SignedInPhoneAsync();

        await phone.GetPageAsync($"/qr/{created.Lsi}");

        var view = await Engine.GetAsync(created.Id, created.Dsi);
        Assert.Equal(QrTransactionState.Pending, view!.State);
        Assert.True(view.Scanned);
        Assert.Null(await Tickets.IssueTicketAsync(created.Id, created.Dsi));
    }

    [Fact]
    public async Task Ticket_PresentedByAnotherBrowser_DoesNotSignItIn()
    {
        using var browser = portal.CreateBrowser();
        var created = await StartOnLoginPageAsync(browser);
        await Engine.ApproveAsync(created.Lsi, await portal.UserIdAsync(PortalFactory.DemoEmail), false, null, null);
        var ticket = await Tickets.IssueTicketAsync(created.Id, created.Dsi);
        using var attacker = portal.CreateBrowser();
        await attacker.GetPageAsync("/login");

        var stolen = await RedeemAsync(attacker, ticket!, "/account");

        Assert.Equal(QrSignInEndpoints.FailedRedirect, stolen.Headers.Location?.OriginalString);
        Assert.Null(attacker.Cookie(".AspNetCore.Identity.Application"));
        var legit = await RedeemAsync(browser, ticket!, "/account");
        Assert.Equal("/account", legit.Headers.Location?.OriginalString);
    }

    [Theory]
    [InlineData("https://evil.example/phish")]
    [InlineData("//evil.example/phish")]
    [InlineData("/\\evil.example")]
    public async Task Redeem_WithAnExternalReturnUrl_GoesToTheHomePage(string returnUrl)
    {
        using var browser = portal.CreateBrowser();
        var created = await StartOnLoginPageAsync(browser);
        await Engine.ApproveAsync(created.Lsi, await portal.UserIdAsync(PortalFactory.DemoEmail), false, null, null);

        var response = await RedeemAsync(browser, (await Tickets.IssueTicketAsync(created.Id, created.Dsi))!, returnUrl);

        Assert.Equal("/", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task LoginPage_SetsAnHttpOnlyBindingCookie_AndSecurityHeaders()
    {
        using var browser = portal.CreateBrowser();

        var response = await browser.Http.GetAsync("/login");

        var binding = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith(BrowserBinding.CookieName + "="));
        Assert.Contains("httponly", binding, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", binding, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("frame-ancestors 'none'", string.Join(";", response.Headers.GetValues("Content-Security-Policy")));
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
    }

    [Fact]
    public async Task Redeem_WithNoTicket_IsRefusedWithoutAnError()
    {
        using var browser = portal.CreateBrowser();
        await browser.GetPageAsync("/login");

        var response = await browser.Http.PostAsync(QrSignInEndpoints.RedeemPath, new FormUrlEncodedContent(new Dictionary<string, string>()));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(QrSignInEndpoints.FailedRedirect, response.Headers.Location?.OriginalString);
    }

    /// <summary>What the login page and its QR panel do: the page sets the binding cookie, the panel creates the transaction with its hash.</summary>
    private async Task<NewQrTransaction> StartOnLoginPageAsync(PortalFactory.BrowserClient browser)
    {
        await browser.GetPageAsync("/login");
        var cookie = browser.Cookie(BrowserBinding.CookieName);
        Assert.NotNull(cookie);
        return await Engine.CreateAsync(new QrRequester("203.0.113.10",
            browser.Http.DefaultRequestHeaders.UserAgent.ToString(), Secrets.Hash(cookie)));
    }

    private async Task<PortalFactory.BrowserClient> SignedInPhoneAsync()
    {
        var phone = portal.CreateBrowser("Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Version/18.0 Mobile/15E148 Safari/604.1");
        await phone.SignInWithPasswordAsync(PortalFactory.DemoEmail, PortalFactory.DemoPassword);
        return phone;
    }

    private static Task<HttpResponseMessage> RedeemAsync(PortalFactory.BrowserClient browser, string ticket, string returnUrl) =>
        browser.Http.PostAsync(QrSignInEndpoints.RedeemPath, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["ticket"] = ticket,
            ["returnUrl"] = returnUrl,
        }));
}
