using System.Net;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.Accounts;

/// <summary>The template's external-login pages are gone: no external provider is configured, so nothing may lead to them.</summary>
public sealed class UnusedTemplatePagesTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Theory]
    [InlineData("/Account/ExternalLogin")]
    [InlineData("/Account/Manage/ExternalLogins")]
    public async Task TheExternalLoginPages_AreThePortalsNotFoundPage(string path)
    {
        using var browser = portal.CreateBrowser();
        await browser.SignInWithPasswordAsync(PortalFactory.DemoEmail, PortalFactory.DemoPassword);

        var response = await browser.Http.GetAsync(path);
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("<title>Page not found</title>", html);
    }

    [Theory]
    [InlineData("/Account/PerformExternalLogin")]
    [InlineData("/Account/Manage/LinkExternalLogin")]
    public async Task TheExternalLoginEndpoints_AnswerAsAnUnknownAddressDoes(string path)
    {
        using var browser = portal.CreateBrowser();
        await browser.SignInWithPasswordAsync(PortalFactory.DemoEmail, PortalFactory.DemoPassword);
        var page = await browser.GetPageAsync("/Account/Manage");

        var response = await PostAsync(browser, page, path);
        var unknown = await PostAsync(browser, page, "/no-such-address");

        // (Before, these challenged a provider that does not exist: a 500.)
        Assert.Equal(unknown.StatusCode, response.StatusCode);
        Assert.True((int)response.StatusCode is >= 400 and < 500, $"{path} answered {(int)response.StatusCode}");
    }

    private static Task<HttpResponseMessage> PostAsync(PortalFactory.BrowserClient browser, string page, string path) =>
        browser.Http.PostAsync(path, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["provider"] = "Google",
            ["returnUrl"] = "/",
            ["__RequestVerificationToken"] = PortalFactory.BrowserClient.AntiforgeryToken(page),
        }));

    [Theory]
    [InlineData("/login")]
    [InlineData("/Account/Manage")]
    [InlineData("/Account/Manage/Email")]
    [InlineData("/Account/Manage/ChangePassword")]
    [InlineData("/Account/Manage/TwoFactorAuthentication")]
    [InlineData("/Account/Manage/PersonalData")]
    public async Task NoPage_LinksToExternalLogins(string path)
    {
        using var browser = portal.CreateBrowser();
        await browser.SignInWithPasswordAsync(PortalFactory.DemoEmail, PortalFactory.DemoPassword);

        var html = await browser.GetPageAsync(path);

        Assert.DoesNotContain("ExternalLogin", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("External logins", html, StringComparison.OrdinalIgnoreCase);
    }
}
