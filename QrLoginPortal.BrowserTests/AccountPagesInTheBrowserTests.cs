using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using QrLoginPortal.BrowserTests.Infrastructure;

namespace QrLoginPortal.BrowserTests;

/// <summary>
/// The Identity account pages look like the rest of the portal, without Bootstrap: labels above their
/// fields, buttons in sentence case, one h1 and no skipped heading level (axe's heading-order), and
/// nothing wider than a phone.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class AccountPagesInTheBrowserTests(BrowserFixture fixture) : BrowserTestBase(fixture)
{
    private static readonly string[] SignedOutPages =
    [
        "/Account/ForgotPassword", "/Account/Lockout", "/Account/Lockout?by=admin", "/Account/AccessDenied",
        "/Account/ResendEmailConfirmation", "/Account/ResetPassword?code=x", "/Account/InvalidUser", "/Account/ForgotPasswordConfirmation",
    ];

    private static readonly string[] SignedInPages =
    [
        "/Account/Manage", "/Account/Manage/Email", "/Account/Manage/ChangePassword", "/Account/Manage/TwoFactorAuthentication",
        "/Account/Manage/EnableAuthenticator", "/Account/Manage/Passkeys", "/Account/Manage/PersonalData",
        "/Account/Manage/DeletePersonalData", "/Account/Manage/Badge", "/Account/Manage/Applications",
    ];

    [Theory]
    [InlineData(1280, 800)]
    [InlineData(390, 844)]
    public async Task AccountPages_HaveOneH1_NoSkippedHeadingLevel_LabelsAboveFields_AndNoBootstrap(int width, int height)
    {
        var problems = new List<string>();
        var signedOut = await NewDesktopPageAsync();
        await signedOut.SetViewportSizeAsync(width, height);
        var signedIn = await NewDesktopPageAsync();
        await signedIn.SetViewportSizeAsync(width, height);
        await SignInWithPasswordAsync(signedIn, PortalServer.DemoEmail, PortalServer.DemoPassword);

        foreach (var path in SignedOutPages)
        {
            await CheckAsync(signedOut, path, width, problems);
        }

        foreach (var path in SignedInPages)
        {
            await CheckAsync(signedIn, path, width, problems);
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    private async Task CheckAsync(IPage page, string path, int width, List<string> problems)
    {
        await page.GotoAsync(path, new() { WaitUntil = WaitUntilState.NetworkIdle });
        await ShotAsync(page, $"account-{width}-{string.Concat(path.Select(c => char.IsLetterOrDigit(c) ? c : '-'))}");

        var result = await page.RunAxe(new AxeRunOptions { RunOnly = new RunOnlyOptions { Type = "rule", Values = ["heading-order", "page-has-heading-one"] } });
        problems.AddRange(result.Violations.SelectMany(v => v.Nodes.Select(n => $"{v.Id} on {path} at {width}px: {n.Target}")));

        var h1s = await page.Locator("h1").CountAsync();
        if (h1s != 1)
        {
            problems.Add($"{path} at {width}px has {h1s} h1 elements");
        }

        if (await page.Locator("link[href*='bootstrap']").CountAsync() > 0)
        {
            problems.Add($"{path} still loads Bootstrap");
        }

        foreach (var bad in await page.EvaluateAsync<string[]>(LookScript))
        {
            problems.Add($"{path} at {width}px: {bad}");
        }
    }

    // A label sits above its text field (not floating inside it); a button's words are not shouted in capitals;
    // nothing reaches past the right edge of the screen.
    private const string LookScript = """
        () => {
            const bad = [];
            for (const input of document.querySelectorAll('input.form-control')) {
                const label = input.id && document.querySelector(`label[for="${CSS.escape(input.id)}"]`);
                if (!label || input.type === 'hidden' || input.offsetParent === null) continue;
                if (label.getBoundingClientRect().bottom > input.getBoundingClientRect().top + 1)
                    bad.push(`label "${label.textContent.trim()}" is not above its field`);
            }
            for (const b of document.querySelectorAll('.btn')) {
                if (getComputedStyle(b).textTransform === 'uppercase') bad.push(`button "${b.textContent.trim()}" is in capitals`);
            }
            if (document.documentElement.scrollWidth > window.innerWidth)
                bad.push(`page is ${document.documentElement.scrollWidth}px wide`);
            return bad;
        }
        """;
}
