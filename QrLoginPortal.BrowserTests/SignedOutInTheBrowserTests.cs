using System.Diagnostics;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using QrLoginPortal.BrowserTests.Infrastructure;
using QrLoginPortal.Data;

namespace QrLoginPortal.BrowserTests;

/// <summary>Ended means ended, now: a page left open in a browser that was signed out elsewhere goes to the sign-in page by itself.</summary>
[Collection(BrowserCollection.Name)]
public sealed class SignedOutInTheBrowserTests(BrowserFixture fixture) : BrowserTestBase(fixture)
{
    private const string Password = "Signed-0ut-Passw0rd!";

    [Fact]
    public async Task AnOpenPage_WhoseBrowserIsSignedOutFromAnother_LandsOnTheSignInPage_WithTheNotice()
    {
        var email = $"signed-out-{Guid.NewGuid():N}@browser.test";
        await CreateUserAsync(email);
        var laptop = await NewDesktopPageAsync();
        await SignInWithPasswordAsync(laptop, email, Password);
        await laptop.GotoAsync("/account/sessions");
        // The page's circuit is up and watching its session (not just the prerendered HTML).
        await laptop.Locator("[data-testid=session-watch]").WaitForAsync(new() { State = Microsoft.Playwright.WaitForSelectorState.Attached });
        await ShotAsync(laptop, "laptop-open");

        var phone = await SignedInPhoneAsync(email, Password);
        await phone.GotoAsync("/account/sessions");
        await phone.Locator("[data-testid=session-watch]").WaitForAsync(new() { State = Microsoft.Playwright.WaitForSelectorState.Attached });
        var laptopRow = phone.Locator("tbody tr").Filter(new() { HasNotText = "This browser" });
        await Expect(laptopRow).ToHaveCountAsync(1);
        var clock = Stopwatch.StartNew();
        await laptopRow.Locator("[data-testid=end-session]").ClickAsync();

        await ExpectAddressContainingAsync(laptop, "/login?ended=browser");
        await Expect(laptop.Locator("[data-testid=signed-out-notice]")).ToHaveTextAsync("You were signed out of this browser.");
        TestContext.Current.TestOutputHelper?.WriteLine($"sign-out click on the phone -> notice on the laptop: {clock.Elapsed.TotalMilliseconds:0} ms");
        await ShotAsync(laptop, "laptop-signed-out");
        // The full load re-checked the cookie: the laptop is signed out, the phone is not.
        Assert.DoesNotContain(await laptop.Context.CookiesAsync(), c => c.Name == ".AspNetCore.Identity.Application");
        await Expect(phone.GetByText("was signed out")).ToBeVisibleAsync();
        await ShotAsync(phone, "phone-after");
    }

    [Fact]
    public async Task TheTopBarsSignOut_SaysYouAreSignedOut_EvenWhenThePagesWatcherHearsOfItFirst()
    {
        var email = $"sign-out-{Guid.NewGuid():N}@browser.test";
        await CreateUserAsync(email);
        var laptop = await NewDesktopPageAsync();
        await SignInWithPasswordAsync(laptop, email, Password);
        await laptop.GotoAsync("/account/sessions");
        await laptop.Locator("[data-testid=session-watch]").WaitForAsync(new() { State = Microsoft.Playwright.WaitForSelectorState.Attached });
        var logged = Fixture.Server.Logs.Lines.Count;
        // The race a slow answer loses, made certain: the sign-out's answer is held until the page, told of its
        // session's end over its circuit meanwhile, has set off somewhere by itself.
        var pageLeft = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        laptop.Request += (_, request) =>
        {
            if (request.IsNavigationRequest && request.Method == "GET")
            {
                pageLeft.TrySetResult(request.Url);
            }
        };
        await laptop.RouteAsync("**/Account/Logout", async route =>
        {
            var answer = await route.FetchAsync(new() { MaxRedirects = 0 });
            TestContext.Current.TestOutputHelper?.WriteLine($"the page set off for {await pageLeft.Task} before the sign-out's answer");
            try
            {
                await route.FulfillAsync(new() { Response = answer });
            }
            catch (Microsoft.Playwright.PlaywrightException)
            {
                // The page's own navigation aborted the sign-out's: its answer has nowhere to go.
            }
        });

        await laptop.Locator(".top-nav").GetByRole(Microsoft.Playwright.AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();

        await Expect(laptop).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/signed-out$"));
        await Expect(laptop.GetByRole(Microsoft.Playwright.AriaRole.Heading, new() { Name = "You are signed out" })).ToBeVisibleAsync();
        await ShotAsync(laptop, "signed-out");
        // The circuit the page left behind ends quietly: no error, and nothing at Warning or above from Blazor,
        // SignalR or the sessions. (The framework notes a navigation cut short by the circuit's end at Debug
        // only: RemoteNavigationManager's NavigationStoppedSessionEnded.)
        var trouble = Fixture.Server.Logs.Lines.Skip(logged)
            .Where(line => line.StartsWith("Error", StringComparison.Ordinal) || line.StartsWith("Critical", StringComparison.Ordinal)
                || line.Contains("Components", StringComparison.Ordinal) || line.Contains("SignalR", StringComparison.Ordinal)
                || line.Contains("QrLoginPortal.Sessions", StringComparison.Ordinal))
            .ToList();
        Assert.True(trouble.Count == 0, string.Join(Environment.NewLine, trouble));
    }

    private async Task CreateUserAsync(string email)
    {
        await using var scope = Fixture.Server.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var created = await users.CreateAsync(new ApplicationUser { UserName = email, Email = email, EmailConfirmed = true }, Password);
        Assert.True(created.Succeeded, string.Join(" ", created.Errors.Select(e => e.Description)));
    }
}
