using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using QrLoginPortal.Badges;
using QrLoginPortal.BrowserTests.Infrastructure;

namespace QrLoginPortal.BrowserTests;

/// <summary>An administrator prints a sheet of badges for a role; a badge read off that sheet signs in until it is voided.</summary>
[Collection(BrowserCollection.Name)]
public sealed class BadgesInTheBrowserTests(BrowserFixture fixture) : BrowserTestBase(fixture)
{
    [Fact]
    public async Task Admin_PrintsASheetForARole_ABadgeFromItSignsInAtTheWebcam_UntilTheRoleIsVoided()
    {
        // The test turns badge sign-in on and issues badges: it leaves the portal as it found it.
        var badges = Fixture.Server.Services.GetRequiredService<BadgeService>();
        var badgePolicies = Fixture.Server.Services.GetRequiredService<BadgePolicyStore>();
        var policyBefore = await badgePolicies.GetAsync(TestContext.Current.CancellationToken);
        try
        {
            await PrintASheet_SignInWithABadge_AndVoidTheRoleAsync();
        }
        finally
        {
            // No badge this test issued stays usable, and the policy is the one before.
            await badges.VoidAllForRoleAsync(BadgeRoles.User, null, null, CancellationToken.None);
            Assert.Empty(await badgePolicies.UpdateAsync(policyBefore, null, "browser tests", null, CancellationToken.None));
        }
    }

    private async Task PrintASheet_SignInWithABadge_AndVoidTheRoleAsync()
    {
        var admin = await NewDesktopPageAsync();
        await SignInWithPasswordAsync(admin, PortalServer.AdminEmail, PortalServer.AdminPassword);
        await admin.GotoAsync("/admin/badges");
        await Expect(admin.GetByText("Sign-in badges")).ToBeVisibleAsync();
        // Until its circuit is up the page's controls are visibly inactive (a click then would be lost):
        // wait until they work, then click once.
        var enabled = admin.GetByRole(AriaRole.Switch, new() { Name = "Badge sign-in enabled" });
        await Expect(enabled).ToBeEnabledAsync();
        await enabled.ClickAsync();
        await Expect(enabled).ToBeCheckedAsync();
        await admin.GetByRole(AriaRole.Button, new() { Name = "Save policy" }).ClickAsync();
        await Expect(admin.GetByText("Policy saved.")).ToBeVisibleAsync();

        await admin.GetByRole(AriaRole.Button, new() { Name = "Issue and print badges for all" }).ClickAsync();
        // A mass action asks first, naming its effect.
        var confirmIssue = admin.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Issue and print" });
        await Expect(admin.GetByRole(AriaRole.Dialog)).ToContainTextAsync("will get a new badge to print");
        await confirmIssue.ClickAsync();
        await ExpectAddressContainingAsync(admin, "/admin/badges/print/");
        await Expect(admin.Locator("[data-testid=badge-card]").First).ToBeVisibleAsync();
        await ShotAsync(admin, "badge-sheet");
        var demoCard = admin.Locator("[data-testid=badge-card]").Filter(new() { HasText = PortalServer.DemoEmail });
        var png = Path.Combine(ShotFolder, "badge.png");
        await demoCard.Locator("img.badge-qr").ScreenshotAsync(new() { Path = png });
        var value = await ExternalTools.DecodeQrAsync(png);
        Assert.False(string.IsNullOrEmpty(value), $"zbarimg found no QR code in {png}");

        var signedIn = await PresentBadgeAsync(admin, value);
        Assert.Equal(200, signedIn.Status);
        var body = JsonDocument.Parse(await signedIn.TextAsync()).RootElement;
        Assert.Equal("complete", body.GetProperty("type").GetString());
        Assert.Equal(PortalServer.DemoEmail, body.GetProperty("userData").GetProperty("userName").GetString());

        // The webcam of a kiosk sees the badge from the printed sheet.
        var video = Path.Combine(ShotFolder, "badge.y4m");
        await ExternalTools.MakeCameraVideoAsync(png, video);
        await using var kiosk = await Fixture.LaunchAsync(
            "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", $"--use-file-for-fake-video-capture={video}");
        var desk = await NewDesktopPageAsync(kiosk);
        await desk.GotoAsync("/login");
        await desk.GetByRole(AriaRole.Link, new() { Name = "Scan badge" }).ClickAsync();
        await ExpectAddressAsync(desk, BaseUrl + "/");
        await Expect(desk.Locator(".top-nav")).ToContainTextAsync("Sign out");
        await ShotAsync(desk, "kiosk-signed-in-by-badge");

        await admin.GotoAsync("/admin/badges");
        var voidAll = admin.GetByRole(AriaRole.Button, new() { Name = "Void all their badges" });
        await Expect(voidAll).ToBeEnabledAsync();
        // One click; it asks first.
        await voidAll.ClickAsync();
        await admin.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Void all" }).ClickAsync();
        await Expect(admin.GetByText(new System.Text.RegularExpressions.Regex(@"Voided \d+ badges? of User"))).ToBeVisibleAsync();
        await ShotAsync(admin, "badges-voided");
        var refused = await PresentBadgeAsync(admin, value);
        Assert.Equal(401, refused.Status);

        // The same badge held to the webcam again: refused, and the kiosk stays signed out.
        var next = await NewDesktopPageAsync(kiosk);
        await next.GotoAsync("/login/badge");
        await Expect(next.Locator("[data-testid=badge-error]")).ToContainTextAsync("This badge cannot sign you in.", new() { Timeout = 20_000 });
        await Expect(next.Locator("[data-testid=rescan]")).ToBeVisibleAsync();
        Assert.Equal("", await next.Locator("#badge-value").InputValueAsync());
        await ShotAsync(next, "kiosk-voided-badge");
        Assert.DoesNotContain(await next.Context.CookiesAsync(), c => c.Name == ".AspNetCore.Identity.Application");
    }

    /// <summary>What a kiosk does with the text its scanner read: the seed 002 authn call.</summary>
    private static Task<IAPIResponse> PresentBadgeAsync(IPage page, string value) =>
        page.Context.APIRequest.PostAsync("/idp/ws/rest/authn", new APIRequestContextOptions
        {
            DataObject = new { type = "qrCode", value },
        });
}
