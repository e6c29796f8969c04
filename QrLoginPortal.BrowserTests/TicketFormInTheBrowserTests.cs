using QrLoginPortal.BrowserTests.Infrastructure;

namespace QrLoginPortal.BrowserTests;

/// <summary>
/// The approved panel's ticket form is posted by the page itself as soon as it is rendered, not when
/// the server's after-render call arrives one circuit round trip later (issue 16: Approve → signed-in page).
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class TicketFormInTheBrowserTests(BrowserFixture fixture) : BrowserTestBase(fixture)
{
    [Fact]
    public async Task TheTicketForm_IsPostedWithoutTheServersSubmitCall()
    {
        var desktop = await NewDesktopPageAsync();
        // The server's call (qrLogin.submit over the circuit) does nothing on this page: only a page that
        // posts the form by itself gets signed in.
        await desktop.Context.AddInitScriptAsync("""
            let qrLogin;
            Object.defineProperty(window, 'qrLogin', {
              configurable: true,
              get: () => qrLogin,
              set: (value) => { value.submit = () => {}; qrLogin = value; },
            });
            """);
        await desktop.GotoAsync("/login");
        var approvalUrl = await desktop.Locator("a.qr-link").GetAttributeAsync("href");
        var phone = await SignedInPhoneAsync();
        await phone.GotoAsync(approvalUrl!);

        await ApproveAndWaitForSignInAsync(phone, desktop, "/");

        await Expect(desktop.GetByText($"Welcome, {PortalServer.DemoEmail}")).ToBeVisibleAsync();
    }
}
