using System.Net;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using QrLoginPortal.Data;
using QrLoginPortal.QrLogin;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.Accounts;

/// <summary>The sign-in page as a phone meets it, and account pages that must not sign the phone out.</summary>
public sealed partial class PhoneSignInTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    private const string PhoneAgent = "Mozilla/5.0 (Linux; Android 14; Pixel 8) Chrome/140.0 Mobile Safari/537.36";

    [Fact]
    public async Task SignedOutPhone_OpeningAnApprovalLink_SignsInWithThePasswordForm_WithoutAQrPanel()
    {
        using var phone = portal.CreateBrowser(PhoneAgent);

        var challenge = await phone.Http.GetAsync("/qr/ABCDEFGHJKMNP");
        Assert.Equal(HttpStatusCode.Redirect, challenge.StatusCode);
        var loginUrl = challenge.Headers.Location!.PathAndQuery;
        var page = await phone.GetPageAsync(loginUrl);

        Assert.Contains("Sign in on this phone to approve the sign-in on your other device", page);
        Assert.DoesNotContain("qr-card", page);
        Assert.DoesNotContain("Sign in with your phone", page);
        Assert.DoesNotContain("<details", page);
        Assert.True(page.IndexOf("id=\"Input.Email\"", StringComparison.Ordinal) > 0, "the password form is on the page");

        var signIn = await phone.PostFormAsync(loginUrl, page, "login", new Dictionary<string, string>
        {
            ["Input.Email"] = PortalFactory.DemoEmail,
            ["Input.Password"] = PortalFactory.DemoPassword,
        });

        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.EndsWith("/qr/ABCDEFGHJKMNP", signIn.Headers.Location!.OriginalString);
        Assert.Equal("/qr/ABCDEFGHJKMNP", new Uri(new Uri("http://localhost"), signIn.Headers.Location).AbsolutePath);
    }

    [Fact]
    public async Task SignInPage_WithAnOrdinaryReturnUrl_StillLeadsWithTheQrCode()
    {
        using var browser = portal.CreateBrowser();

        var page = await browser.GetPageAsync("/login?ReturnUrl=%2Faccount");

        Assert.Contains("Sign in with your phone", page);
        Assert.Contains("qr-card", page);
        Assert.DoesNotContain("approve the sign-in on your other device", page);
    }

    [Fact]
    public async Task SignInPage_WithQrSignInSwitchedOff_LeadsWithThePasswordFormAndAPlainNote()
    {
        await using var switchedOff = new PortalFactory();
        var store = switchedOff.Services.GetRequiredService<QrSettingsStore>();
        var settings = await store.GetAsync();
        settings.Enabled = false;
        await store.UpdateAsync(settings, null, "test", null);
        using var browser = switchedOff.CreateBrowser();

        var page = await browser.GetPageAsync("/login");

        Assert.Contains("Sign-in by QR code is switched off. Sign in with your password or a passkey.", page);
        Assert.DoesNotContain("qr-card", page);
        Assert.DoesNotContain("Open the camera", page);
        Assert.DoesNotContain("<details", page);
        Assert.Contains("id=\"Input.Email\"", page);
    }

    [Fact]
    public async Task ApprovalPage_ShowsHowLongTheCodeStaysValid_AndSaysOneSecondInTheSingular()
    {
        using var phone = portal.CreateBrowser(PhoneAgent);
        await phone.SignInWithPasswordAsync(PortalFactory.DemoEmail, PortalFactory.DemoPassword);
        var code = await portal.Services.GetRequiredService<QrLoginService>().CreateAsync(new QrRequester("203.0.113.7", "Mozilla/5.0 Chrome/140.0"));
        portal.Clock.Advance(TimeSpan.FromSeconds(1));

        var page = await phone.GetPageAsync("/qr/" + Uri.EscapeDataString(code.Lsi));

        Assert.Contains("<dd>1 second ago</dd>", page);
        Assert.Matches("data-countdown-seconds=\"119\"[^>]*>1:59</span>", page);
        Assert.Contains("This code has expired.", page);
        Assert.Contains("data-expired-notice hidden", page);
    }

    [Fact]
    public void Plural_SaysOneInTheSingular_AndEveryOtherCountInThePlural()
    {
        Assert.Equal("1 badge", Plural.Of(1, "badge"));
        Assert.Equal("0 signed-in browsers", Plural.Of(0, "signed-in browser"));
        Assert.Equal("2 seconds", Plural.Of(2, "second"));
    }

    [Fact]
    public async Task ViewingEnableAuthenticator_ChangesNothing_SoThePhoneStaysSignedIn()
    {
        var userId = await portal.CreateUserAsync("authenticator-view@test.local");
        using var laptop = portal.CreateBrowser();
        await laptop.SignInWithPasswordAsync("authenticator-view@test.local", PortalFactory.DemoPassword);
        var stampBefore = await StampAsync(userId);

        var first = await laptop.GetPageAsync("/Account/Manage/EnableAuthenticator");
        var second = await laptop.GetPageAsync("/Account/Manage/EnableAuthenticator");

        Assert.Equal(stampBefore, await StampAsync(userId));
        Assert.Null(await AuthenticatorKeyAsync(userId));
        Assert.Contains("your other signed-in browsers and phones are signed out", first);
        Assert.NotEqual(SharedKey(first), SharedKey(second));
    }

    [Fact]
    public async Task CompletingEnableAuthenticator_StoresTheShownKey_SignsOutTheOtherBrowsers_AndSaysWhy()
    {
        var userId = await portal.CreateUserAsync("authenticator-done@test.local");
        using var laptop = portal.CreateBrowser();
        using var phone = portal.CreateBrowser(PhoneAgent);
        await laptop.SignInWithPasswordAsync("authenticator-done@test.local", PortalFactory.DemoPassword);
        await phone.SignInWithPasswordAsync("authenticator-done@test.local", PortalFactory.DemoPassword);
        var page = await laptop.GetPageAsync("/Account/Manage/EnableAuthenticator");
        var key = SharedKey(page);

        var response = await laptop.PostFormAsync("/Account/Manage/EnableAuthenticator", page, "send-code", new Dictionary<string, string>
        {
            ["Input.Code"] = Totp(key, DateTimeOffset.UtcNow),
            ["Input.PendingKey"] = WebUtility.HtmlDecode(PendingKey().Match(page).Groups[1].Value),
        });
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("were signed out because two-factor sign-in is now on", html);
        Assert.Equal(key, (await AuthenticatorKeyAsync(userId))!.ToLowerInvariant());
        portal.Clock.Advance(TimeSpan.FromMinutes(2));
        var phoneNext = await phone.Http.GetAsync("/account");
        Assert.Equal(HttpStatusCode.Redirect, phoneNext.StatusCode);
        Assert.Contains("authenticator-done@test.local", await laptop.GetPageAsync("/account"));
    }

    private async Task<string?> StampAsync(string userId)
    {
        using var scope = portal.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        return await users.GetSecurityStampAsync((await users.FindByIdAsync(userId))!);
    }

    private async Task<string?> AuthenticatorKeyAsync(string userId)
    {
        using var scope = portal.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        return await users.GetAuthenticatorKeyAsync((await users.FindByIdAsync(userId))!);
    }

    private static string SharedKey(string html)
    {
        var match = KeyOnPage().Match(html);
        Assert.True(match.Success, "The page shows no key");
        return match.Groups[1].Value.Replace(" ", "", StringComparison.Ordinal);
    }

    // RFC 6238 with Identity's parameters (SHA-1, 30 s steps, 6 digits), as an authenticator app computes it.
    private static string Totp(string base32Key, DateTimeOffset at)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var bits = string.Concat(base32Key.ToUpperInvariant().Select(c => Convert.ToString(alphabet.IndexOf(c), 2).PadLeft(5, '0')));
        var key = Enumerable.Range(0, bits.Length / 8).Select(i => Convert.ToByte(bits.Substring(i * 8, 8), 2)).ToArray();
        var counter = BitConverter.GetBytes(at.ToUnixTimeSeconds() / 30);
        if (BitConverter.IsLittleEndian)
        {
            Array.Reverse(counter);
        }

        var hash = HMACSHA1.HashData(key, counter);
        var offset = hash[^1] & 0xF;
        var code = ((hash[offset] & 0x7F) << 24) | (hash[offset + 1] << 16) | (hash[offset + 2] << 8) | hash[offset + 3];
        return (code % 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
    }

    [GeneratedRegex("<kbd>([a-z0-9 ]+)</kbd>")]
    private static partial Regex KeyOnPage();

    [GeneratedRegex("name=\"Input.PendingKey\" value=\"([^\"]*)\"")]
    private static partial Regex PendingKey();
}
