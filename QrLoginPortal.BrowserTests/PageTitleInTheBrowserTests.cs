using Microsoft.Playwright;
using QrLoginPortal.BrowserTests.Infrastructure;

namespace QrLoginPortal.BrowserTests;

/// <summary>
/// A page keeps its title while its circuit starts: a screen reader announces the tab's title, and
/// axe's document-title rule failed on /admin/badges when it ran in the moment between the interactive
/// head taking over from the prerendered one and the page's own title arriving.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class PageTitleInTheBrowserTests(BrowserFixture fixture) : BrowserTestBase(fixture)
{
    /// <summary>Records every title the document has from its first parse until it is interactive.</summary>
    private const string TitleRecorder = """
        (() => {
            window.__titles = [];
            const read = () => window.__titles.push(document.querySelector('title') ? document.title : '(none)');
            // Read once every observer has seen the change, as any other script, a screen reader or the tab
            // strip would: a page may mend its head in its own observer before anything else runs.
            const record = () => queueMicrotask(read);
            new MutationObserver(record).observe(document, { subtree: true, childList: true, characterData: true });
        })();
        """;

    [Theory]
    [InlineData("/admin/badges", "Badges", "save-policy")]
    [InlineData("/admin/users", "Users", "create")]
    public async Task AnInteractivePage_NeverLosesItsTitle_WhileItsCircuitStarts(string path, string title, string button)
    {
        var page = await NewDesktopPageAsync();
        await SignInWithPasswordAsync(page, PortalServer.AdminEmail, PortalServer.AdminPassword);
        await page.AddInitScriptAsync(TitleRecorder);

        await page.GotoAsync(path);
        // The page's buttons are enabled once its circuit has rendered it: the head has been taken over by then.
        await Expect(page.Locator($"[data-testid={button}]")).ToBeEnabledAsync();

        var titles = await page.EvaluateAsync<string[]>("() => window.__titles");
        TestContext.Current.TestOutputHelper?.WriteLine(string.Join(" | ", titles.Distinct()));
        // From the moment the parser reached the title, every later state of the document has it.
        var fromTitle = titles.SkipWhile(t => !t.Contains(title, StringComparison.Ordinal)).ToArray();
        Assert.NotEmpty(fromTitle);
        Assert.All(fromTitle, t => Assert.Contains(title, t));
        // And once the page is interactive it has one title, its own (none held back for the moment above).
        Assert.Equal(1, await page.Locator("head title").CountAsync());
        Assert.Contains(title, await page.TitleAsync());
    }
}
