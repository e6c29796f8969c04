using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using QrLoginPortal.QrLogin;
using QrLoginPortal.Sessions;
using QrLoginPortal.SignIn;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.Security;

/// <summary>
/// Attacks that two attack runs tried on running portals and that held (issue 13), kept as tests so
/// they keep holding. Attacks already covered elsewhere are not repeated here (see the report's table).
/// </summary>
public sealed class HeldAttackTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    private const string AuthCookie = ".AspNetCore.Identity.Application";

    private QrLoginService Engine => portal.Services.GetRequiredService<QrLoginService>();

    private QrTicketService Tickets => portal.Services.GetRequiredService<QrTicketService>();

    [Fact]
    public async Task Ticket_RedeemedWithoutTheBindingCookie_SignsNobodyIn()
    {
        using var browser = portal.CreateBrowser();
        var created = await StartOnLoginPageAsync(browser);
        await Engine.ApproveAsync(created.Lsi, await portal.UserIdAsync(PortalFactory.DemoEmail), false, null, null);
        var ticket = await Tickets.IssueTicketAsync(created.Id, created.Dsi);
        // A client that never opened the sign-in page: it has the ticket and nothing else.
        using var bare = portal.CreateBrowser();

        var response = await RedeemAsync(bare, ticket!);

        Assert.Equal(QrSignInEndpoints.FailedRedirect, response.Headers.Location?.OriginalString);
        Assert.Null(bare.Cookie(AuthCookie));
        Assert.Equal("/account", (await RedeemAsync(browser, ticket!)).Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task Ticket_RedeemedAfter30Seconds_SignsNobodyIn()
    {
        using var browser = portal.CreateBrowser();
        var created = await StartOnLoginPageAsync(browser);
        await Engine.ApproveAsync(created.Lsi, await portal.UserIdAsync(PortalFactory.DemoEmail), false, null, null);
        var ticket = await Tickets.IssueTicketAsync(created.Id, created.Dsi);

        portal.Clock.Advance(QrLoginDefaults.TicketLifetime + TimeSpan.FromSeconds(1));
        var response = await RedeemAsync(browser, ticket!);

        Assert.Equal(QrSignInEndpoints.FailedRedirect, response.Headers.Location?.OriginalString);
        Assert.Null(browser.Cookie(AuthCookie));
    }

    [Fact]
    public async Task LoginCsrf_AVictimsBrowserMadeToPostAnAttackersTicket_IsNotSignedInAsTheAttacker()
    {
        // The attacker runs a whole QR sign-in for their own account and keeps the ticket.
        var attackerId = await portal.CreateUserAsync("csrf-attacker@test.local");
        using var attackerBrowser = portal.CreateBrowser();
        var created = await StartOnLoginPageAsync(attackerBrowser);
        await Engine.ApproveAsync(created.Lsi, attackerId, false, null, null);
        var ticket = await Tickets.IssueTicketAsync(created.Id, created.Dsi);
        // The victim, signed in as themselves, visits the attacker's site, which auto-submits the ticket.
        using var victim = portal.CreateBrowser();
        await victim.SignInWithPasswordAsync(PortalFactory.DemoEmail, PortalFactory.DemoPassword);
        await victim.GetPageAsync("/login");
        using var post = new HttpRequestMessage(HttpMethod.Post, QrSignInEndpoints.RedeemPath)
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["ticket"] = ticket!, ["returnUrl"] = "/account" }),
        };
        post.Headers.Add("Origin", "https://attacker.example");
        post.Headers.Referrer = new Uri("https://attacker.example/");

        var response = await victim.Http.SendAsync(post);

        Assert.Equal(QrSignInEndpoints.FailedRedirect, response.Headers.Location?.OriginalString);
        var account = await victim.GetPageAsync("/account");
        Assert.Contains(PortalFactory.DemoEmail, account);
        Assert.DoesNotContain("csrf-attacker@test.local", account);
        Assert.Empty(await portal.Services.GetRequiredService<SessionStore>().ListAsync(attackerId));
    }

    [Fact]
    public async Task ASecondPageKnowingTheLsi_LearnsNothing()
    {
        using var browser = portal.CreateBrowser();
        var created = await StartOnLoginPageAsync(browser);
        await Engine.ApproveAsync(created.Lsi, await portal.UserIdAsync(PortalFactory.DemoEmail), false, null, null);
        using var onlooker = portal.CreateBrowser();
        using var otherPhone = portal.CreateBrowser();
        await otherPhone.SignInWithPasswordAsync(PortalFactory.AdminEmail, PortalFactory.AdminPassword);

        var anonymous = await onlooker.Http.GetAsync($"/qr/{created.Lsi}");
        var signedIn = await otherPhone.GetPageAsync($"/qr/{created.Lsi}");
        var unknown = await otherPhone.GetPageAsync("/qr/NOSUCHCODE234");
        var pollWithLsi = await onlooker.Http.GetAsync($"/v2.0/factors/qr/{created.Id}?dsi={created.Lsi}");
        var pollUnknown = await onlooker.Http.GetAsync($"/v2.0/factors/qr/{Guid.NewGuid()}?dsi={created.Lsi}");

        // Not who approved, not that anyone did, and no way to the result or a ticket.
        Assert.DoesNotContain(PortalFactory.DemoEmail, await anonymous.Content.ReadAsStringAsync());
        Assert.DoesNotContain(PortalFactory.DemoEmail, anonymous.Headers.Location?.OriginalString ?? "");
        Assert.DoesNotContain(PortalFactory.DemoEmail, signedIn);
        Assert.Equal(ResultMessage(unknown), ResultMessage(signedIn));
        Assert.Equal(HttpStatusCode.NotFound, pollWithLsi.StatusCode);
        Assert.Equal(await pollUnknown.Content.ReadAsStringAsync(), await pollWithLsi.Content.ReadAsStringAsync());
        Assert.Null(await Tickets.IssueTicketAsync(created.Id, created.Lsi));
        Assert.Null(await Engine.GetAsync(created.Id, created.Lsi));

        static string ResultMessage(string html) => html[html.IndexOf("approve-result", StringComparison.Ordinal)..html.IndexOf("</section>", StringComparison.Ordinal)];
    }

    [Fact]
    public async Task Attempt_ByACookieUser_IgnoresTheUserIdInTheBody()
    {
        using var api = await portal.CreateApiClientAsync();
        var created = await api.GetFromJsonAsync<JsonElement>("/v2.0/factors/qr/authenticate?profileId=default");
        var id = created.GetProperty("id").GetString();
        var adminId = await portal.UserIdAsync(PortalFactory.AdminEmail);
        using var phone = portal.CreateBrowser();
        await phone.SignInWithPasswordAsync(PortalFactory.DemoEmail, PortalFactory.DemoPassword);

        var response = await phone.Http.PostAsJsonAsync($"/v2.0/factors/qr/{id}", new { lsi = created.GetProperty("lsi").GetString(), userId = adminId });

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var poll = await portal.CreateDefaultClient().GetFromJsonAsync<JsonElement>($"/v2.0/factors/qr/{id}?dsi={created.GetProperty("dsi").GetString()}");
        Assert.Equal("SUCCESS", poll.GetProperty("state").GetString());
        Assert.Equal(await portal.UserIdAsync(PortalFactory.DemoEmail), poll.GetProperty("userId").GetString());
    }

    [Theory]
    [InlineData(2)]
    [InlineData(10)]
    public async Task ConcurrentApprovals_ThroughTheApi_ExactlyOneWins(int racers)
    {
        using var api = await portal.CreateApiClientAsync();
        var created = await api.GetFromJsonAsync<JsonElement>("/v2.0/factors/qr/authenticate?profileId=default");
        var id = created.GetProperty("id").GetString();
        var lsi = created.GetProperty("lsi").GetString();
        var users = new List<string>();
        for (var i = 0; i < racers; i++)
        {
            users.Add(await portal.CreateUserAsync($"api-racer-{racers}-{i}@test.local"));
        }

        using var start = new ManualResetEventSlim();
        var racing = users.Select(userId => Task.Run(async () =>
        {
            start.Wait();
            return (userId, (await api.PostAsJsonAsync($"/v2.0/factors/qr/{id}", new { lsi, userId })).StatusCode);
        })).ToList();
        start.Set();
        var results = await Task.WhenAll(racing);

        var winner = Assert.Single(results, r => r.StatusCode == HttpStatusCode.NoContent);
        Assert.All(results.Where(r => r != winner), r => Assert.Equal(HttpStatusCode.NotFound, r.StatusCode));
        var poll = await portal.CreateDefaultClient().GetFromJsonAsync<JsonElement>($"/v2.0/factors/qr/{id}?dsi={created.GetProperty("dsi").GetString()}");
        Assert.Equal(winner.userId, poll.GetProperty("userId").GetString());
    }

    [Theory]
    [InlineData(2)]
    [InlineData(10)]
    public async Task ConcurrentApprovals_ThroughThePhoneForm_ExactlyOneWins(int racers)
    {
        using var browser = portal.CreateBrowser();
        var created = await StartOnLoginPageAsync(browser);
        var phones = new List<(string UserId, PortalFactory.BrowserClient Phone, string Page)>();
        for (var i = 0; i < racers; i++)
        {
            var email = $"form-racer-{racers}-{i}@test.local";
            var userId = await portal.CreateUserAsync(email);
            var phone = portal.CreateBrowser("Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Version/18.0 Mobile Safari/604.1");
            await phone.SignInWithPasswordAsync(email, PortalFactory.DemoPassword);
            phones.Add((userId, phone, await phone.GetPageAsync($"/qr/{created.Lsi}")));
        }

        try
        {
            using var start = new ManualResetEventSlim();
            var racing = phones.Select(p => Task.Run(async () =>
            {
                start.Wait();
                var response = await p.Phone.PostFormAsync($"/qr/{created.Lsi}", p.Page, "qr-approval",
                    new Dictionary<string, string> { ["Decision"] = "approve" });
                return (p.UserId, Html: await response.Content.ReadAsStringAsync());
            })).ToList();
            start.Set();
            var results = await Task.WhenAll(racing);

            var winner = Assert.Single(results, r => r.Html.Contains("<h1 class=\"signin-title\">Approved</h1>"));
            Assert.All(results.Where(r => r != winner), r => Assert.Contains("This code can't be used", r.Html));
            Assert.Equal(winner.UserId, (await Engine.GetAsync(created.Id, created.Dsi))!.UserId);
        }
        finally
        {
            phones.ForEach(p => p.Phone.Dispose());
        }
    }

    [Theory]
    [InlineData("/login", false)]
    [InlineData("/qr/", true)]
    [InlineData("/account/sessions", true)]
    [InlineData("/Account/Manage", true)]
    public async Task PagesThatTakeAClick_RefuseToBeFramed(string path, bool signedIn)
    {
        using var browser = portal.CreateBrowser();
        if (signedIn)
        {
            await browser.SignInWithPasswordAsync(PortalFactory.DemoEmail, PortalFactory.DemoPassword);
        }

        if (path == "/qr/")
        {
            using var desktop = portal.CreateBrowser();
            path += (await StartOnLoginPageAsync(desktop)).Lsi;
        }

        var response = await browser.Http.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("frame-ancestors 'none'", string.Join(";", response.Headers.GetValues("Content-Security-Policy")));
        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
    }

    /// <summary>What the login page and its QR panel do: the page sets the binding cookie, the panel creates the transaction with its hash.</summary>
    private async Task<NewQrTransaction> StartOnLoginPageAsync(PortalFactory.BrowserClient browser)
    {
        await browser.GetPageAsync("/login");
        var cookie = browser.Cookie(BrowserBinding.CookieName);
        Assert.NotNull(cookie);
        return await Engine.CreateAsync(new QrRequester("203.0.113.10", browser.Http.DefaultRequestHeaders.UserAgent.ToString(), Secrets.Hash(cookie)));
    }

    private static Task<HttpResponseMessage> RedeemAsync(PortalFactory.BrowserClient browser, string ticket) =>
        browser.Http.PostAsync(QrSignInEndpoints.RedeemPath, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["ticket"] = ticket,
            ["returnUrl"] = "/account",
        }));
}
