using QrLoginPortal.BrowserTests.Infrastructure;

namespace QrLoginPortal.BrowserTests;

/// <summary>
/// A new sign-in on a browser replaces its session, and the browser's other open pages load again under it. The push that
/// tells them can arrive before the new sign-in's answer has given the browser its new cookie: they must not load with the
/// old one (the sign-in page, although the person has just signed in).
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ReplacedSessionInTheBrowserTests(BrowserFixture fixture) : BrowserTestBase(fixture)
{
    [Fact]
    public async Task WhenTheNewSignInsAnswerIsSlow_TheOtherTab_WaitsForIt_AndLoadsAgainSignedIn()
    {
        var desktop = await NewDesktopPageAsync();
        await SignInWithPasswordAsync(desktop, PortalServer.DemoEmail, PortalServer.DemoPassword);
        var tab = await OpenWatchingSessionsTabAsync(desktop);
        await desktop.GotoAsync("/login");
        var approvalUrl = await ReadQrAsync(desktop);
        var phone = await SignedInPhoneAsync();
        await phone.GotoAsync(approvalUrl);

        // The QR sign-in's answer (its cookie) reaches the desktop 2 s after the portal replaced the session and told the tab.
        Fixture.Server.SignInAnswerDelay = TimeSpan.FromSeconds(2);
        try
        {
            await ApproveAndWaitForSignInAsync(phone, desktop, "/");
        }
        finally
        {
            Fixture.Server.SignInAnswerDelay = TimeSpan.Zero;
        }

        await ExpectSessionsTabLoadedAgainUnderAQrSignInAsync(tab);
        await ShotAsync(tab, "other-tab-under-the-new-sign-in");
    }
}
