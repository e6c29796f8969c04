using System.Net;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.Accounts;

/// <summary>A mailed link whose code got mangled (not Base64Url) gets a page that says the link is wrong, never a 500.</summary>
public sealed class MangledLinkTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task AResetPasswordLink_WithAMangledCode_LeadsToTheInvalidLinkPage()
    {
        using var browser = portal.CreateBrowser();

        var response = await browser.Http.GetAsync("/Account/ResetPassword?code=x");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("Account/InvalidPasswordReset", response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task AConfirmEmailLink_WithAMangledCode_SaysItCouldNotConfirm()
    {
        var userId = await portal.CreateUserAsync("mangled-confirm@test.local");
        using var browser = portal.CreateBrowser();

        var page = await browser.GetPageAsync($"/Account/ConfirmEmail?userId={userId}&code=x");

        Assert.Contains("Error confirming your email", page);
    }
}
