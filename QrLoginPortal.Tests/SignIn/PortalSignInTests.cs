using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using QrLoginPortal.Badges;
using QrLoginPortal.Data;
using QrLoginPortal.SignIn;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.SignIn;

/// <summary>
/// The one sign-in service, decision by decision (the pages and the authn API only turn these into answers;
/// their own tests are BadgeSignInTests, LoginTests and AuthnApiTests).
/// </summary>
public sealed class PortalSignInTests(PortalFactory portal) : IClassFixture<PortalFactory>, IDisposable
{
    private const string WrongPassword = "Not-The-Passw0rd!";
    private readonly IServiceScope _scope = portal.Services.CreateScope();
    private readonly string _ip = $"198.51.100.{Random.Shared.Next(1, 250)}-{Guid.NewGuid():N}";

    public void Dispose() => _scope.Dispose();

    private CancellationToken Ct => TestContext.Current.CancellationToken;

    private UserManager<ApplicationUser> Users => _scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();

    /// <summary>The service of one request; <paramref name="browser"/> gives Identity an HTTP context to set its cookies on.</summary>
    private PortalSignIn SignIn(bool browser = false)
    {
        if (browser)
        {
            _scope.ServiceProvider.GetRequiredService<SignInManager<ApplicationUser>>().Context =
                new DefaultHttpContext { RequestServices = _scope.ServiceProvider };
        }

        return _scope.ServiceProvider.GetRequiredService<PortalSignIn>();
    }

    private static string NewEmail(string who) => $"{who}-{Guid.NewGuid():N}@school.test";

    private async Task<ApplicationUser> UserAsync(string userId) => (await Users.FindByIdAsync(userId))!;

    [Fact]
    public async Task ARightPassword_WithASession_SignsTheBrowserIn()
    {
        await portal.SetBadgePolicyAsync(enabled: false);
        var email = NewEmail("pwd");
        var userId = await portal.CreateUserAsync(email);

        var decision = await SignIn(browser: true).PasswordAsync(email, PortalFactory.DemoPassword, startSession: true, rememberMe: false, _ip, Ct);

        Assert.Equal(SignInVerdict.SignedIn, decision.Verdict);
        Assert.Equal(userId, decision.User?.Id);
    }

    [Fact]
    public async Task ARightPassword_WithoutASession_IsVerified_AsPwd()
    {
        await portal.SetBadgePolicyAsync(enabled: false);
        var email = NewEmail("api");
        var userId = await portal.CreateUserAsync(email);

        var decision = await SignIn().PasswordAsync(email, PortalFactory.DemoPassword, startSession: false, rememberMe: false, _ip, Ct);

        Assert.Equal(SignInVerdict.Verified, decision.Verdict);
        Assert.Equal(userId, decision.User?.Id);
        Assert.Equal("pwd", decision.Method);
    }

    [Fact]
    public async Task AWrongPassword_OrAnUnknownName_IsRefused_Alike()
    {
        var email = NewEmail("wrong");
        await portal.CreateUserAsync(email);
        var signIn = SignIn();

        var wrong = await signIn.PasswordAsync(email, WrongPassword, startSession: false, rememberMe: false, _ip, Ct);
        var unknown = await signIn.PasswordAsync(NewEmail("nobody"), WrongPassword, startSession: false, rememberMe: false, _ip, Ct);
        var tooLong = await signIn.PasswordAsync(new string('a', PortalSignIn.MaxUserNameLength + 1), WrongPassword, false, false, _ip, Ct);

        Assert.Equal(new SignInDecision(SignInVerdict.Refused), wrong);
        Assert.Equal(new SignInDecision(SignInVerdict.Refused), unknown);
        Assert.Equal(new SignInDecision(SignInVerdict.Refused), tooLong);
    }

    [Fact]
    public async Task WrongPasswords_ThrottleTheirSource_BeforeTheAccountLocks_AndThenEvenTheRightOneWaits()
    {
        var email = NewEmail("guessed");
        var userId = await portal.CreateUserAsync(email);
        var signIn = SignIn();
        var refused = 0;
        SignInDecision decision;
        while ((decision = await signIn.PasswordAsync(email, WrongPassword, false, false, _ip, Ct)).Verdict == SignInVerdict.Refused)
        {
            refused++;
            Assert.True(refused < 50, "the source was never throttled");
        }

        Assert.Equal(SignInVerdict.Throttled, decision.Verdict);
        Assert.NotNull(decision.RetryAfter);
        Assert.Equal(SignInVerdict.Throttled, (await signIn.PasswordAsync(email, PortalFactory.DemoPassword, false, false, _ip, Ct)).Verdict);
        Assert.False(await Users.IsLockedOutAsync(await UserAsync(userId)));
    }

    [Fact]
    public async Task ALockedAccount_IsLockedOut_NamingTheAccount_SoTheLockoutPageCanSayWhichLock()
    {
        await portal.SetBadgePolicyAsync(enabled: false);
        var email = NewEmail("locked");
        var userId = await portal.CreateUserAsync(email);
        await Users.SetLockoutEndDateAsync(await UserAsync(userId), DateTimeOffset.MaxValue);

        var page = await SignIn(browser: true).PasswordAsync(email, PortalFactory.DemoPassword, startSession: true, rememberMe: false, _ip, Ct);
        var api = await SignIn().PasswordAsync(email, PortalFactory.DemoPassword, startSession: false, rememberMe: false, _ip, Ct);

        Assert.Equal(SignInVerdict.LockedOut, page.Verdict);
        Assert.Equal(userId, page.User?.Id);
        Assert.Equal(SignInVerdict.LockedOut, api.Verdict);
    }

    [Fact]
    public async Task AnAccountWithAnAuthenticatorApp_GoesToTheTwoFactorStep_EvenWhenThePolicyAsksForTheBadge()
    {
        await portal.SetBadgePolicyAsync(enabled: true, secondStep: true);
        var email = NewEmail("totp");
        var userId = await portal.CreateUserAsync(email);
        await Users.SetTwoFactorEnabledAsync(await UserAsync(userId), true);

        // Identity asks the request whether this browser is remembered for two-factor: the API's request is there too.
        var decision = await SignIn(browser: true).PasswordAsync(email, PortalFactory.DemoPassword, startSession: false, rememberMe: false, _ip, Ct);

        Assert.Equal(SignInVerdict.TwoFactor, decision.Verdict);
        Assert.Equal(userId, decision.User?.Id);
    }

    [Fact]
    public async Task ARightPassword_OfARoleThePolicyAsksTheBadgeOf_OpensOnlyTheBadgeStep()
    {
        await portal.SetBadgePolicyAsync(enabled: true, secondStep: true);
        var email = NewEmail("two-step");
        var userId = await portal.CreateUserAsync(email);

        var page = await SignIn(browser: true).PasswordAsync(email, PortalFactory.DemoPassword, startSession: true, rememberMe: true, _ip, Ct);
        var api = await SignIn().PasswordAsync(email, PortalFactory.DemoPassword, startSession: false, rememberMe: false, _ip, Ct);

        Assert.Equal(new SignInDecision(SignInVerdict.BadgeStep, page.User), page);
        Assert.Equal(userId, page.User?.Id);
        Assert.Equal(SignInVerdict.BadgeStep, api.Verdict);
    }

    [Fact]
    public async Task ABadgeAsTheFirstStep_IsVerified_AsBadge()
    {
        await portal.SetBadgePolicyAsync(enabled: true);
        var (userId, badge) = await portal.UserWithBadgeAsync(NewEmail("badge"));

        var decision = await SignIn().BadgeAsync(badge.QrContent, expectedUserId: null, _ip, Ct);

        Assert.Equal(SignInVerdict.Verified, decision.Verdict);
        Assert.Equal(userId, decision.User?.Id);
        Assert.Equal("badge", decision.Method);
    }

    [Fact]
    public async Task TheOwnBadgeAfterThePassword_IsVerified_AsPwdPlusBadge_AndClearsTheFailedCount()
    {
        await portal.SetBadgePolicyAsync(enabled: true, firstStep: false, secondStep: true);
        var (userId, badge) = await portal.UserWithBadgeAsync(NewEmail("second"));
        var signIn = SignIn();
        Assert.Equal(SignInVerdict.Refused, (await signIn.BadgeAsync(BadgeSecret.QrContent(BadgeSecret.Generate()), userId, _ip, Ct)).Verdict);
        Assert.Equal(1, await portal.AccessFailedCountAsync(userId));

        var decision = await signIn.BadgeAsync(badge.QrContent, userId, _ip, Ct);

        Assert.Equal(SignInVerdict.Verified, decision.Verdict);
        Assert.Equal("pwd+badge", decision.Method);
        Assert.Equal(0, await portal.AccessFailedCountAsync(userId));
    }

    [Fact]
    public async Task WrongBadgesAfterThePassword_LockTheAccount_AndTheDecisionNamesIt()
    {
        await portal.SetBadgePolicyAsync(enabled: true, firstStep: false, secondStep: true);
        var (userId, _) = await portal.UserWithBadgeAsync(NewEmail("wrong-badges"));
        var signIn = SignIn();
        SignInDecision decision;
        var tries = 0;
        // Each from its own address: the account's lockout is what is tested, not the address's throttle.
        while ((decision = await signIn.BadgeAsync(BadgeSecret.QrContent(BadgeSecret.Generate()), userId, $"{_ip}-{tries}", Ct)).Verdict
               == SignInVerdict.Refused)
        {
            tries++;
            Assert.True(tries < 50, "wrong badges never locked the account");
        }

        Assert.Equal(SignInVerdict.LockedOut, decision.Verdict);
        Assert.Equal(userId, decision.User?.Id);
    }

    [Fact]
    public async Task AnIdBadge_NamesItsHolder_WhenIdBadgesAreOn_AndIsRefusedOtherwise()
    {
        var email = NewEmail("id");
        var userId = await portal.CreateUserAsync(email);
        Assert.Empty(await portal.BadgePolicies.UpdateAsync(new BadgePolicy { Enabled = true, AllowAsFirstStep = false, InsecureIdBadges = false },
            null, "test", null, Ct));
        Assert.Equal(SignInVerdict.Refused, (await SignIn().BadgeAsync(IdBadge.QrContent(email), null, _ip, Ct)).Verdict);
        Assert.Empty(await portal.BadgePolicies.UpdateAsync(new BadgePolicy { Enabled = true, AllowAsFirstStep = false, InsecureIdBadges = true },
            null, "test", null, Ct));

        var decision = await SignIn().BadgeAsync(IdBadge.QrContent(email), null, _ip, Ct);

        Assert.Equal(SignInVerdict.IdBadgeNamed, decision.Verdict);
        Assert.Equal(userId, decision.User?.Id);
    }

    [Fact]
    public async Task TheIdBadgePasswordStep_IsOffWithIdBadges_AndRefusesARoleThatMayNotUseBadges()
    {
        var email = NewEmail("id-pwd");
        await portal.CreateUserAsync(email);
        await portal.SetBadgePolicyAsync(enabled: true);
        Assert.Equal(SignInVerdict.IdBadgesOff, (await SignIn().IdBadgePasswordAsync(email, PortalFactory.DemoPassword, _ip, Ct)).Verdict);
        Assert.Empty(await portal.BadgePolicies.UpdateAsync(
            new BadgePolicy { Enabled = true, InsecureIdBadges = true, AllowedRoles = [BadgeRoles.Admin] }, null, "test", null, Ct));

        var decision = await SignIn(browser: true).IdBadgePasswordAsync(email, PortalFactory.DemoPassword, _ip, Ct);

        Assert.Equal(new SignInDecision(SignInVerdict.Refused), decision);
    }

    [Fact]
    public async Task TheBadgeOffer_FollowsThePolicy()
    {
        await portal.SetBadgePolicyAsync(enabled: false);
        Assert.Equal(new BadgeOffer(false, false, false), await SignIn().BadgeOfferAsync(Ct));
        await portal.SetBadgePolicyAsync(enabled: true, firstStep: false, secondStep: true);
        Assert.Equal(new BadgeOffer(false, false, true), await SignIn().BadgeOfferAsync(Ct));
        Assert.Empty(await portal.BadgePolicies.UpdateAsync(new BadgePolicy { Enabled = true, AllowAsFirstStep = false, InsecureIdBadges = true },
            null, "test", null, Ct));
        Assert.Equal(new BadgeOffer(true, true, true), await SignIn().BadgeOfferAsync(Ct));
        await portal.SetBadgePolicyAsync(enabled: true);
        Assert.Equal(new BadgeOffer(true, false, true), await SignIn().BadgeOfferAsync(Ct));
    }
}
