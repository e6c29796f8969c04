using Microsoft.Playwright;
using QrLoginPortal.BrowserTests.Infrastructure;

namespace QrLoginPortal.BrowserTests;

/// <summary>
/// The signed-in page paints with its small inlined stylesheet (Components/Layout/FirstPaint.css) and applies
/// MudBlazor's whole one after the paint (issue 16). Nothing may look different meanwhile, and the whole sheet, once
/// applied, stays applied when an enhanced navigation brings the page in.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class FirstPaintStylesInTheBrowserTests(BrowserFixture fixture) : BrowserTestBase(fixture)
{
    private const string MudBlazorApplied = """
        () => [...document.querySelectorAll('link[rel=stylesheet]')].some((link) =>
          link.href.includes('MudBlazor') && link.sheet !== null && link.sheet.cssRules.length > 1000)
        """;

    [Theory]
    [InlineData("desktop")]
    [InlineData("phone")]
    public async Task TheSignedInPage_LooksTheSame_WithTheFirstPaintStylesAlone(string device)
    {
        // The prerendered page only, both times: no script but the one that applies the whole sheet.
        var alone = await SignedInPageWithoutScriptsAsync(device);
        await alone.RouteAsync("**/MudBlazor*.css", route => route.AbortAsync());
        await alone.GotoAsync("/", new() { WaitUntil = WaitUntilState.Load });
        await Expect(alone.GetByRole(AriaRole.Heading, new() { Name = "Welcome" })).ToBeVisibleAsync();
        var firstPaintShot = Path.Combine(ShotFolder, $"{device}-first-paint-styles-alone.png");
        var firstPaint = await alone.ScreenshotAsync(new() { Path = firstPaintShot, FullPage = true });

        var whole = await SignedInPageWithoutScriptsAsync(device);
        await whole.GotoAsync("/", new() { WaitUntil = WaitUntilState.Load });
        await whole.WaitForFunctionAsync(MudBlazorApplied);
        var wholeShot = Path.Combine(ShotFolder, $"{device}-with-mudblazor-css.png");
        var withMudBlazor = await whole.ScreenshotAsync(new() { Path = wholeShot, FullPage = true });

        Assert.True(firstPaint.AsSpan().SequenceEqual(withMudBlazor),
            $"The signed-in page looks different before MudBlazor's stylesheet is applied: compare {firstPaintShot} with {wholeShot}" +
            " (regenerate Components/Layout/FirstPaint.css with tools/make-first-paint-css.py)");
    }

    [Fact]
    public async Task AnEnhancedNavigationToTheSignedInPage_KeepsMudBlazorsStylesheetApplied()
    {
        var desktop = await NewDesktopPageAsync();
        await SignInWithPasswordAsync(desktop, PortalServer.DemoEmail, PortalServer.DemoPassword);
        // A static page: its links are followed by Blazor's enhanced navigation, which merges the next page into this document.
        await desktop.GotoAsync("/Account/Manage");
        await desktop.WaitForFunctionAsync("() => window.Blazor !== undefined");
        await desktop.WaitForFunctionAsync(MudBlazorApplied);
        await desktop.EvaluateAsync("() => { window.__sameDocument = true; }");

        await desktop.Locator("a.brand").ClickAsync();

        await Expect(desktop.GetByRole(AriaRole.Heading, new() { Name = "Welcome" })).ToBeVisibleAsync();
        Assert.True(await desktop.EvaluateAsync<bool>("() => window.__sameDocument === true"), "the navigation was a full page load, not an enhanced one");
        await AssertMudBlazorAppliedAsync(desktop, "after the enhanced navigation");
        // And on the interactive pages reached from there.
        await desktop.GetByRole(AriaRole.Link, new() { Name = "Signed-in browsers" }).ClickAsync();
        await Expect(desktop).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/sessions$"));
        await AssertMudBlazorAppliedAsync(desktop, "on the next page");
    }

    // The sheet may still be loading from the cache (the navigation may insert a new link); it must come to apply.
    private static async Task AssertMudBlazorAppliedAsync(IPage page, string when)
    {
        try
        {
            await page.WaitForFunctionAsync(MudBlazorApplied, null, new() { Timeout = 15_000 });
        }
        catch (TimeoutException)
        {
            Assert.Fail($"MudBlazor's stylesheet is not applied {when}: " + await page.EvaluateAsync<string>(
                "() => [...document.querySelectorAll('link[rel=stylesheet]')].map((l) => l.outerHTML + ' ' + (l.sheet ? l.sheet.cssRules.length : 'no sheet')).join(' | ')"));
        }
    }

    private async Task<IPage> SignedInPageWithoutScriptsAsync(string device)
    {
        var page = device == "phone" ? await NewPhonePageAsync() : await NewDesktopPageAsync();
        await SignInWithPasswordAsync(page, PortalServer.DemoEmail, PortalServer.DemoPassword);
        await page.RouteAsync(url => url.EndsWith(".js", StringComparison.Ordinal) && !url.Contains("after-paint", StringComparison.Ordinal),
            route => route.AbortAsync());
        return page;
    }
}
