using System.Text.RegularExpressions;
using QrLoginPortal.Components.Layout;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.Components;

/// <summary>
/// The signed-in page (where a QR sign-in lands) carries the few MudBlazor rules it needs inline and loads MudBlazor's
/// whole stylesheet without blocking its paint (issue 16); every other page keeps the whole sheet render-blocking.
/// How it looks is compared in the browser (FirstPaintStylesInTheBrowserTests).
/// </summary>
public sealed partial class FirstPaintStylesTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task TheSignedInPage_InlinesItsFirstPaintStyles_AndDefersMudBlazorsStylesheet()
    {
        using var browser = portal.CreateBrowser();
        await browser.SignInWithPasswordAsync(PortalFactory.DemoEmail, PortalFactory.DemoPassword);

        var html = await browser.GetPageAsync("/");

        Assert.Contains("Welcome,", html);
        Assert.Contains("<style>" + FirstPaintStylesAttribute.Css + "</style>", html);
        Assert.Contains(".mud-appbar", FirstPaintStylesAttribute.Css);
        var mud = Assert.Single(MudBlazorLinks().Matches(html)).Value;
        Assert.StartsWith("<link rel=\"preload\" as=\"style\"", mud);
        Assert.Contains("data-after-paint-rel=\"stylesheet\"", mud);
    }

    [Theory]
    [InlineData("/login", false)]
    [InlineData("/account/sessions", true)]
    [InlineData("/Account/Manage", true)]
    public async Task OtherPages_KeepMudBlazorsStylesheetRenderBlocking(string path, bool signedIn)
    {
        using var browser = portal.CreateBrowser();
        if (signedIn)
        {
            await browser.SignInWithPasswordAsync(PortalFactory.DemoEmail, PortalFactory.DemoPassword);
        }

        var html = await browser.GetPageAsync(path);

        Assert.DoesNotContain(FirstPaintStylesAttribute.Css, html);
        var mud = Assert.Single(MudBlazorLinks().Matches(html)).Value;
        Assert.StartsWith("<link rel=\"stylesheet\"", mud);
        Assert.DoesNotContain("media=", mud);
    }

    [GeneratedRegex("<link rel=\"[^\"]+\"( as=\"style\")? href=\"_content/MudBlazor/MudBlazor[^\"]*\\.css\"[^>]*>")]
    private static partial Regex MudBlazorLinks();
}
