using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using QrLoginPortal.BrowserTests.Infrastructure;
using QrLoginPortal.Data;
using QrLoginPortal.QrLogin;

namespace QrLoginPortal.BrowserTests;

/// <summary>
/// A page whose live connection (its circuit) drops: a calm banner says so, the sign-in code is hidden
/// (it may expire or be used unseen), and when the connection is back the page shows the truth: the
/// same code if it is still pending, a new one if it ran out, the sign-in page if the browser was signed out.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ReconnectInTheBrowserTests(BrowserFixture fixture) : BrowserTestBase(fixture)
{
    private const string Password = "Rec0nnect-Passw0rd!";

    [Fact]
    public async Task ConnectionLost_ShowsTheReconnectBanner_HidesTheQr_AndAValidQrComesBack()
    {
        var desktop = await NewDesktopPageAsync();
        var link = await CircuitLink.InstallAsync(desktop);
        await desktop.GotoAsync("/login");
        await ReadQrAsync(desktop, "before-drop");

        await link.DropAsync();

        var banner = desktop.Locator("#components-reconnect-modal");
        await Expect(banner).ToBeVisibleAsync();
        await Expect(banner).ToContainTextAsync("Connection lost — reconnecting…");
        await Expect(desktop.Locator("img.qr-image")).ToBeHiddenAsync();
        await Expect(desktop.Locator("[data-testid=qr-offline-note]")).ToBeVisibleAsync();
        await ShotAsync(desktop, "connection-lost");

        await link.RestoreAsync();

        await Expect(banner).ToBeHiddenAsync(new() { Timeout = 60_000 });
        await Expect(desktop.Locator("img.qr-image")).ToBeVisibleAsync();
        await ShotAsync(desktop, "connection-back");
        var approvalUrl = await ReadQrAsync(desktop, "after-reconnect");
        // Valid: the phone approves it and the reconnected page signs in.
        var phone = await SignedInPhoneAsync();
        await phone.GotoAsync(approvalUrl);
        await ApproveAndWaitForSignInAsync(phone, desktop, "/");
    }

    [Fact]
    public async Task ACodeThatExpiresWhileTheConnectionIsLost_IsReplacedWhenItComesBack()
    {
        var store = Fixture.Server.Services.GetRequiredService<QrSettingsStore>();
        Assert.Empty(await store.UpdateAsync(new QrSettings { ExpirySeconds = 10 }, null, "browser tests", null));
        try
        {
            var desktop = await NewDesktopPageAsync();
            var link = await CircuitLink.InstallAsync(desktop);
            await desktop.GotoAsync("/login");
            var first = await ReadQrAsync(desktop, "first");
            var expired = await ExpiryOfAsync(first);

            await link.DropAsync();
            await Expect(desktop.Locator("#components-reconnect-modal")).ToBeVisibleAsync();
            // The server expires the code while the page cannot hear it.
            await expired;
            await link.RestoreAsync();

            await Expect(desktop.Locator("#components-reconnect-modal")).ToBeHiddenAsync(new() { Timeout = 60_000 });
            await Expect(desktop.Locator(".qr-panel")).ToHaveAttributeAsync("data-state", "waiting");
            var second = await ReadQrAsync(desktop, "second");
            await ShotAsync(desktop, "renewed-after-reconnect");
            Assert.NotEqual(first, second);
        }
        finally
        {
            Assert.Empty(await store.UpdateAsync(new QrSettings(), null, "browser tests", null));
        }
    }

    [Fact]
    public async Task SignedOutWhileItsConnectionIsLost_ThePageLeavesForTheSignInPageWhenItIsBack_AndNothingFailsOnTheServer()
    {
        var email = $"reconnect-{Guid.NewGuid():N}@browser.test";
        await CreateUserAsync(email);
        var laptop = await NewDesktopPageAsync();
        var link = await CircuitLink.InstallAsync(laptop);
        await SignInWithPasswordAsync(laptop, email, Password);
        await laptop.GotoAsync("/account/sessions");
        await laptop.Locator("[data-testid=session-watch]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        var phone = await SignedInPhoneAsync(email, Password);
        await phone.GotoAsync("/account/sessions");
        var laptopRow = phone.Locator("tbody tr").Filter(new() { HasNotText = "This browser" });
        await Expect(laptopRow.Locator("[data-testid=end-session]")).ToBeEnabledAsync();
        var logged = Fixture.Server.Logs.Lines.Count;
        // Every page load the laptop starts from now on (the circuit's navigations to the sign-in page).
        var leaving = new List<string>();
        laptop.Request += (_, request) =>
        {
            if (request.IsNavigationRequest && request.Frame == laptop.MainFrame)
            {
                lock (leaving)
                {
                    leaving.Add(new Uri(request.Url).PathAndQuery);
                }
            }
        };

        await link.DropAsync();
        await Expect(laptop.Locator("#components-reconnect-modal")).ToBeVisibleAsync();
        await laptopRow.Locator("[data-testid=end-session]").ClickAsync();
        await Expect(phone.GetByText("was signed out")).ToBeVisibleAsync();
        await link.RestoreAsync();

        // Back, the page leaves for the sign-in page once, saying why. Two parts of the page learn it: the watcher
        // (told while the page was away) and the route view (the reconnected circuit's user is signed out). Before,
        // each sent its own full load, the route view's without the notice, and whichever came last won.
        await Expect(laptop).ToHaveURLAsync(new System.Text.RegularExpressions.Regex(@"/login\?ended=browser$"), new() { Timeout = 60_000 });
        await Expect(laptop.Locator("[data-testid=signed-out-notice]")).ToHaveTextAsync("You were signed out of this browser.");
        lock (leaving)
        {
            Assert.Equal(["/login?ended=browser"], leaving);
        }

        await laptop.WaitForLoadStateAsync(LoadState.Load);
        await ShotAsync(laptop, "signed-out-after-reconnect");
        Assert.DoesNotContain(await laptop.Context.CookiesAsync(), c => c.Name == ".AspNetCore.Identity.Application");
        await Expect(laptop.Locator(".signin-page")).ToBeVisibleAsync();
        var circuitTrouble = Fixture.Server.Logs.Lines.Skip(logged)
            .Where(line => line.StartsWith("Error", StringComparison.Ordinal) || line.StartsWith("Critical", StringComparison.Ordinal)
                || line.Contains("Components", StringComparison.Ordinal) || line.Contains("SignalR", StringComparison.Ordinal))
            .ToList();
        Assert.True(circuitTrouble.Count == 0, string.Join(Environment.NewLine, circuitTrouble));
    }

    /// <summary>Completes when the server marks the code of <paramref name="approvalUrl"/> expired.</summary>
    private async Task<Task> ExpiryOfAsync(string approvalUrl)
    {
        var lsiHash = Secrets.Hash(Uri.UnescapeDataString(approvalUrl[(approvalUrl.LastIndexOf('/') + 1)..]));
        var db = Fixture.Server.Services.GetRequiredService<IDbContextFactory<ApplicationDbContext>>();
        await using var context = await db.CreateDbContextAsync();
        var id = await context.QrTransactions.Where(t => t.LsiHash == lsiHash).Select(t => t.Id).SingleAsync();
        var expired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscription = Fixture.Server.Services.GetRequiredService<ITransactionNotifier>().Subscribe(id, change =>
        {
            if (change.State == QrTransactionState.Timeout)
            {
                expired.TrySetResult();
            }

            return Task.CompletedTask;
        });
        return expired.Task.ContinueWith(_ => subscription.Dispose(), TaskScheduler.Default);
    }

    private async Task CreateUserAsync(string email)
    {
        await using var scope = Fixture.Server.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var created = await users.CreateAsync(new ApplicationUser { UserName = email, Email = email, EmailConfirmed = true }, Password);
        Assert.True(created.Succeeded, string.Join(" ", created.Errors.Select(e => e.Description)));
    }
}
