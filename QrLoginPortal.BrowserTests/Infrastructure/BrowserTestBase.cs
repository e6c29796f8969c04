using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace QrLoginPortal.BrowserTests.Infrastructure;

/// <summary>Steps a person takes, each with a screenshot in the test output so a failing run shows what they saw.</summary>
public abstract partial class BrowserTestBase(BrowserFixture fixture) : IAsyncLifetime
{
    private readonly List<IBrowserContext> _contexts = [];
    private int _shot;

    protected BrowserFixture Fixture => fixture;
    protected string BaseUrl => fixture.BaseUrl;

    protected string ShotFolder { get; } = Path.Combine(BrowserFixture.OutputFolder, "screenshots",
        string.Concat((TestContext.Current.Test?.TestDisplayName ?? "test").Select(c => char.IsLetterOrDigit(c) ? c : '_')));

    public ValueTask InitializeAsync()
    {
        fixture.SkipIfUnavailable();
        Directory.CreateDirectory(ShotFolder);
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var context in _contexts)
        {
            await context.DisposeAsync();
        }
    }

    protected async Task<IPage> NewDesktopPageAsync(IBrowser? browser = null)
    {
        var context = await (browser ?? fixture.Browser).NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
            BaseURL = BaseUrl,
        });
        return await TrackAsync(context);
    }

    protected async Task<IPage> NewPhonePageAsync(IBrowser? browser = null)
    {
        // A copy: Playwright hands out one shared descriptor, and a setting made on it would follow every later phone.
        var device = new BrowserNewContextOptions(fixture.Playwright.Devices["Pixel 7"]) { BaseURL = BaseUrl, Permissions = ["camera"] };
        var context = await (browser ?? fixture.Browser).NewContextAsync(device);
        return await TrackAsync(context);
    }

    /// <summary>A phone signed in with the password form, as a person does once on their phone.</summary>
    protected async Task<IPage> SignedInPhoneAsync(string email = PortalServer.DemoEmail, string password = PortalServer.DemoPassword,
        IBrowser? browser = null)
    {
        var phone = await NewPhonePageAsync(browser);
        await SignInWithPasswordAsync(phone, email, password);
        return phone;
    }

    /// <summary>
    /// Signs the page's browser context in by posting the password form over the context's own
    /// request API (its cookies land in the context). The scenarios here are about QR sign-in; the
    /// password form itself is covered by the integration tests.
    /// </summary>
    protected async Task SignInWithPasswordAsync(IPage page, string email, string password)
    {
        var request = page.Context.APIRequest;
        var loginPage = await request.GetAsync("/login");
        var token = AntiforgeryToken().Match(await loginPage.TextAsync());
        Assert.True(token.Success, "The sign-in page has no antiforgery token");
        var form = request.CreateFormData();
        form.Set("_handler", "login");
        form.Set("__RequestVerificationToken", WebUtility.HtmlDecode(token.Groups[1].Value));
        form.Set("Input.Email", email);
        form.Set("Input.Password", password);

        var response = await request.PostAsync("/login", new APIRequestContextOptions { Form = form, MaxRedirects = 0 });

        Assert.Equal(302, response.Status);
        Assert.Contains(await page.Context.CookiesAsync(), c => c.Name == ".AspNetCore.Identity.Application");
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();

    /// <summary>Reads the QR code the way a camera would: from the rendered image, with a real decoder.</summary>
    protected async Task<string> ReadQrAsync(IPage desktop, string name = "qr")
    {
        var image = desktop.Locator("img.qr-image");
        await image.WaitForAsync();
        var png = Path.Combine(ShotFolder, $"{name}.png");
        await image.ScreenshotAsync(new() { Path = png });
        var text = await ExternalTools.DecodeQrAsync(png);
        Assert.False(string.IsNullOrEmpty(text), $"zbarimg found no QR code in {png}");
        return text;
    }

    /// <summary>Approves on the phone and times how long the desktop takes to show a signed-in page.</summary>
    protected async Task ApproveAndWaitForSignInAsync(IPage phone, IPage desktop, string expectedPath)
    {
        await Expect(phone.GetByText("Sign in on another browser?")).ToBeVisibleAsync();
        await ShotAsync(phone, "phone-approval");
        // Watched before the click: a wait started after it can miss a navigation that commits while the wait starts.
        // Generous on a loaded CI machine; the time it really took is what timings.txt records.
        var navigated = desktop.WaitForURLAsync(BaseUrl + expectedPath, new() { WaitUntil = WaitUntilState.Commit, Timeout = 30_000 });
        var clock = Stopwatch.StartNew();
        await phone.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();
        try
        {
            await navigated;
            await Expect(desktop.Locator(".top-nav")).ToContainTextAsync("Sign out", new() { Timeout = 30_000 });
        }
        catch (Exception ex) when (ex is TimeoutException or PlaywrightException)
        {
            // Show what the person would have seen, and where the page was, before failing.
            await ShotAsync(desktop, "desktop-not-signed-in");
            await ShotAsync(phone, "phone-after-approve");
            throw new InvalidOperationException(
                $"The desktop was not signed in {clock.Elapsed.TotalSeconds:0.0} s after Approve; it is at {desktop.Url} showing: " +
                $"{(await desktop.Locator("body").InnerTextAsync()).ReplaceLineEndings(" ")[..Math.Min(400, (await desktop.Locator("body").InnerTextAsync()).Length)]}", ex);
        }

        clock.Stop();
        fixture.RecordApprovalToSignedIn(clock.Elapsed);
        TestContext.Current.TestOutputHelper?.WriteLine($"approve click -> signed-in page: {clock.Elapsed.TotalMilliseconds:0} ms");
        await ShotAsync(desktop, "desktop-signed-in");
    }

    /// <summary>
    /// Another tab of <paramref name="page"/>'s browser, on /account/sessions with its circuit watching the session, and
    /// marked so that loading again shows (<see cref="ExpectSessionsTabLoadedAgainUnderAQrSignInAsync"/>).
    /// </summary>
    protected static async Task<IPage> OpenWatchingSessionsTabAsync(IPage page)
    {
        var tab = await page.Context.NewPageAsync();
        await tab.GotoAsync("/account/sessions");
        await tab.Locator("[data-testid=session-watch]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await tab.EvaluateAsync("() => window.loadedBeforeTheNewSignIn = true");
        return tab;
    }

    /// <summary>The tab of <see cref="OpenWatchingSessionsTabAsync"/> loaded again where it was, signed in, under a QR sign-in.</summary>
    protected async Task ExpectSessionsTabLoadedAgainUnderAQrSignInAsync(IPage tab)
    {
        await tab.WaitForFunctionAsync("() => window.loadedBeforeTheNewSignIn === undefined");
        await ExpectAddressAsync(tab, BaseUrl + "/account/sessions");
        await Expect(tab.Locator("tbody tr").Filter(new() { HasText = "This browser" })).ToContainTextAsync("QR code");
    }

    protected async Task ShotAsync(IPage page, string step)
    {
        _shot++;
        await page.ScreenshotAsync(new() { Path = Path.Combine(ShotFolder, $"{_shot:00}-{step}.png"), FullPage = true });
    }

    /// <summary>
    /// Waits until the page is at <paramref name="address"/>, asking the browser again until it is. WaitForURLAsync decides
    /// from the page's last known address and then watches for the next navigation, so a navigation that commits in
    /// between is missed (CI saw the desktop on "/" while the wait for "/" timed out).
    /// </summary>
    protected static Task ExpectAddressAsync(IPage page, string address) =>
        Expect(page).ToHaveURLAsync(address, new() { Timeout = 30_000 });

    /// <inheritdoc cref="ExpectAddressAsync(IPage, string)"/>
    protected static Task ExpectAddressAsync(IPage page, Regex address) =>
        Expect(page).ToHaveURLAsync(address, new() { Timeout = 30_000 });

    /// <summary>Waits until the page's address starts with <paramref name="prefix"/>, as <see cref="ExpectAddressAsync(IPage, string)"/>.</summary>
    protected static Task ExpectAddressStartingWithAsync(IPage page, string prefix) =>
        ExpectAddressAsync(page, new Regex("^" + Regex.Escape(prefix)));

    /// <summary>Waits until the page's address contains <paramref name="part"/>, as <see cref="ExpectAddressAsync(IPage, string)"/>.</summary>
    protected static Task ExpectAddressContainingAsync(IPage page, string part) =>
        ExpectAddressAsync(page, new Regex(Regex.Escape(part)));

    protected static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);

    protected static IPageAssertions Expect(IPage page) => Assertions.Expect(page);

    private async Task<IPage> TrackAsync(IBrowserContext context)
    {
        _contexts.Add(context);
        // Generous: on a loaded 2-core machine a first request can take seconds; no test asserts speed.
        context.SetDefaultTimeout(30_000);
        return await context.NewPageAsync();
    }
}
