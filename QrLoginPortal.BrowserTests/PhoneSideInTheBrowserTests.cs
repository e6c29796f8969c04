using Microsoft.Playwright;
using QrLoginPortal.BrowserTests.Infrastructure;

namespace QrLoginPortal.BrowserTests;

/// <summary>What a phone meets first: the sign-in page at phone width and an approval link opened while signed out.</summary>
[Collection(BrowserCollection.Name)]
public sealed class PhoneSideInTheBrowserTests(BrowserFixture fixture) : BrowserTestBase(fixture)
{
    [Fact]
    public async Task SignedOutPhone_OpeningTheApprovalLink_SignsInWithoutAQr_AndLandsOnTheApproval()
    {
        var desktop = await NewDesktopPageAsync();
        await desktop.GotoAsync("/login");
        var approvalUrl = await ReadQrAsync(desktop);
        var phone = await NewPhonePageAsync();

        await phone.GotoAsync(approvalUrl);

        await Expect(phone.GetByRole(AriaRole.Heading, new() { Level = 1 }))
            .ToHaveTextAsync("Sign in on this phone to approve the sign-in on your other device");
        await Expect(phone.Locator("#Input\\.Email")).ToBeVisibleAsync();
        await Expect(phone.Locator(".qr-panel, img.qr-image")).ToHaveCountAsync(0);
        await ShotAsync(phone, "phone-signed-out-approval-link");
        await phone.Locator("#Input\\.Email").FillAsync(PortalServer.DemoEmail);
        await phone.Locator("#Input\\.Password").FillAsync(PortalServer.DemoPassword);
        await phone.GetByRole(AriaRole.Button, new() { Name = "Log in", Exact = true }).ClickAsync();

        await ApproveAndWaitForSignInAsync(phone, desktop, "/");
    }

    [Fact]
    public async Task SignInPage_AtPhoneWidth_LeadsWithThePasswordAndPasskeyForm()
    {
        var phone = await NewPhonePageAsync();

        await phone.GotoAsync("/login");

        var email = phone.Locator("#Input\\.Email");
        await Expect(email).ToBeVisibleAsync();
        await Expect(phone.GetByRole(AriaRole.Button, new() { Name = "Log in with a passkey" })).ToBeVisibleAsync();
        var form = await email.BoundingBoxAsync();
        var qr = await phone.Locator(".qr-card").BoundingBoxAsync();
        Assert.True(form!.Y < qr!.Y, $"the password form (y={form.Y}) comes before the QR card (y={qr.Y})");
        await ShotAsync(phone, "phone-sign-in-page");
    }

    [Fact]
    public async Task SignInPage_AtDesktopWidth_LeadsWithTheQrCode()
    {
        var desktop = await NewDesktopPageAsync();

        await desktop.GotoAsync("/login");

        await desktop.Locator("img.qr-image").WaitForAsync();
        await Expect(desktop.Locator("#Input\\.Email")).Not.ToBeVisibleAsync();
    }

    [Theory]
    [InlineData("NotFoundError", true, "No camera was found on this device.")]
    [InlineData("NotAllowedError", true, "Permission to use the camera was refused.")]
    [InlineData("NotReadableError", true, "The camera is in use by another app")]
    [InlineData("NotAllowedError", false, "only on a secure page (https, or localhost)")]
    public async Task CameraError_IsExplainedByItsCause(string errorName, bool secure, string expected)
    {
        var phone = await SignedInPhoneAsync();
        await phone.GotoAsync("/scan");

        var text = await phone.EvaluateAsync<string>("([name, secure]) => window.qrCamera.describeError({ name }, secure)",
            new object[] { errorName, secure });

        Assert.Contains(expected, text);
        Assert.DoesNotContain("https", secure ? text : "");
    }

    [Fact]
    public async Task ScannerPage_OnADeviceWithoutACamera_SaysSo_NotThatItNeedsHttps()
    {
        // This headless Chromium has no camera device (no fake-camera flags), so getUserMedia throws NotFoundError.
        var phone = await SignedInPhoneAsync();

        await phone.GotoAsync("/scan");

        await Expect(phone.Locator("#scan-status")).ToContainTextAsync("No camera was found on this device.");
        await Expect(phone.Locator("#scan-status")).Not.ToContainTextAsync("https");
        await ShotAsync(phone, "scanner-no-camera");
    }
}
