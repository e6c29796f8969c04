using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using QrLoginPortal.Audit;
using QrLoginPortal.BrowserTests.Infrastructure;
using QrLoginPortal.Data;
using QrLoginPortal.QrLogin;

namespace QrLoginPortal.BrowserTests;

/// <summary>Issue 17 on a phone of 390×844: the code typed when the camera fails, and number matching right and wrong.</summary>
[Collection(BrowserCollection.Name)]
public sealed class PhoneCodesInTheBrowserTests(BrowserFixture fixture) : BrowserTestBase(fixture)
{
    private async Task<IPage> PhoneAsync()
    {
        var phone = await SignedInPhoneAsync();
        await phone.SetViewportSizeAsync(390, 844);
        return phone;
    }

    [Fact]
    public async Task TheCodeUnderTheQr_TypedOnThePhone_InLowerCaseWithoutTheDash_SignsTheDesktopIn()
    {
        var desktop = await NewDesktopPageAsync();
        await desktop.GotoAsync("/login");
        var shown = desktop.Locator("[data-testid=qr-user-code]");
        await Expect(shown).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$"));
        var code = await shown.InnerTextAsync();
        await ShotAsync(desktop, "desktop-typed-code");
        var phone = await PhoneAsync();

        await phone.GotoAsync("/scan");
        await phone.GetByText("Type the code instead").ClickAsync();
        await phone.Locator("#user-code").FillAsync(code.Replace("-", " ").ToLowerInvariant());
        await ShotAsync(phone, "phone-typing-the-code");
        var response = await phone.RunAndWaitForResponseAsync(
            () => phone.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync(), r => r.Url == BaseUrl + "/qr/typed");

        await Expect(phone).ToHaveURLAsync(BaseUrl + "/qr/typed");
        // The page carries the code in its form: kept out of caches (the antiforgery token already makes it no-store).
        Assert.Contains("no-store", await response.HeaderValueAsync("cache-control"));
        Assert.DoesNotContain(code.Replace("-", ""), phone.Url.ToUpperInvariant().Replace("-", ""));
        await Expect(desktop.GetByRole(AriaRole.Heading, new() { Name = "Check your phone" })).ToBeVisibleAsync();
        await ApproveAndWaitForSignInAsync(phone, desktop, "/");
    }

    [Fact]
    public async Task TheTypedCodesAddress_OpenedWithoutACode_LeadsToTheScanPage()
    {
        var phone = await PhoneAsync();

        await phone.GotoAsync("/qr/typed");

        await Expect(phone).ToHaveURLAsync(BaseUrl + "/scan");
    }

    [Fact]
    public async Task AWrongTypedCode_IsRefused_WithoutApprovingAnything()
    {
        var phone = await PhoneAsync();

        await phone.GotoAsync("/scan");
        await phone.GetByText("Type the code instead").ClickAsync();
        await phone.Locator("#user-code").FillAsync("WRNG-CDE2");
        await phone.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();

        await Expect(phone.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("This code can't be used");
        await Expect(phone.GetByRole(AriaRole.Button, new() { Name = "Approve" })).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task NumberMatching_TheRightNumber_SignsTheDesktopIn()
    {
        await SetNumberMatchingAsync(true);
        try
        {
            var (desktop, phone, number) = await ScanWithNumberMatchingAsync();

            await phone.GetByRole(AriaRole.Button, new() { Name = number, Exact = true }).ClickAsync();

            await ExpectAddressAsync(desktop, BaseUrl + "/");
            await Expect(desktop.Locator(".top-nav")).ToContainTextAsync("Sign out", new() { Timeout = 30_000 });
            await Expect(phone.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Approved");
        }
        finally
        {
            await SetNumberMatchingAsync(false);
        }
    }

    [Fact]
    public async Task NumberMatching_AWrongNumber_StopsTheSignIn_AndIsAuditedAsSuspectedPhishing()
    {
        await SetNumberMatchingAsync(true);
        try
        {
            var (desktop, phone, number) = await ScanWithNumberMatchingAsync();
            var choices = await phone.Locator("[data-testid=match-choice]").AllInnerTextsAsync();
            var wrong = choices.First(c => c != number);

            await phone.GetByRole(AriaRole.Button, new() { Name = wrong, Exact = true }).ClickAsync();

            await Expect(phone.Locator("[data-testid=wrong-number]")).ToContainTextAsync("suspected phishing");
            await Expect(desktop.Locator("[data-testid=qr-wrong-number]")).ToContainTextAsync("did not show");
            await ShotAsync(phone, "phone-wrong-number");
            await ShotAsync(desktop, "desktop-wrong-number");
            await using var db = await Fixture.Server.Services.GetRequiredService<IDbContextFactory<ApplicationDbContext>>().CreateDbContextAsync();
            Assert.True(await db.AuditEvents.AnyAsync(e => e.Type == AuditTypes.QrSuspectedPhishing && e.Details!.StartsWith($"picked {wrong},")));
            await Expect(desktop.Locator(".top-nav")).Not.ToContainTextAsync("Sign out");
        }
        finally
        {
            await SetNumberMatchingAsync(false);
        }
    }

    /// <summary>A desktop shows a code, a phone opens it: the desktop then shows the number and the phone three choices.</summary>
    private async Task<(IPage Desktop, IPage Phone, string Number)> ScanWithNumberMatchingAsync()
    {
        var desktop = await NewDesktopPageAsync();
        await desktop.GotoAsync("/login");
        var approvalUrl = await ReadQrAsync(desktop);
        var phone = await PhoneAsync();

        await phone.GotoAsync(approvalUrl);

        var shown = desktop.Locator("[data-testid=qr-match-number]");
        await Expect(shown).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^[1-9][0-9]$"));
        var number = await shown.InnerTextAsync();
        var choices = phone.Locator("[data-testid=match-choice]");
        await Expect(choices).ToHaveCountAsync(3);
        Assert.Contains(number, await choices.AllInnerTextsAsync());
        Assert.Equal(3, (await choices.AllInnerTextsAsync()).Distinct().Count());
        await Expect(phone.GetByRole(AriaRole.Button, new() { Name = "Approve", Exact = true })).ToHaveCountAsync(0);
        await ShotAsync(desktop, "desktop-match-number");
        await ShotAsync(phone, "phone-match-choices");
        return (desktop, phone, number);
    }

    private async Task SetNumberMatchingAsync(bool on)
    {
        var store = Fixture.Server.Services.GetRequiredService<QrSettingsStore>();
        Assert.Empty(await store.UpdateAsync(new QrSettings { NumberMatching = on }, null, "browser tests", null));
    }
}
