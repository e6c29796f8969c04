using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using QrLoginPortal.QrLogin;
using QrLoginPortal.SignIn;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.Security;

/// <summary>
/// Each input that made the portal answer 500 in the attack runs of issue 13: now a 4xx (or a
/// redirect to a local page), and for the QR ticket, the sign-in still happens.
/// </summary>
public sealed class HostileInputTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    private static readonly string LongKey = new('k', 2049);

    public static TheoryData<string, string> FormEndpoints => new()
    {
        { "POST", "/v1.0/endpoint/default/token" },
        { "POST", "/v1.0/authenticate" },
        { "POST", "/v2.0/factors/qr/" + Guid.Empty },
        { "DELETE", "/v2.0/factors/qr/" + Guid.Empty },
        { "GET", "/v2.0/factors/qr/authenticate" },
        { "PUT", "/config/v2.0/factors/qr" },
    };

    [Theory]
    [MemberData(nameof(FormEndpoints))]
    public async Task AFormKeyOver2048Characters_Is400_NotA500(string method, string path)
    {
        using var http = portal.CreateClient();
        var response = await http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path)
        {
            Content = new StringContent($"{LongKey}=1", Encoding.ASCII, "application/x-www-form-urlencoded"),
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [MemberData(nameof(FormEndpoints))]
    public async Task AFiveMegabyteFormValue_Is4xx_NotA500(string method, string path)
    {
        using var http = portal.CreateClient();
        var response = await http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path)
        {
            Content = new StringContent("client_id=" + new string('v', 5 * 1024 * 1024), Encoding.ASCII, "application/x-www-form-urlencoded"),
        });

        Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.RequestEntityTooLarge, $"answered {(int)response.StatusCode}");
    }

    [Theory]
    [InlineData("%00")]
    [InlineData("a=%00")]
    [InlineData("access_token=%00")]
    [InlineData("%00=%00&%00")]
    public async Task ANulInAFormBody_OnDelete_Is4xx_NotA500(string body)
    {
        using var http = portal.CreateClient();
        var response = await http.SendAsync(new HttpRequestMessage(HttpMethod.Delete, "/v2.0/factors/qr/" + Guid.NewGuid())
        {
            Content = new StringContent(body, Encoding.ASCII, "application/x-www-form-urlencoded"),
        });

        Assert.InRange((int)response.StatusCode, 400, 499);
    }

    [Fact]
    public async Task AnOversizedJsonBody_ToTheAttemptEndpoint_Is413_BeforeItIsParsed()
    {
        using var phone = portal.CreateBrowser();
        await phone.SignInWithPasswordAsync(PortalFactory.DemoEmail, PortalFactory.DemoPassword);

        var body = "{\"lsi\":\"" + new string('a', 200 * 1024) + "\"}";
        var response = await phone.Http.PostAsync("/v2.0/factors/qr/" + Guid.NewGuid(), new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("\"body\"", await response.Content.ReadAsStringAsync());
    }

    public static TheoryData<string> HostileReturnUrls => new()
    {
        "//evil.example",
        "https://evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "http:evil.example",
        "/\u3000/x",
        "/a\u0000b",
        "/" + new string('a', 5000),
    };

    [Theory]
    [MemberData(nameof(HostileReturnUrls))]
    public async Task ACorrectPassword_WithAHostileReturnUrl_GoesHome(string returnUrl)
    {
        using var browser = portal.CreateBrowser();
        var url = "/login?ReturnUrl=" + Uri.EscapeDataString(returnUrl);
        var page = await browser.GetPageAsync(url);

        var response = await browser.PostFormAsync(url, page, "login", new Dictionary<string, string>
        {
            ["Input.Email"] = PortalFactory.DemoEmail,
            ["Input.Password"] = PortalFactory.DemoPassword,
        });

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", LocalTarget(response));
    }

    /// <summary>Where a redirect goes on this portal; the Identity pages write absolute URLs of their own origin.</summary>
    private static string LocalTarget(HttpResponseMessage response)
    {
        var location = response.Headers.Location!;
        if (!location.IsAbsoluteUri)
        {
            return location.OriginalString;
        }

        Assert.Equal("http://localhost", location.GetLeftPart(UriPartial.Authority));
        return location.PathAndQuery;
    }

    [Theory]
    [InlineData("/evil.example", "/evil.example")]
    [InlineData("//evil.example", "/")]
    [InlineData("https://evil.example", "/")]
    [InlineData("/\u3000/x", "/")]
    [InlineData("", "/")]
    [InlineData("Account/Manage", "/Account/Manage")]
    public async Task Logout_WithAHostileReturnUrl_GoesToALocalPage(string returnUrl, string expected)
    {
        using var browser = portal.CreateBrowser();
        await browser.SignInWithPasswordAsync(PortalFactory.DemoEmail, PortalFactory.DemoPassword);
        var page = await browser.GetPageAsync("/account");

        var response = await browser.Http.PostAsync("/Account/Logout", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["returnUrl"] = returnUrl,
            ["__RequestVerificationToken"] = PortalFactory.BrowserClient.AntiforgeryToken(page),
        }));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(expected, response.Headers.Location?.OriginalString);
    }

    [Theory]
    [InlineData("/\u3000/x")]
    [InlineData("//evil.example")]
    [InlineData("/a\rb")]
    public async Task QrSignIn_WithANonAsciiOrHostileReturnUrl_StillSignsThePersonIn_ToTheHomePage(string returnUrl)
    {
        var engine = portal.Services.GetRequiredService<QrLoginService>();
        using var browser = portal.CreateBrowser();
        await browser.GetPageAsync("/login?ReturnUrl=" + Uri.EscapeDataString(returnUrl));
        var created = await engine.CreateAsync(new QrRequester("203.0.113.10", "test",
            Secrets.Hash(browser.Cookie(BrowserBinding.CookieName)!)));
        await engine.ApproveAsync(created.Lsi, await portal.UserIdAsync(PortalFactory.DemoEmail), keepSignedIn: false, null, null);
        var ticket = await portal.Services.GetRequiredService<QrTicketService>().IssueTicketAsync(created.Id, created.Dsi);

        var response = await browser.Http.PostAsync(QrSignInEndpoints.RedeemPath, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["ticket"] = ticket!,
            ["returnUrl"] = returnUrl,
        }));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", response.Headers.Location?.OriginalString);
        Assert.Contains(PortalFactory.DemoEmail, await browser.GetPageAsync("/account"));
    }

    [Theory]
    [InlineData("/Account/LoginWith2fa")]
    [InlineData("/Account/LoginWithRecoveryCode")]
    public async Task TheSecondFactorPages_WithoutThePasswordStep_GoToTheSignInPage(string path)
    {
        using var http = portal.CreateClient(new() { AllowAutoRedirect = false });

        var response = await http.GetAsync(path);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/login", LocalTarget(response));
    }

    [Theory]
    [InlineData("/Account/Manage/Disable2fa")]
    [InlineData("/Account/Manage/GenerateRecoveryCodes")]
    public async Task TwoFactorPages_ForAUserWithout2fa_GoBackToTheTwoFactorPage(string path)
    {
        using var browser = portal.CreateBrowser();
        await browser.SignInWithPasswordAsync(PortalFactory.DemoEmail, PortalFactory.DemoPassword);

        var response = await browser.Http.GetAsync(path);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/Account/Manage/TwoFactorAuthentication", LocalTarget(response));
    }

    [Theory]
    [InlineData("/Account/PasskeyCreationOptions")]
    [InlineData("/Account/PasskeyRequestOptions")]
    public async Task PasskeyOptions_WithoutAnAntiforgeryToken_Is400(string path)
    {
        using var http = portal.CreateClient(new() { AllowAutoRedirect = false });

        var response = await http.PostAsync(path, new StringContent("{}", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
