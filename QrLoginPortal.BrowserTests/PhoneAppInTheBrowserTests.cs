using System.Text.Json;
using Microsoft.Playwright;
using QrLoginPortal.BrowserTests.Infrastructure;

namespace QrLoginPortal.BrowserTests;

/// <summary>The phone side as an installable app: Chromium's own installability check, the scanner shell kept offline-ready, and the install hint.</summary>
[Collection(BrowserCollection.Name)]
public sealed class PhoneAppInTheBrowserTests(BrowserFixture fixture) : BrowserTestBase(fixture)
{
    private async Task<IPage> PhoneAtIssueSizeAsync(bool signedIn = true)
    {
        var phone = signedIn ? await SignedInPhoneAsync() : await NewPhonePageAsync();
        await phone.SetViewportSizeAsync(390, 844);
        return phone;
    }

    [Fact]
    public async Task Portal_PassesChromiumsInstallabilityCheck_AndStartsAtTheScanner()
    {
        // Chromium installs nothing from an incognito window, which every test context is: a phone's own
        // browser profile is a persistent one.
        var profile = Directory.CreateTempSubdirectory("qrlogin-phone-profile-");
        try
        {
            await using var context = await Fixture.Playwright.Chromium.LaunchPersistentContextAsync(profile.FullName, new()
            {
                ExecutablePath = ExternalTools.ChromiumPath,
                Headless = true,
                Args = ExternalTools.ChromiumArgs,
                BaseURL = BaseUrl,
                ViewportSize = new ViewportSize { Width = 390, Height = 844 },
                IsMobile = true,
                HasTouch = true,
            });
            var phone = context.Pages.Count > 0 ? context.Pages[0] : await context.NewPageAsync();
            await SignInWithPasswordAsync(phone, PortalServer.DemoEmail, PortalServer.DemoPassword);
            await phone.GotoAsync("/");
            await ServiceWorkerReadyAsync(phone);

            var cdp = await context.NewCDPSessionAsync(phone);
            var result = await cdp.SendAsync("Page.getInstallabilityErrors");
            var errors = result!.Value.GetProperty("installabilityErrors");
            Assert.True(errors.GetArrayLength() == 0, $"installability errors: {errors}");

            var manifest = await cdp.SendAsync("Page.getAppManifest");
            Assert.Equal(BaseUrl + "/manifest.webmanifest", manifest!.Value.GetProperty("url").GetString());
            using var parsed = JsonDocument.Parse(manifest.Value.GetProperty("data").GetString()!);
            Assert.Equal("scan", parsed.RootElement.GetProperty("start_url").GetString());
            Assert.Equal("standalone", parsed.RootElement.GetProperty("display").GetString());
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task SignedOutApp_AsksToSignIn_ThenOpensTheScanner()
    {
        var phone = await PhoneAtIssueSizeAsync(signedIn: false);

        await phone.GotoAsync("/scan");

        await Expect(phone.Locator("#Input\\.Email")).ToBeVisibleAsync();
        await phone.Locator("#Input\\.Email").FillAsync(PortalServer.DemoEmail);
        await phone.Locator("#Input\\.Password").FillAsync(PortalServer.DemoPassword);
        await phone.GetByRole(AriaRole.Button, new() { Name = "Log in", Exact = true }).ClickAsync();
        await ExpectAddressAsync(phone, BaseUrl + "/scan");
        await Expect(phone.GetByRole(AriaRole.Heading, new() { Name = "Scan a sign-in code" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task ServiceWorker_KeepsTheScannerShell_AndNothingWithASecret()
    {
        var desktop = await NewDesktopPageAsync();
        await desktop.GotoAsync("/login");
        var approvalUrl = await ReadQrAsync(desktop);
        var phone = await PhoneAtIssueSizeAsync();
        await phone.GotoAsync("/scan");
        await ServiceWorkerReadyAsync(phone);
        // Loaded again under the worker's control, so it sees the shell and its files go by.
        await phone.ReloadAsync();
        await Expect(phone.GetByRole(AriaRole.Heading, new() { Name = "Scan a sign-in code" })).ToBeVisibleAsync();
        await phone.GotoAsync(approvalUrl);
        await Expect(phone.GetByText("Sign in on another browser?")).ToBeVisibleAsync();

        var kept = await phone.EvaluateAsync<string[]>("""
            async () => {
                const urls = [];
                for (const name of await caches.keys()) {
                    for (const request of await (await caches.open(name)).keys()) urls.push(request.url);
                }
                return urls;
            }
            """);

        Assert.Contains(BaseUrl + "/scan", kept);
        Assert.Contains(kept, url => url.StartsWith(BaseUrl + "/js/scanner", StringComparison.Ordinal));
        Assert.All(kept, url => Assert.DoesNotContain("?", url));
        var approvalPath = new Uri(approvalUrl).AbsolutePath;
        Assert.DoesNotContain(kept, url => new Uri(url).AbsolutePath is var path
            && (path == approvalPath || path.StartsWith("/api/", StringComparison.OrdinalIgnoreCase)
                || path.StartsWith("/login", StringComparison.OrdinalIgnoreCase) || path.StartsWith("/Account", StringComparison.OrdinalIgnoreCase)));

        // Offline, the installed app still opens its scanner.
        await phone.Context.SetOfflineAsync(true);
        await phone.GotoAsync("/scan");
        await Expect(phone.GetByRole(AriaRole.Heading, new() { Name = "Scan a sign-in code" })).ToBeVisibleAsync();
        await phone.Context.SetOfflineAsync(false);
    }

    /// <summary>
    /// Waits, bounded, for the scanner's service worker. A registration that failed (js/pwa.js tries again on the next page
    /// load) leaves navigator.serviceWorker.ready pending for ever, and an evaluate has no timeout: CI once hung here for
    /// 7 minutes. So: 20 s, then the page opened again as a person would, then a failure that says what the browser has.
    /// </summary>
    private static async Task ServiceWorkerReadyAsync(IPage phone)
    {
        const string Ready = """
            () => Promise.race([
                navigator.serviceWorker.ready.then(() => true),
                new Promise((resolve) => setTimeout(() => resolve(false), 20000)),
            ])
            """;
        if (await phone.EvaluateAsync<bool>(Ready))
        {
            return;
        }

        await phone.ReloadAsync();
        if (await phone.EvaluateAsync<bool>(Ready))
        {
            return;
        }

        var state = await phone.EvaluateAsync<string>("""
            async () => {
                const registration = await navigator.serviceWorker.getRegistration();
                const worker = registration?.installing ?? registration?.waiting ?? registration?.active;
                return `registration: ${registration ? registration.scope : "none"}, worker: ${worker?.state ?? "none"}, secure: ${isSecureContext}`;
            }
            """);
        Assert.Fail($"The scanner's service worker is not ready after two page loads ({state}).");
    }

    [Fact]
    public async Task HomePage_OnAPhone_OffersToInstall_WhenTheBrowserDoes()
    {
        var phone = await PhoneAtIssueSizeAsync();
        await phone.GotoAsync("/");
        var hint = phone.GetByRole(AriaRole.Button, new() { Name = "Install this app" });
        await Expect(hint).ToBeHiddenAsync();

        // The browser's offer, as Chromium fires it when the site is installable; prompt() is what a tap runs.
        await phone.EvaluateAsync("""
            () => {
                const offer = new Event('beforeinstallprompt', { cancelable: true });
                offer.prompt = () => { window.installPrompted = true; return Promise.resolve(); };
                window.dispatchEvent(offer);
            }
            """);

        await Expect(hint).ToBeVisibleAsync();
        await ShotAsync(phone, "phone-install-hint");
        await hint.ClickAsync();
        Assert.True(await phone.EvaluateAsync<bool>("() => window.installPrompted === true"));
        await Expect(hint).ToBeHiddenAsync();
    }

    [Fact]
    public async Task HomePage_OnAPhone_OffersToInstall_EvenWhenTheBrowserOffersBeforeThePagesScriptsRan()
    {
        var phone = await PhoneAtIssueSizeAsync();
        // A returning phone: Chromium may offer at once, before the scripts loaded after the first paint have run.
        await phone.Context.AddInitScriptAsync("""
            document.addEventListener('DOMContentLoaded', () => {
              const offer = new Event('beforeinstallprompt', { cancelable: true });
              offer.prompt = () => { window.installPrompted = true; return Promise.resolve(); };
              window.dispatchEvent(offer);
            });
            """);
        await phone.GotoAsync("/");

        var hint = phone.GetByRole(AriaRole.Button, new() { Name = "Install this app" });
        await Expect(hint).ToBeVisibleAsync();
        await hint.ClickAsync();
        Assert.True(await phone.EvaluateAsync<bool>("() => window.installPrompted === true"));
    }
}
