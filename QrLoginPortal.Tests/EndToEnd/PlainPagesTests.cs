using System.Net;
using System.Text.RegularExpressions;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.EndToEnd;

/// <summary>The pages around the product: signed out, not found, error.</summary>
public sealed partial class PlainPagesTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task SigningOut_FromTheTopBar_SaysYouAreSignedOut()
    {
        using var browser = portal.CreateBrowser();
        await browser.SignInWithPasswordAsync(PortalFactory.DemoEmail, PortalFactory.DemoPassword);
        var home = await browser.GetPageAsync("/account");
        var returnUrl = WebUtility.HtmlDecode(NavReturnUrl().Match(home).Groups[1].Value);

        var response = await browser.Http.PostAsync("/Account/Logout", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["ReturnUrl"] = returnUrl,
            ["__RequestVerificationToken"] = PortalFactory.BrowserClient.AntiforgeryToken(home),
        }));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var page = await browser.GetPageAsync(response.Headers.Location!.OriginalString);

        Assert.Contains("<title>Signed out</title>", page);
        Assert.Contains("You are signed out", page);
        Assert.Contains("href=\"login\"", page);
        Assert.DoesNotContain(PortalFactory.DemoEmail, page);
    }

    [Fact]
    public async Task AnUnknownAddress_GetsThePortalsNotFoundPage_WithATitle()
    {
        using var browser = portal.CreateBrowser();

        var response = await browser.Http.GetAsync("/no-such-page");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("<title>Page not found</title>", html);
        Assert.Contains("<h1", html);
        Assert.Contains("top-nav", html);
    }

    [Fact]
    public async Task ErrorPage_OutsideDevelopment_CarriesNoDevelopmentModeText()
    {
        await using var production = new ProductionPortalFactory();
        using var browser = production.CreateBrowser();

        var html = await (await browser.Http.GetAsync("/Error")).Content.ReadAsStringAsync();

        Assert.Contains("Something went wrong", html);
        Assert.DoesNotContain("Development Mode", html);
        Assert.DoesNotContain("ASPNETCORE_ENVIRONMENT", html);
    }

    [GeneratedRegex("action=\"Account/Logout\"[\\s\\S]*?name=\"ReturnUrl\" value=\"([^\"]*)\"")]
    private static partial Regex NavReturnUrl();
}
