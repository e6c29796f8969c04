using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using QrLoginPortal.Audit;
using QrLoginPortal.BrowserTests.Infrastructure;
using QrLoginPortal.Data;
using QrLoginPortal.QrLogin;

namespace QrLoginPortal.BrowserTests;

/// <summary>
/// "Approval needs the approver's passkey" (issue 17) in a real Chromium at 390×844, its platform authenticator played
/// by the DevTools virtual authenticator (WebAuthn.addVirtualAuthenticator: ctap2, internal, resident keys, user
/// verification). The phone works on http://localhost (a WebAuthn relying party id must be a domain, not 127.0.0.1).
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class PasskeyApprovalInTheBrowserTests(BrowserFixture fixture) : BrowserTestBase(fixture)
{
    [Fact]
    public async Task APhoneWithoutAPasskey_AddsOne_ComesBack_AndApprovesWithIt()
    {
        await WithPolicyEveryoneAsync(async () =>
        {
            var (desktop, approvalUrl) = await DesktopShowingItsCodeAsync();
            var (phone, _, _) = await PhoneWithAuthenticatorAsync();

            await phone.GotoAsync(approvalUrl);
            await Expect(phone.Locator("[data-approver-passkey-missing]")).ToBeVisibleAsync();
            await Expect(phone.GetByRole(AriaRole.Button, new() { Name = "Approve" })).ToBeDisabledAsync();
            await ShotAsync(phone, "approval-needs-a-passkey");
            await RegisterPasskeyFromTheApprovalAsync(phone);

            await Expect(phone).ToHaveURLAsync(approvalUrl);
            await Expect(phone.Locator("[data-approver-passkey-hint]")).ToBeVisibleAsync();
            await ScriptReadyAsync(phone, "approver-passkey");
            await ApproveAndWaitForSignInAsync(phone, desktop, "/");
            await Expect(phone.GetByRole(AriaRole.Heading, new() { Name = "Approved" })).ToBeVisibleAsync();
        });
    }

    [Fact]
    public async Task WhenThePasskeyIsNotUserVerified_NothingIsApproved_AndTheRefusalIsAudited()
    {
        await WithPolicyEveryoneAsync(async () =>
        {
            var (desktop, approvalUrl) = await DesktopShowingItsCodeAsync();
            var (phone, userId, authenticator) = await PhoneWithAuthenticatorAsync();
            await phone.GotoAsync(approvalUrl);
            await RegisterPasskeyFromTheApprovalAsync(phone);
            await Expect(phone.Locator("[data-approver-passkey-hint]")).ToBeVisibleAsync();

            // The person cannot be verified (no fingerprint, no screen lock): the authenticator gives no assertion.
            await authenticator.Cdp.SendAsync("WebAuthn.setUserVerified", new()
            {
                ["authenticatorId"] = authenticator.Id,
                ["isUserVerified"] = false,
            });
            await ScriptReadyAsync(phone, "approver-passkey");
            await phone.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();

            await Expect(phone.GetByRole(AriaRole.Heading, new() { Name = "Not approved" })).ToBeVisibleAsync();
            await ShotAsync(phone, "approval-refused");
            await using (var db = await Fixture.Server.Services.GetRequiredService<IDbContextFactory<ApplicationDbContext>>().CreateDbContextAsync())
            {
                Assert.True(await db.AuditEvents.AnyAsync(e => e.Type == AuditTypes.QrApprove && e.Outcome == AuditOutcomes.Refused
                    && e.UserId == userId && e.Details!.StartsWith("approver passkey")));
                Assert.False(await db.AuditEvents.AnyAsync(e => e.Type == AuditTypes.QrApprove && e.Outcome == AuditOutcomes.Success
                    && e.UserId == userId));
            }

            // The desktop still waits: it was told of the scan, never of an approval.
            await Expect(desktop.Locator(".qr-panel")).ToHaveAttributeAsync("data-state", "scanned");
        });
    }

    [Fact]
    public async Task TapsMadeBeforeThePasskeyScriptsHaveRun_AreHeld_AndGoThroughOnceTheyHave()
    {
        await WithPolicyEveryoneAsync(async () =>
        {
            var (desktop, approvalUrl) = await DesktopShowingItsCodeAsync();
            var (phone, _, _) = await PhoneWithAuthenticatorAsync();
            // A slow phone: the passkey scripts arrive only after the person has tapped (routing also turns off the cache).
            var scripts = new ScriptGate();
            await phone.RouteAsync(new Regex(@"/(PasskeySubmit|ApproverPasskeyStep)\.([^/.]+\.)?razor\.js(\?|$)"), scripts.HoldAsync);
            scripts.Close();
            await phone.GotoAsync(approvalUrl, new() { WaitUntil = WaitUntilState.DOMContentLoaded });
            await phone.GetByRole(AriaRole.Link, new() { Name = "Add a passkey" }).ClickAsync();
            await phone.GetByRole(AriaRole.Button, new() { Name = "Add a new passkey" }).ClickAsync();
            Assert.Equal(0, await phone.EvaluateAsync<int>("() => customElements.get('passkey-submit') === undefined ? 0 : 1"));
            scripts.Open();
            await ExpectAddressContainingAsync(phone, "/RenamePasskey/");
            await phone.Locator("#Input\\.Name").FillAsync("This phone");
            await phone.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
            await Expect(phone).ToHaveURLAsync(approvalUrl);

            // The approval page opened afresh on the slow phone: Approve is tapped before its passkey script has run.
            scripts.Close();
            await phone.GotoAsync(approvalUrl, new() { WaitUntil = WaitUntilState.DOMContentLoaded });
            await Expect(phone.Locator("[data-approver-passkey-hint]")).ToBeVisibleAsync();
            await phone.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();
            Assert.Equal(0, await phone.EvaluateAsync<int>("() => customElements.get('approver-passkey') === undefined ? 0 : 1"));
            scripts.Open();

            await ExpectAddressAsync(desktop, BaseUrl + "/");
            await Expect(desktop.Locator(".top-nav")).ToContainTextAsync("Sign out");
            await Expect(phone.GetByRole(AriaRole.Heading, new() { Name = "Approved" })).ToBeVisibleAsync();
        });
    }

    /// <summary>Lets the scripts routed to it through while open; closed, it holds them until it is opened again.</summary>
    private sealed class ScriptGate
    {
        private volatile TaskCompletionSource _open = Opened();

        public void Open() => _open.TrySetResult();

        public void Close() => _open = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task HoldAsync(IRoute route)
        {
            await _open.Task;
            try
            {
                await route.ContinueAsync();
            }
            catch (PlaywrightException)
            {
                // The page that asked for the script is gone: nothing waits for it any more.
            }
        }

        private static TaskCompletionSource Opened()
        {
            var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            open.SetResult();
            return open;
        }
    }

    /// <summary>A desktop on the sign-in page, and the approval address its QR code shows, on localhost for the phone.</summary>
    private async Task<(IPage Desktop, string ApprovalUrl)> DesktopShowingItsCodeAsync()
    {
        var desktop = await NewDesktopPageAsync();
        await desktop.GotoAsync("/login");
        return (desktop, OnLocalhost(await ReadQrAsync(desktop)));
    }

    /// <summary>From the approval page's "Add a passkey": the account's passkey page, the authenticator makes one, it is named, and the page returns.</summary>
    private async Task RegisterPasskeyFromTheApprovalAsync(IPage phone)
    {
        await phone.GetByRole(AriaRole.Link, new() { Name = "Add a passkey" }).ClickAsync();
        var console = new List<string>();
        phone.Console += (_, m) => console.Add(m.Text);
        await ScriptReadyAsync(phone, "passkey-submit");
        await phone.GetByRole(AriaRole.Button, new() { Name = "Add a new passkey" }).ClickAsync();
        try
        {
            await ExpectAddressContainingAsync(phone, "/RenamePasskey/");
        }
        catch (PlaywrightException)
        {
            await ShotAsync(phone, "passkey-not-added");
            throw new InvalidOperationException($"No passkey was added; at {phone.Url}: {await phone.Locator("body").InnerTextAsync()} console: {string.Join(" | ", console)}");
        }

        await phone.Locator("#Input\\.Name").FillAsync("This phone");
        await ShotAsync(phone, "name-the-passkey");
        await phone.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
    }

    /// <summary>
    /// Waits for the page's deferred script to define <paramref name="element"/>, which takes the button over. A tap before
    /// that posts the form without a passkey (CI, loaded: "The browser did not provide a passkey"); a person taps again.
    /// </summary>
    private static Task ScriptReadyAsync(IPage page, string element) =>
        page.WaitForFunctionAsync("name => customElements.get(name) !== undefined", element);

    private sealed record VirtualAuthenticator(ICDPSession Cdp, string Id);

    /// <summary>A new user signed in on a 390×844 phone at http://localhost, with a platform authenticator that verifies them.</summary>
    private async Task<(IPage Phone, string UserId, VirtualAuthenticator Authenticator)> PhoneWithAuthenticatorAsync()
    {
        var email = $"passkey-{Guid.NewGuid():N}@browser.test";
        string userId;
        using (var scope = Fixture.Server.Services.CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            var user = new ApplicationUser { UserName = email, Email = email, EmailConfirmed = true };
            Assert.True((await users.CreateAsync(user, PortalServer.DemoPassword)).Succeeded);
            userId = user.Id;
        }

        // A copy of the shared descriptor (ServiceWorkers = Block set on it once followed every later phone: CI's service worker
        // test found no registration). The scanner's service worker would fetch the scripts past the routes a test sets.
        var device = new BrowserNewContextOptions(Fixture.Playwright.Devices["Pixel 7"])
        {
            BaseURL = OnLocalhost(BaseUrl),
            ViewportSize = new ViewportSize { Width = 390, Height = 844 },
            ServiceWorkers = ServiceWorkerPolicy.Block,
        };
        var context = await Fixture.Browser.NewContextAsync(device);
        _contexts.Add(context);
        var phone = await context.NewPageAsync();
        await SignInWithPasswordAsync(phone, email, PortalServer.DemoPassword);

        var cdp = await context.NewCDPSessionAsync(phone);
        await cdp.SendAsync("WebAuthn.enable");
        var added = await cdp.SendAsync("WebAuthn.addVirtualAuthenticator", new()
        {
            ["options"] = new Dictionary<string, object>
            {
                ["protocol"] = "ctap2",
                ["transport"] = "internal",
                ["hasResidentKey"] = true,
                ["hasUserVerification"] = true,
                ["isUserVerified"] = true,
                ["automaticPresenceSimulation"] = true,
            },
        });
        return (phone, userId, new VirtualAuthenticator(cdp, added!.Value.GetProperty("authenticatorId").GetString()!));
    }

    private readonly List<IBrowserContext> _contexts = [];

    private static string OnLocalhost(string url) => url.Replace("://127.0.0.1:", "://localhost:", StringComparison.Ordinal);

    /// <summary>Runs <paramref name="test"/> with the policy on for everyone; the other browser tests of the collection run with it off.</summary>
    private async Task WithPolicyEveryoneAsync(Func<Task> test)
    {
        var store = Fixture.Server.Services.GetRequiredService<QrSettingsStore>();
        var settings = await store.GetAsync();
        settings.ApproverPasskey = ApproverPasskeyPolicy.Everyone;
        Assert.Empty(await store.UpdateAsync(settings, null, "browser tests", null));
        try
        {
            await test();
        }
        finally
        {
            var restored = await store.GetAsync();
            restored.ApproverPasskey = ApproverPasskeyPolicy.Off;
            await store.UpdateAsync(restored, null, "browser tests", null);
            foreach (var context in _contexts)
            {
                await context.DisposeAsync();
            }
        }
    }
}
