using Microsoft.Playwright;
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

/// <summary>
/// The signed-in page the QR sign-in lands on is painted before its ~270 KB of script (Blazor, MudBlazor)
/// is compiled and run: js/after-paint.js inserts the scripts once the first contentful paint is recorded
/// (issue 16: Approve → signed-in page painted). An order of events, not a timing.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class PaintBeforeScriptsInTheBrowserTests(BrowserFixture fixture) : BrowserTestBase(fixture)
{
    // blazor.web.js defines window.Blazor when it runs: note when, and whether the page had painted by then.
    private const string Probe = """
        (() => {
          let value;
          Object.defineProperty(window, 'Blazor', { configurable: true, enumerable: true,
            get() { return value; },
            set(v) {
              if (window.__blazorRanAfterPaint === undefined) {
                window.__blazorRanAfterPaint = performance.getEntriesByName('first-contentful-paint').length > 0;
              }
              value = v;
            } });
        })();
        """;

    [Fact]
    public async Task TheSignedInPage_IsPaintedBeforeItsScriptsRun_AndThenBecomesInteractive()
    {
        var desktop = await NewDesktopPageAsync();
        await desktop.Context.AddInitScriptAsync(Probe);
        await desktop.GotoAsync("/login");
        var approvalUrl = await desktop.Locator("a.qr-link").GetAttributeAsync("href");
        var phone = await SignedInPhoneAsync();
        await phone.GotoAsync(approvalUrl!);

        await ApproveAndWaitForSignInAsync(phone, desktop, "/");

        await desktop.WaitForFunctionAsync("() => window.__blazorRanAfterPaint !== undefined");
        Assert.True(await desktop.EvaluateAsync<bool>("() => window.__blazorRanAfterPaint"),
            "blazor.web.js ran before the signed-in page's first contentful paint");
        // The scripts did load: the page's circuit starts, and its interactive links work.
        await desktop.WaitForFunctionAsync("() => window.Blazor !== undefined");
        await desktop.GetByRole(AriaRole.Link, new() { Name = "Signed-in browsers" }).ClickAsync();
        await Expect(desktop).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/sessions$"));
    }
}
