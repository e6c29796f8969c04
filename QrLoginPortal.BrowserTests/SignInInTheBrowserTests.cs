using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using QrLoginPortal.BrowserTests.Infrastructure;
using QrLoginPortal.QrLogin;

namespace QrLoginPortal.BrowserTests;

/// <summary>The product as a person uses it: a desktop browser showing the code, a phone approving it.</summary>
[Collection(BrowserCollection.Name)]
public sealed class SignInInTheBrowserTests(BrowserFixture fixture) : BrowserTestBase(fixture)
{
    private const string SessionCookie = ".AspNetCore.Identity.Application";

    [Fact]
    public async Task ScanAndApprove_SignsTheDesktopIn_WithoutAReload()
    {
        var desktop = await NewDesktopPageAsync();
        await desktop.GotoAsync("/login");
        var approvalUrl = await ReadQrAsync(desktop);
        await ShotAsync(desktop, "desktop-qr");
        Assert.StartsWith(BaseUrl + "/qr/", approvalUrl);
        var phone = await SignedInPhoneAsync();

        await phone.GotoAsync(approvalUrl);

        await Expect(phone.Locator(".requester")).ToContainTextAsync("Chrome");
        await Expect(phone.Locator(".requester")).ToContainTextAsync("Linux");
        await Expect(phone.Locator(".requester")).ToContainTextAsync("127.0.0.1");
        await Expect(desktop.Locator(".qr-overlay")).ToContainTextAsync("Check your phone");
        await ShotAsync(desktop, "desktop-check-your-phone");
        await ApproveAndWaitForSignInAsync(phone, desktop, "/");
        await Expect(desktop.GetByText($"Welcome, {PortalServer.DemoEmail}")).ToBeVisibleAsync();
        await Expect(phone.GetByText("Approved")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Deny_ShowsTheDenialAndANewCode_AndSetsNoSessionCookie()
    {
        var desktop = await NewDesktopPageAsync();
        await desktop.GotoAsync("/login");
        var approvalUrl = await ReadQrAsync(desktop);
        var phone = await SignedInPhoneAsync();
        await phone.GotoAsync(approvalUrl);

        await phone.GetByRole(AriaRole.Button, new() { Name = "Deny" }).ClickAsync();

        await Expect(phone.GetByText("Sign-in denied")).ToBeVisibleAsync();
        await Expect(desktop.Locator(".qr-message")).ToContainTextAsync("The sign-in was denied on the phone.");
        await Expect(desktop.GetByRole(AriaRole.Button, new() { Name = "New code" })).ToBeVisibleAsync();
        await ShotAsync(desktop, "desktop-denied");
        var panel = await desktop.Locator(".qr-panel").BoundingBoxAsync();
        Assert.True(panel!.Height < 200, $"the denied state is compact, not the code's {panel.Height} px");
        Assert.DoesNotContain(await desktop.Context.CookiesAsync(), c => c.Name == SessionCookie);
        Assert.EndsWith("/login", desktop.Url);
    }

    [Fact]
    public async Task Expiry_SetShortByTheAdmin_RunsOut_AndTheVisiblePageGetsAnotherQrByItself()
    {
        var admin = await NewDesktopPageAsync();
        await SignInWithPasswordAsync(admin, PortalServer.AdminEmail, PortalServer.AdminPassword);
        try
        {
            await SaveSettingAsync(admin, "expiry", "10");
            var desktop = await NewDesktopPageAsync();
            await desktop.GotoAsync("/login");
            var first = await ReadQrAsync(desktop, "first-qr");
            // The state, not a moment of the countdown: a code is waiting, with at most the ten seconds the admin set.
            await Expect(desktop.Locator(".qr-panel")).ToHaveAttributeAsync("data-state", "waiting");
            await Expect(desktop.Locator("[role=timer]")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^0:(0[0-9]|10)$"));

            var firstImage = await desktop.Locator("img.qr-image").GetAttributeAsync("src");

            // No click: an expired code on a page someone can see is replaced (up to five times, then a button).
            await Expect(desktop.Locator("img.qr-image")).Not.ToHaveAttributeAsync("src", firstImage!, new() { Timeout = 20_000 });
            await ShotAsync(desktop, "desktop-renewed");
            var second = await ReadQrAsync(desktop, "second-qr");
            Assert.NotEqual(first, second);
            Assert.StartsWith(BaseUrl + "/qr/", second);
        }
        finally
        {
            await RestoreDefaultSettingsAsync();
        }
    }

    [Fact]
    public async Task ApprovalPage_CountsDown_AndTurnsIntoExpiredByItself()
    {
        var admin = await NewDesktopPageAsync();
        await SignInWithPasswordAsync(admin, PortalServer.AdminEmail, PortalServer.AdminPassword);
        try
        {
            await SaveSettingAsync(admin, "expiry", "10");
            var desktop = await NewDesktopPageAsync();
            await desktop.GotoAsync("/login");
            var approvalUrl = await ReadQrAsync(desktop);
            var phone = await SignedInPhoneAsync();

            await phone.GotoAsync(approvalUrl);

            await Expect(phone.Locator(".requester [role=timer]")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^0:(0[0-9]|10)$"));
            await Expect(phone.GetByText("This code has expired.")).ToBeVisibleAsync(new() { Timeout = 20_000 });
            await Expect(phone.GetByRole(AriaRole.Button, new() { Name = "Approve" })).Not.ToBeVisibleAsync();
            await ShotAsync(phone, "phone-code-expired");
        }
        finally
        {
            await RestoreDefaultSettingsAsync();
        }
    }

    [Fact]
    public async Task CameraScan_OnThePhoneScannerPage_CompletesTheSignIn()
    {
        var desktop = await NewDesktopPageAsync();
        await desktop.GotoAsync("/login");
        var approvalUrl = await ReadQrAsync(desktop, "camera-qr");
        var video = Path.Combine(ShotFolder, "camera.y4m");
        await ExternalTools.MakeCameraVideoAsync(Path.Combine(ShotFolder, "camera-qr.png"), video);
        await using var phoneBrowser = await Fixture.LaunchAsync(
            "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", $"--use-file-for-fake-video-capture={video}");
        var phone = await SignedInPhoneAsync(browser: phoneBrowser);

        await phone.GotoAsync("/scan");

        await ExpectAddressAsync(phone, approvalUrl);
        await ApproveAndWaitForSignInAsync(phone, desktop, "/");
        await Expect(desktop.GetByText($"Welcome, {PortalServer.DemoEmail}")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Admin_SignsInByQr_ChangesTheLsiLength_AndTheNextQrUsesIt()
    {
        var desktop = await NewDesktopPageAsync();
        await desktop.GotoAsync("/login");
        var approvalUrl = await ReadQrAsync(desktop);
        var adminPhone = await SignedInPhoneAsync(PortalServer.AdminEmail, PortalServer.AdminPassword);
        await adminPhone.GotoAsync(approvalUrl);
        await ApproveAndWaitForSignInAsync(adminPhone, desktop, "/");
        try
        {
            await SaveSettingAsync(desktop, "lsi-length", "20");

            var next = await NewDesktopPageAsync();
            await next.GotoAsync("/login");
            var nextUrl = await ReadQrAsync(next, "qr-after-change");
            Assert.Equal(20, Uri.UnescapeDataString(nextUrl[(nextUrl.LastIndexOf('/') + 1)..]).Length);
        }
        finally
        {
            await RestoreDefaultSettingsAsync();
        }
    }

    [Fact]
    public async Task NonAdmin_IsRefusedTheSettingsPage()
    {
        var phone = await SignedInPhoneAsync();

        await phone.GotoAsync("/admin/qr-settings");

        await Expect(phone.GetByText("Access denied")).ToBeVisibleAsync();
        await ShotAsync(phone, "non-admin-refused");
        await Expect(phone.Locator("[data-testid=save]")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task ProtectedPage_WhileSignedOut_ComesBackThereAfterTheQrSignIn()
    {
        var desktop = await NewDesktopPageAsync();
        await desktop.GotoAsync("/account");
        await ExpectAddressContainingAsync(desktop, "/login");
        var approvalUrl = await ReadQrAsync(desktop);
        var phone = await SignedInPhoneAsync();
        await phone.GotoAsync(approvalUrl);

        await ApproveAndWaitForSignInAsync(phone, desktop, "/account");

        await Expect(desktop.Locator("[data-testid=signed-in-user]")).ToHaveTextAsync(PortalServer.DemoEmail);
    }

    [Fact]
    public async Task ExternalReturnUrl_IsIgnored()
    {
        var desktop = await NewDesktopPageAsync();
        await desktop.GotoAsync("/login?returnUrl=" + Uri.EscapeDataString("https://evil.example/phish"));
        var approvalUrl = await ReadQrAsync(desktop);
        var phone = await SignedInPhoneAsync();
        await phone.GotoAsync(approvalUrl);

        await ApproveAndWaitForSignInAsync(phone, desktop, "/");

        Assert.StartsWith(BaseUrl, desktop.Url);
    }

    private async Task SaveSettingAsync(IPage admin, string testId, string value)
    {
        await admin.GotoAsync("/admin/qr-settings");
        // Typed into the prerendered page, a value would be lost when the circuit takes over: wait until it is live.
        await Expect(admin.Locator("[data-testid=save]")).ToBeEnabledAsync();
        var input = admin.Locator($"input[data-testid={testId}], [data-testid={testId}] input").First;
        await input.FillAsync(value);
        await admin.Locator("[data-testid=save]").ClickAsync();
        await Expect(admin.Locator("[data-testid=save-message]")).ToContainTextAsync("Saved");
        await ShotAsync(admin, $"admin-saved-{testId}");
    }

    private async Task RestoreDefaultSettingsAsync()
    {
        var store = Fixture.Server.Services.GetRequiredService<QrSettingsStore>();
        var errors = await store.UpdateAsync(new QrSettings(), null, "browser tests", null);
        Assert.Empty(errors);
    }
}
