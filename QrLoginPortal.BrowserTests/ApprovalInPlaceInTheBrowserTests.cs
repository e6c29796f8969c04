using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using QrLoginPortal.BrowserTests.Infrastructure;
using QrLoginPortal.Data;
using QrLoginPortal.QrLogin;

namespace QrLoginPortal.BrowserTests;

/// <summary>
/// Issue 16: the phone's Approve and Deny are sent without leaving the page (ApproveSignIn.razor.js), which spared the
/// waiting browser the phone's navigation. A value put on the phone's window survives only if the document stays.
/// Without scripts the form is the plain post it always was.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ApprovalInPlaceInTheBrowserTests(BrowserFixture fixture) : BrowserTestBase(fixture)
{
    private const string Marker = "window.__sameDocument";

    [Fact]
    public async Task Approve_WithScripts_AnswersInThePage_AndTheDesktopSignsIn()
    {
        var (desktop, phone) = await ScanAsync();

        await ApproveAndWaitForSignInAsync(phone, desktop, "/");

        await Expect(phone.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Approved");
        Assert.True(await phone.EvaluateAsync<bool>($"() => {Marker} === true"), "the phone's page was navigated away, not answered in place");
        Assert.Equal("Approve sign-in", await phone.TitleAsync());
        await ShotAsync(phone, "phone-approved-in-place");
    }

    [Fact]
    public async Task Deny_WithScripts_AnswersInThePage_AndTheDesktopIsTold()
    {
        var (desktop, phone) = await ScanAsync();

        await phone.GetByRole(AriaRole.Button, new() { Name = "Deny" }).ClickAsync();

        await Expect(phone.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Sign-in denied");
        await Expect(desktop.Locator(".qr-message")).ToContainTextAsync("The sign-in was denied on the phone.");
        Assert.True(await phone.EvaluateAsync<bool>($"() => {Marker} === true"), "the phone's page was navigated away, not answered in place");
    }

    [Fact]
    public async Task Approve_OfACodeThatExpiredWhileThePageWasOpen_ShowsItCannotBeUsed_InThePage()
    {
        var (desktop, phone) = await ScanAsync();
        // The code runs out on the server while the phone still shows it (the page's own countdown is not at zero).
        await using (var db = await Fixture.Server.Services.GetRequiredService<IDbContextFactory<ApplicationDbContext>>().CreateDbContextAsync())
        {
            var newest = await db.QrTransactions.Where(t => t.State == QrTransactionState.Pending).OrderByDescending(t => t.CreatedAt).Select(t => t.Id).FirstAsync();
            await db.QrTransactions.Where(t => t.Id == newest)
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.ExpiresAt, DateTimeOffset.UtcNow.AddMinutes(-1)));
        }

        await phone.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();

        await Expect(phone.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("This code can't be used");
        Assert.True(await phone.EvaluateAsync<bool>($"() => {Marker} === true"), "the phone's page was navigated away, not answered in place");
        await Expect(desktop.Locator(".top-nav")).Not.ToContainTextAsync("Sign out");
    }

    [Fact]
    public async Task Approve_FromAPageWhoseTokenNoLongerPasses_SaysThePageIsOutOfDate_AndOpensItAgain()
    {
        var (desktop, phone) = await ScanAsync();
        // As after signing in as someone else in another tab: the page's antiforgery token is no longer this browser's.
        await phone.EvaluateAsync("() => document.querySelectorAll('input[name=__RequestVerificationToken]').forEach(i => i.value = 'CfDJ8-out-of-date')");

        await phone.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();

        await Expect(phone.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("This page is out of date");
        await Expect(phone.GetByText("The sign-in was neither approved nor denied.")).ToBeVisibleAsync();
        await ShotAsync(phone, "phone-approval-page-out-of-date");
        await phone.GetByRole(AriaRole.Link, new() { Name = "Open the page again" }).ClickAsync();
        await ApproveAndWaitForSignInAsync(phone, desktop, "/");
    }

    [Fact]
    public async Task Approve_WithScripts_LeavesNoPostInTheHistory_BackLeadsToThePageBefore()
    {
        var (desktop, phone) = await ScanAsync(from: "/scan");

        await ApproveAndWaitForSignInAsync(phone, desktop, "/");
        await Expect(phone.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Approved");
        await phone.GoBackAsync();

        await Expect(phone).ToHaveURLAsync(BaseUrl + "/scan");
    }

    [Fact]
    public async Task Approve_WhenTheRequestCannotBeSent_SaysSo_AndLetsThePersonTapAgain()
    {
        var (desktop, phone) = await ScanAsync();
        await phone.RouteAsync("**/qr/**", route => route.Request.Method == "POST" ? route.AbortAsync() : route.ContinueAsync());

        await phone.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();

        await Expect(phone.Locator("[data-send-failed]")).ToContainTextAsync("could not be sent");
        await Expect(phone.GetByRole(AriaRole.Button, new() { Name = "Approve" })).ToBeEnabledAsync();
        await phone.UnrouteAllAsync();
        await ApproveAndWaitForSignInAsync(phone, desktop, "/");
        await Expect(phone.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Approved");
    }

    [Fact]
    public async Task Approve_AfterThePhoneWasSignedOut_GoesToTheSignInPage_AsThePlainPostWould()
    {
        var (desktop, phone) = await ScanAsync();
        await phone.Context.ClearCookiesAsync();

        await phone.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();

        await Expect(phone).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/login\\?ReturnUrl="));
        await Expect(desktop.Locator(".qr-overlay")).ToContainTextAsync("Check your phone");
    }

    [Fact]
    public async Task Approve_WithoutScripts_IsThePlainFormPost_AndTheDesktopSignsIn()
    {
        var desktop = await NewDesktopPageAsync();
        await desktop.GotoAsync("/login");
        var approvalUrl = await ReadQrAsync(desktop);
        // A copy: the descriptor in Devices is shared by every phone page of the run.
        var device = new BrowserNewContextOptions(Fixture.Playwright.Devices["Pixel 7"]) { BaseURL = BaseUrl, JavaScriptEnabled = false };
        await using var context = await Fixture.Browser.NewContextAsync(device);
        context.SetDefaultTimeout(30_000);
        var phone = await context.NewPageAsync();
        await SignInWithPasswordAsync(phone, PortalServer.DemoEmail, PortalServer.DemoPassword);
        await phone.GotoAsync(approvalUrl);

        var response = await phone.RunAndWaitForResponseAsync(
            () => phone.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync(), r => r.Request.Method == "POST");

        Assert.Equal("document", response.Request.ResourceType);
        await Expect(phone.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Approved");
        await ExpectAddressAsync(desktop, BaseUrl + "/");
        await Expect(desktop.Locator(".top-nav")).ToContainTextAsync("Sign out");
    }

    /// <summary>A desktop shows a code, a signed-in phone opens it (after <paramref name="from"/>) and marks its window once its scripts answer in place.</summary>
    private async Task<(IPage Desktop, IPage Phone)> ScanAsync(string? from = null)
    {
        var desktop = await NewDesktopPageAsync();
        await desktop.GotoAsync("/login");
        var approvalUrl = await ReadQrAsync(desktop);
        var phone = await SignedInPhoneAsync();
        if (from is not null)
        {
            await phone.GotoAsync(from);
        }

        await phone.GotoAsync(approvalUrl);
        await Expect(phone.GetByText("Sign in on another browser?")).ToBeVisibleAsync();
        await Expect(desktop.Locator(".qr-overlay")).ToContainTextAsync("Check your phone");
        // The page's scripts load after its first paint: the form is sent in place once they say so.
        await phone.WaitForFunctionAsync("() => document.documentElement.dataset.approvesInPlace !== undefined");
        await phone.EvaluateAsync($"() => {{ {Marker} = true; }}");
        return (desktop, phone);
    }
}
