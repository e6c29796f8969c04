using System.Globalization;
using System.Text;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using QrLoginPortal.BrowserTests.Infrastructure;

namespace QrLoginPortal.BrowserTests;

/// <summary>
/// Every page a person reaches, at a desktop and a phone width: axe-core finds no violation (on Swagger UI's page
/// none critical or serious), and no page is wider than the screen (a page that scrolls sideways hides its buttons).
/// One browser, one signed-out and one signed-in context per width, reused across the pages.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class AccessibilityInTheBrowserTests(BrowserFixture fixture) : BrowserTestBase(fixture)
{
    private static readonly string[] Failing = ["critical", "serious"];

    /// <summary>
    /// Pages drawn by a third party's script (Swagger UI): only critical and serious findings fail there. On the
    /// portal's own pages every finding fails, moderate and minor too (an empty table header was the last).
    /// </summary>
    private static readonly string[] ThirdPartyPages = ["/api-docs"];

    /// <summary>Pages seen signed out; the approval page is added with a real code.</summary>
    private static readonly string[] SignedOutPages = ["/", "/login", "/login/badge", "/Account/ForgotPassword", "/signed-out", "/no-such-page"];

    /// <summary>Pages seen signed in (as the administrator, who is also an ordinary user).</summary>
    private static readonly string[] SignedInPages =
    [
        "/", "/scan", "/account/sessions", "/Account/Manage", "/Account/Manage/Email", "/Account/Manage/ChangePassword",
        "/Account/Manage/TwoFactorAuthentication", "/Account/Manage/Passkeys", "/Account/Manage/PersonalData",
        "/Account/Manage/Badge", "/admin", "/admin/transactions", "/admin/users", "/admin/audit", "/admin/badges",
        "/admin/api-clients", "/admin/profiles", "/admin/roles", "/admin/qr-settings", "/admin/qr-settings/history", "/api-docs",
    ];

    [Theory]
    [InlineData(1280, 800)]
    [InlineData(390, 844)]
    public async Task EveryPage_HasNoAxeViolation_AndFitsTheScreen(int width, int height)
    {
        var problems = new List<string>();
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var signedOut = await NewPageAtAsync(width, height);
        var signedIn = await NewPageAtAsync(width, height);
        await SignInWithPasswordAsync(signedIn, PortalServer.AdminEmail, PortalServer.AdminPassword);

        foreach (var path in SignedOutPages)
        {
            await CheckAsync(signedOut, path, width, problems, counts);
        }

        // The approval page needs a live code: the one a desktop's sign-in page shows.
        await signedOut.GotoAsync("/login");
        var approvalUrl = await ReadQrAsync(signedOut, $"qr-{width}");
        var approvalPath = new Uri(approvalUrl).PathAndQuery;
        await CheckAsync(signedIn, approvalPath, width, problems, counts, signedIn.GetByText("Sign in on another browser?"));
        // The same link opened on a phone that is not signed in leads to the sign-in page's phone form.
        await CheckAsync(signedOut, approvalPath, width, problems, counts, name: "/qr/… signed out");

        foreach (var path in SignedInPages)
        {
            await CheckAsync(signedIn, path, width, problems, counts);
        }

        // Tables that appear after a click: a user's sign-ins and the badge people list.
        await signedIn.GotoAsync("/admin/users");
        await signedIn.Locator("[data-testid=users] tbody tr").Filter(new() { HasText = PortalServer.AdminEmail }).First.Locator("td").First.ClickAsync();
        await CheckAsync(signedIn, null, width, problems, counts, signedIn.Locator("[data-testid=user-sessions]"), "/admin/users (sign-ins)");
        // The badge people list is there once the page has loaded (its search filters as one types, no button).
        await signedIn.GotoAsync("/admin/badges");
        await CheckAsync(signedIn, null, width, problems, counts, signedIn.Locator("[data-testid=badge-users]"), "/admin/badges (people)");

        var summary = string.Join(", ", counts.Where(c => !c.Key.StartsWith(' ')).OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key} {c.Value}"));
        var byRule = string.Join(Environment.NewLine, counts.Where(c => c.Key.StartsWith(' ')).OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key} {c.Value}"));
        TestContext.Current.TestOutputHelper?.WriteLine($"axe at {width}px: {(summary.Length == 0 ? "no violations" : summary)}");
        await File.AppendAllTextAsync(Path.Combine(BrowserFixture.OutputFolder, "axe.txt"),
            $"{DateTimeOffset.UtcNow:u} {width}px: {summary}{Environment.NewLine}{byRule}{Environment.NewLine}");
        Assert.True(problems.Count == 0,
            $"{problems.Count} problem(s) at {width}px:{Environment.NewLine}{string.Join(Environment.NewLine, problems)}");
    }

    private async Task<IPage> NewPageAtAsync(int width, int height)
    {
        var page = await NewDesktopPageAsync();
        await page.SetViewportSizeAsync(width, height);
        return page;
    }

    private async Task CheckAsync(IPage page, string? path, int width, List<string> problems, Dictionary<string, int> counts,
        ILocator? ready = null, string? name = null)
    {
        name ??= path!;
        if (path is not null)
        {
            await page.GotoAsync(path, new() { WaitUntil = WaitUntilState.NetworkIdle });
        }

        if (ready is not null)
        {
            await ready.First.WaitForAsync();
        }

        await ShotAsync(page, $"{width}-{string.Concat(name.Select(c => char.IsLetterOrDigit(c) ? c : '-'))}");
        var result = await page.RunAxe();
        foreach (var violation in result.Violations)
        {
            var impact = violation.Impact ?? "unknown";
            counts[impact] = counts.GetValueOrDefault(impact) + violation.Nodes.Length;
            var rule = $"  {impact} {violation.Id}";
            counts[rule] = counts.GetValueOrDefault(rule) + violation.Nodes.Length;
            // Where each finding is, so the ones below the failing level can be found and fixed too.
            var where = $"    {impact} {violation.Id} on {name}";
            counts[where] = counts.GetValueOrDefault(where) + violation.Nodes.Length;
            if (Failing.Contains(impact) || !ThirdPartyPages.Contains(name))
            {
                foreach (var node in violation.Nodes)
                {
                    problems.Add($"  {impact} {violation.Id} on {name} at {width}px: {node.Target} ({Shorten(node.Html)})");
                }
            }
        }

        var widths = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, window.innerWidth]");
        if (widths[0] > widths[1])
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture,
                $"  wider than the screen: {name} at {width}px is {widths[0]}px wide"));
        }

        // A container that hides or scrolls its overflow keeps the page narrow but cuts its content
        // off: text or buttons past the right edge count too, unless they sit in a region a person is
        // told scrolls (focusable and named, as axe's scrollable-region-focusable asks).
        foreach (var cut in await page.EvaluateAsync<string[]>(OffScreenScript))
        {
            problems.Add($"  cut off at the right edge: {name} at {width}px: {cut}");
        }
    }

    private const string OffScreenScript = """
        () => {
            const edge = window.innerWidth + 1;
            const inScroller = el => {
                for (let p = el.parentElement; p; p = p.parentElement) {
                    const overflow = getComputedStyle(p).overflowX;
                    if ((overflow === 'auto' || overflow === 'scroll') && p.scrollWidth > p.clientWidth
                        && p.tabIndex >= 0 && p.hasAttribute('aria-label')) return true;
                }
                return false;
            };
            return [...document.querySelectorAll('body *')]
                .filter(e => e.children.length === 0 && (e.textContent || '').trim().length > 0)
                .filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 && r.right > edge && r.left < 100000; })
                .filter(e => getComputedStyle(e).visibility !== 'hidden' && !inScroller(e))
                .slice(0, 5)
                .map(e => `${e.tagName.toLowerCase()} "${e.textContent.trim().slice(0, 40)}" ends at ${Math.round(e.getBoundingClientRect().right)}px`);
        }
        """;

    private static string Shorten(string? html)
    {
        var text = new StringBuilder((html ?? "").ReplaceLineEndings(" "));
        return text.Length > 120 ? text.ToString(0, 120) + "…" : text.ToString();
    }
}
