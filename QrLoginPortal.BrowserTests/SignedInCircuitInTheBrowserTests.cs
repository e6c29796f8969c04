using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using QrLoginPortal.BrowserTests.Infrastructure;
using QrLoginPortal.Data;

namespace QrLoginPortal.BrowserTests;

/// <summary>
/// The page a QR sign-in lands on is interactive, and its circuit must be one started with the new cookie. The sign-in
/// page's own circuit (its QR panel) is anonymous: were the landing page brought into that document in place (Blazor's
/// enhanced form post, issue 16's faster way to the signed-in page), blazor.web.js (10.0) would add the landing page's
/// components to that existing anonymous circuit, and the page would run as nobody: no session watch, a protected page
/// sent back to the sign-in page. The hidden session-watch marker is rendered only by a circuit that knows the user.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class SignedInCircuitInTheBrowserTests(BrowserFixture fixture) : BrowserTestBase(fixture)
{
    private const string Password = "Circuit-Passw0rd!";

    [Fact]
    public async Task AfterAQrSignIn_TheSignedInPagesCircuitKnowsTheUser_AndASignOutFromThePhoneEndsIt()
    {
        var email = await CreateUserAsync();
        var phone = await SignedInPhoneAsync(email, Password);
        var desktop = await NewDesktopPageAsync();
        await desktop.GotoAsync("/login");
        await phone.GotoAsync((await desktop.Locator("a.qr-link").GetAttributeAsync("href"))!);

        await ApproveAndWaitForSignInAsync(phone, desktop, "/");

        // The circuit, not only the prerendered HTML, shows the user and watches this browser's session.
        await desktop.Locator("[data-testid=session-watch]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await Expect(desktop.GetByText($"Welcome, {email}")).ToBeVisibleAsync();

        await phone.GotoAsync("/account/sessions");
        await phone.Locator("[data-testid=session-watch]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        var desktopRow = phone.Locator("tbody tr").Filter(new() { HasNotText = "This browser" });
        await Expect(desktopRow).ToHaveCountAsync(1);
        await desktopRow.Locator("[data-testid=end-session]").ClickAsync();

        await ExpectAddressContainingAsync(desktop, "/login?ended=browser");
        await Expect(desktop.Locator("[data-testid=signed-out-notice]")).ToHaveTextAsync("You were signed out of this browser.");
    }

    [Fact]
    public async Task AfterAQrSignIn_AnInteractiveReturnUrl_WorksAsTheSignedInUser()
    {
        var email = await CreateUserAsync();
        var phone = await SignedInPhoneAsync(email, Password);
        var desktop = await NewDesktopPageAsync();
        await desktop.GotoAsync("/login?returnUrl=" + Uri.EscapeDataString("/account/sessions"));
        await phone.GotoAsync((await desktop.Locator("a.qr-link").GetAttributeAsync("href"))!);

        await ApproveAndWaitForSignInAsync(phone, desktop, "/account/sessions");

        // The protected page stays (an anonymous circuit would send it to the sign-in page) and its circuit knows
        // this browser: it lists the session as "This browser".
        await desktop.Locator("[data-testid=session-watch]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await Expect(desktop.Locator("tbody tr").Filter(new() { HasText = "This browser" })).ToHaveCountAsync(1);
        await Expect(desktop).ToHaveURLAsync(BaseUrl + "/account/sessions");
    }

    private async Task<string> CreateUserAsync()
    {
        var email = $"qr-circuit-{Guid.NewGuid():N}@browser.test";
        await using var scope = Fixture.Server.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var created = await users.CreateAsync(new ApplicationUser { UserName = email, Email = email, EmailConfirmed = true }, Password);
        Assert.True(created.Succeeded, string.Join(" ", created.Errors.Select(e => e.Description)));
        return email;
    }
}
