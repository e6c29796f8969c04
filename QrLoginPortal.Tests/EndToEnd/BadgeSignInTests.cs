using System.Net;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using QrLoginPortal.Badges;
using QrLoginPortal.Data;
using QrLoginPortal.Sessions;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.EndToEnd;

/// <summary>The sign-in page's badge tab over HTTP: the value the webcam script reads is posted like the typed code.</summary>
public sealed class BadgeSignInTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    private const string AuthCookie = ".AspNetCore.Identity.Application";
    private BadgeService Badges => portal.Badges;
    private BadgePolicyStore BadgePolicies => portal.BadgePolicies;

    [Fact]
    public async Task ABadge_SignsItsHolderIn_AndGoesToTheReturnUrl()
    {
        await portal.SetBadgePolicyAsync(enabled: true);
        var (userId, badge) = await portal.UserWithBadgeAsync($"pupil-{Guid.NewGuid():N}@school.test");
        using var browser = portal.CreateBrowser();
        Assert.Contains("data-testid=\"tab-badge\"", await browser.GetPageAsync("/login"));
        var page = await browser.GetPageAsync("/login/badge?ReturnUrl=%2Faccount%2Fsessions");
        Assert.Contains("<script src=\"js/badge-scanner.js\"", page);

        var response = await browser.PostFormAsync("/login/badge?ReturnUrl=%2Faccount%2Fsessions", page, "badge",
            new Dictionary<string, string> { ["Input.Value"] = badge.QrContent });

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/account/sessions", PathOf(response));
        Assert.NotNull(browser.Cookie(AuthCookie));
        var sessions = await portal.Services.GetRequiredService<SessionStore>().ListAsync(userId);
        Assert.Contains(sessions, s => s.Method == "badge" && s.EndedAt is null);
    }

    [Fact]
    public async Task TheTypedCode_WorksToo()
    {
        await portal.SetBadgePolicyAsync(enabled: true);
        var (_, badge) = await portal.UserWithBadgeAsync($"typist-{Guid.NewGuid():N}@school.test");
        using var browser = portal.CreateBrowser();
        var page = await browser.GetPageAsync("/login/badge");

        var response = await browser.PostFormAsync("/login/badge", page, "badge",
            new Dictionary<string, string> { ["Input.Value"] = badge.Grouped.ToLowerInvariant() });

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.NotNull(browser.Cookie(AuthCookie));
    }

    [Fact]
    public async Task AVoidedOrUnknownBadge_IsRefusedWithOneMessage_AndSignsNobodyIn()
    {
        await portal.SetBadgePolicyAsync(enabled: true);
        var (userId, badge) = await portal.UserWithBadgeAsync($"lost-{Guid.NewGuid():N}@school.test");
        await Badges.VoidAsync(userId, "lost", userId, null);

        foreach (var value in new[] { badge.QrContent, BadgeSecret.QrContent(BadgeSecret.Generate()) })
        {
            using var browser = portal.CreateBrowser();
            var page = await browser.GetPageAsync("/login/badge");
            var response = await browser.PostFormAsync("/login/badge", page, "badge", new Dictionary<string, string> { ["Input.Value"] = value });

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains("This badge cannot sign you in.", await response.Content.ReadAsStringAsync());
            Assert.Null(browser.Cookie(AuthCookie));
        }
    }

    [Fact]
    public async Task WhileBadgeSignInIsOff_ThePageSaysSo_AndThereIsNoBadgeTab()
    {
        await portal.SetBadgePolicyAsync(enabled: false);
        var (_, badge) = await portal.UserWithBadgeAsync($"off-{Guid.NewGuid():N}@school.test");
        using var browser = portal.CreateBrowser();

        var login = await browser.GetPageAsync("/login");
        var page = await browser.GetPageAsync("/login/badge");

        Assert.DoesNotContain("data-testid=\"tab-badge\"", login);
        Assert.Contains("data-testid=\"badge-unavailable\"", page);
        Assert.DoesNotContain("<script src=\"js/badge-scanner.js\"", page);
    }

    [Fact]
    public async Task AfterTheRightPassword_TheUsersOwnBadgeIsAsked_BeforeAnySession()
    {
        await portal.SetBadgePolicyAsync(enabled: true, firstStep: false, secondStep: true);
        var email = $"second-{Guid.NewGuid():N}@school.test";
        var (userId, badge) = await portal.UserWithBadgeAsync(email);
        var (_, othersBadge) = await portal.UserWithBadgeAsync($"other-{Guid.NewGuid():N}@school.test");
        using var browser = portal.CreateBrowser();

        await RightPasswordAsync(browser, "/login?ReturnUrl=%2Faccount", email);

        var step = await browser.GetPageAsync("/login/badge?ReturnUrl=%2Faccount");
        Assert.Contains("data-testid=\"second-step\"", step);
        var foreign = await browser.PostFormAsync("/login/badge?ReturnUrl=%2Faccount", step, "badge",
            new Dictionary<string, string> { ["Input.Value"] = othersBadge.QrContent });
        Assert.Contains("This badge cannot sign you in.", await foreign.Content.ReadAsStringAsync());
        Assert.Null(browser.Cookie(AuthCookie));
        Assert.Equal(1, await portal.AccessFailedCountAsync(userId));

        var own = await browser.PostFormAsync("/login/badge?ReturnUrl=%2Faccount", step, "badge",
            new Dictionary<string, string> { ["Input.Value"] = badge.QrContent });
        Assert.Equal(HttpStatusCode.Redirect, own.StatusCode);
        Assert.Equal("/account", PathOf(own));
        Assert.NotNull(browser.Cookie(AuthCookie));
        Assert.Equal(0, await portal.AccessFailedCountAsync(userId));
    }

    [Fact]
    public async Task WithoutThePasswordStep_ASecondStepOnlyBadgeSignsNobodyIn()
    {
        await portal.SetBadgePolicyAsync(enabled: true, firstStep: false, secondStep: true);
        var (_, badge) = await portal.UserWithBadgeAsync($"alone-{Guid.NewGuid():N}@school.test");
        using var browser = portal.CreateBrowser();
        var page = await browser.GetPageAsync("/login/badge");
        Assert.Contains("data-testid=\"badge-unavailable\"", page);

        // The page offers no form; a hand-made post (antiforgery token from the sign-in page) is refused all the same.
        await browser.PostFormAsync("/login/badge", await browser.GetPageAsync("/login"), "badge",
            new Dictionary<string, string> { ["Input.Value"] = badge.QrContent });

        Assert.Null(browser.Cookie(AuthCookie));
    }

    [Fact]
    public async Task AnInsecureIdBadge_AsksThePasswordOfThePersonItNames()
    {
        var email = $"idbadge-{Guid.NewGuid():N}@school.test";
        await portal.CreateUserAsync(email);
        Assert.Empty(await BadgePolicies.UpdateAsync(new BadgePolicy { Enabled = true, AllowAsFirstStep = false, InsecureIdBadges = true }, null, "test", null));
        using var browser = portal.CreateBrowser();
        var page = await browser.GetPageAsync("/login/badge");

        var scanned = await browser.PostFormAsync("/login/badge", page, "badge", new Dictionary<string, string> { ["Input.Value"] = IdBadge.QrContent(email) });
        var passwordPage = await scanned.Content.ReadAsStringAsync();
        Assert.Contains("data-testid=\"id-badge-holder\"", passwordPage);
        Assert.Contains(email, passwordPage);
        Assert.Null(browser.Cookie(AuthCookie));

        var wrong = await browser.PostFormAsync("/login/badge", passwordPage, "badge-password",
            new Dictionary<string, string> { ["PasswordInput.UserName"] = email, ["PasswordInput.Password"] = "not-it" });
        Assert.Contains("Wrong password.", await wrong.Content.ReadAsStringAsync());
        Assert.Null(browser.Cookie(AuthCookie));

        var right = await browser.PostFormAsync("/login/badge", passwordPage, "badge-password",
            new Dictionary<string, string> { ["PasswordInput.UserName"] = email, ["PasswordInput.Password"] = PortalFactory.DemoPassword });
        Assert.Equal(HttpStatusCode.Redirect, right.StatusCode);
        Assert.NotNull(browser.Cookie(AuthCookie));
    }

    [Fact]
    public async Task AnIdBadgesPasswordForm_StillSendsARoleThatMustScanItsBadge_ToTheBadgeStep()
    {
        var email = $"idsecond-{Guid.NewGuid():N}@school.test";
        await portal.CreateUserAsync(email);
        Assert.Empty(await BadgePolicies.UpdateAsync(new BadgePolicy
        {
            Enabled = true, AllowAsFirstStep = false, InsecureIdBadges = true, SecondStepRoles = [BadgeRoles.User],
        }, null, "test", null));
        using var browser = portal.CreateBrowser();

        // Posted by hand, without scanning anything: the user name is only a form field.
        var response = await IdBadgePasswordAsync(browser, email);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/login/badge", PathOf(response));
        Assert.Null(browser.Cookie(AuthCookie));
    }

    [Theory]
    [InlineData(true, "by=admin")]
    [InlineData(false, "until=")]
    public async Task AnIdBadgesLockedHolder_IsSentToTheLockoutPage_WithTheLocksReason(bool byAdmin, string reason)
    {
        var email = $"idlocked-{Guid.NewGuid():N}@school.test";
        await portal.CreateUserAsync(email);
        await SetLockoutEndAsync(email, byAdmin ? ApplicationUser.AdminLockEnd : DateTimeOffset.UtcNow.AddMinutes(5));
        Assert.Empty(await BadgePolicies.UpdateAsync(new BadgePolicy { Enabled = true, AllowAsFirstStep = false, InsecureIdBadges = true }, null, "test", null));
        using var browser = portal.CreateBrowser();

        var response = await IdBadgePasswordAsync(browser, email);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/Account/Lockout", PathOf(response));
        Assert.Contains(reason, PathOf(response));
    }

    [Fact]
    public async Task AWrongBadgeThatLocksTheAccountAfterItsPassword_SaysWhenToTryAgain()
    {
        await portal.SetBadgePolicyAsync(enabled: true, firstStep: false, secondStep: true);
        var email = $"lastchance-{Guid.NewGuid():N}@school.test";
        var (userId, _) = await portal.UserWithBadgeAsync(email);
        using var browser = portal.CreateBrowser();
        await RightPasswordAsync(browser, "/login", email);
        await OneFailureFromLockoutAsync(userId);
        var unknownBadge = BadgeSecret.QrContent(BadgeSecret.Generate());

        var step = await browser.GetPageAsync("/login/badge");
        var response = await browser.PostFormAsync("/login/badge", step, "badge",
            new Dictionary<string, string> { ["Input.Value"] = unknownBadge });

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/Account/Lockout", PathOf(response));
        Assert.Contains("until=", PathOf(response));
    }

    /// <summary>The right password on /login, for a role the policy sends on to the badge step: no session yet.</summary>
    private static async Task RightPasswordAsync(PortalFactory.BrowserClient browser, string loginUrl, string email)
    {
        var login = await browser.GetPageAsync(loginUrl);
        var password = await browser.PostFormAsync(loginUrl, login, "login",
            new Dictionary<string, string> { ["Input.Email"] = email, ["Input.Password"] = PortalFactory.DemoPassword });
        Assert.Equal(HttpStatusCode.Redirect, password.StatusCode);
        Assert.StartsWith("/login/badge", PathOf(password));
        Assert.Null(browser.Cookie(AuthCookie));
    }

    /// <summary>The ID-badge password form of /login/badge posted for <paramref name="email"/> with the right password.</summary>
    private static async Task<HttpResponseMessage> IdBadgePasswordAsync(PortalFactory.BrowserClient browser, string email) =>
        await browser.PostFormAsync("/login/badge", await browser.GetPageAsync("/login/badge"), "badge-password",
            new Dictionary<string, string> { ["PasswordInput.UserName"] = email, ["PasswordInput.Password"] = PortalFactory.DemoPassword });

    private async Task SetLockoutEndAsync(string email, DateTimeOffset end)
    {
        using var scope = portal.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        Assert.True((await users.SetLockoutEndDateAsync((await users.FindByEmailAsync(email))!, end)).Succeeded);
    }

    private async Task OneFailureFromLockoutAsync(string userId)
    {
        using var scope = portal.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var user = (await users.FindByIdAsync(userId))!;
        user.AccessFailedCount = users.Options.Lockout.MaxFailedAccessAttempts - 1;
        Assert.True((await users.UpdateAsync(user)).Succeeded);
    }

    private static string PathOf(HttpResponseMessage redirect) => new Uri(new Uri("http://localhost"), redirect.Headers.Location!).PathAndQuery;
}
