using Microsoft.AspNetCore.Identity;
using QrLoginPortal.Badges;
using QrLoginPortal.Data;

namespace QrLoginPortal.SignIn;

/// <summary>What a step of a password or badge sign-in decided.</summary>
public enum SignInVerdict
{
    /// <summary>This address waits first (<see cref="SignInDecision.RetryAfter"/>): too many wrong passwords or badges from it.</summary>
    Throttled,

    /// <summary>Wrong password or badge, unknown or not allowed account: alike to the caller.</summary>
    Refused,

    /// <summary>The account is locked (<see cref="SignInDecision.User"/>; the lockout page says which lock it is).</summary>
    LockedOut,

    /// <summary>The right password; the authenticator app's code comes next (Identity's own two-factor step).</summary>
    TwoFactor,

    /// <summary>The right password; the policy asks for the user's own badge next.</summary>
    BadgeStep,

    /// <summary>An insecure ID badge named the user; their password comes next.</summary>
    IdBadgeNamed,

    /// <summary>ID badges are off: their password step cannot be used.</summary>
    IdBadgesOff,

    /// <summary>Proven: this browser has its session (Identity's cookie, with remember-me as asked).</summary>
    SignedIn,

    /// <summary>Proven, no session started: the caller gives one (the badge page's cookie, the API's tokens) with <see cref="SignInDecision.Method"/>.</summary>
    Verified,
}

/// <param name="Method">How the user proved who they are, for the session: "pwd", "badge" or "pwd+badge".</param>
public sealed record SignInDecision(SignInVerdict Verdict, ApplicationUser? User = null, TimeSpan? RetryAfter = null, string? Method = null);

/// <summary>Where a sign-in can start with a badge, as the sign-in page and the authn API offer it.</summary>
/// <param name="StartsSignIn">A badge (or an ID badge) may be the first step.</param>
/// <param name="IdBadges">Insecure ID badges (the QR names the person, the password follows) are on.</param>
/// <param name="AfterPassword">Badges are on at all: a badge step a password opened can be finished.</param>
public sealed record BadgeOffer(bool StartsSignIn, bool IdBadges, bool AfterPassword);

/// <summary>
/// The one place that decides a password or badge sign-in, for the sign-in page, the badge page and the
/// authn API alike: the source throttle, Identity's lockout (and which account it locked), the roles the
/// badge policy names, whether a right password must be followed by the badge, the authenticator step,
/// and the ID-badge resolution. The callers keep their pages and HTTP answers only.
/// </summary>
public sealed class PortalSignIn(SignInManager<ApplicationUser> signInManager, PasswordThrottle passwords, BadgePolicyStore badgePolicies,
    BadgeService badges, BadgeSignInCheck badgeCheck)
{
    /// <summary>The longest user name looked up; longer ones are refused like a wrong password.</summary>
    public const int MaxUserNameLength = 256;

    private UserManager<ApplicationUser> Users => signInManager.UserManager;

    /// <summary>Whether badges are offered on the sign-in page and by the authn API's first answer.</summary>
    public async Task<BadgeOffer> BadgeOfferAsync(CancellationToken ct)
    {
        var policy = await badgePolicies.GetAsync(ct);
        return new BadgeOffer(policy.Enabled && (policy.AllowAsFirstStep || policy.InsecureIdBadges), policy.Enabled && policy.InsecureIdBadges,
            policy.Enabled);
    }

    /// <summary>
    /// A password. With <paramref name="startSession"/> this browser is signed in by Identity (remember-me,
    /// or its two-factor step cookie); without, the user is only <see cref="SignInVerdict.Verified"/>.
    /// Either way a right password opens no session when the policy wants the badge too (<see cref="SignInVerdict.BadgeStep"/>).
    /// </summary>
    public async Task<SignInDecision> PasswordAsync(string userName, string password, bool startSession, bool rememberMe, string? ip,
        CancellationToken ct)
    {
        // Wrong passwords throttle their source before the account's lockout is in reach.
        if (passwords.RetryAfter(userName, ip) is { } wait)
        {
            return new SignInDecision(SignInVerdict.Throttled, RetryAfter: wait);
        }

        // User names are the email addresses here; looked up by name only (emails need not be unique).
        var user = userName.Length <= MaxUserNameLength ? await Users.FindByNameAsync(userName) : null;
        return await PasswordOfAsync(user, userName, password, startSession, rememberMe, ip, ct);
    }

    /// <summary>
    /// The password step of an insecure ID badge: a password sign-in like <see cref="PasswordAsync"/>
    /// (the user name comes from a form field anyone can fill), for a user whose role may use badges.
    /// </summary>
    public async Task<SignInDecision> IdBadgePasswordAsync(string userName, string password, string? ip, CancellationToken ct)
    {
        if (!(await BadgeOfferAsync(ct)).IdBadges)
        {
            return new SignInDecision(SignInVerdict.IdBadgesOff);
        }

        if (passwords.RetryAfter(userName, ip) is { } wait)
        {
            return new SignInDecision(SignInVerdict.Throttled, RetryAfter: wait);
        }

        var user = userName.Length <= MaxUserNameLength ? await Users.FindByNameAsync(userName) : null;
        if (user is null || !await badges.MayUseBadgesAsync(user.Id, ct))
        {
            passwords.RecordFailure(userName, ip);
            return new SignInDecision(SignInVerdict.Refused);
        }

        return await PasswordOfAsync(user, userName, password, startSession: true, rememberMe: false, ip, ct);
    }

    /// <summary>A passkey (Identity's own check): this browser is signed in, or sent to its two-factor step, or refused.</summary>
    public async Task<SignInDecision> PasskeyAsync(string credentialJson)
    {
        var result = await signInManager.PasskeySignInAsync(credentialJson);
        // A passkey names no account before it is checked: a lockout says less (no user).
        return result.Succeeded ? new SignInDecision(SignInVerdict.SignedIn)
            : result.RequiresTwoFactor ? new SignInDecision(SignInVerdict.TwoFactor)
            : result.IsLockedOut ? new SignInDecision(SignInVerdict.LockedOut)
            : new SignInDecision(SignInVerdict.Refused);
    }

    /// <summary>
    /// A scanned or typed badge. Without <paramref name="expectedUserId"/> it is the first step: an ID badge
    /// names the user whose password comes next (<see cref="SignInVerdict.IdBadgeNamed"/>), a sign-in badge
    /// proves its holder. With it, it is the step after that user's right password: a wrong badge counts toward
    /// their lockout like a wrong password. Proven users are <see cref="SignInVerdict.Verified"/>: no session yet.
    /// </summary>
    /// <returns>A refusal may carry both <see cref="SignInDecision.RetryAfter"/> and the account it locked.</returns>
    public async Task<SignInDecision> BadgeAsync(string? value, string? expectedUserId, string? ip, CancellationToken ct)
    {
        if (expectedUserId is null && IdBadge.UserNameOf(value) is not null)
        {
            var named = await badgeCheck.FindIdBadgeHolderAsync(value, ip, ct);
            return named.Succeeded && await Users.FindByIdAsync(named.UserId!) is { UserName: not null } holder
                ? new SignInDecision(SignInVerdict.IdBadgeNamed, holder)
                : Refusal(named.RetryAfter);
        }

        var step = expectedUserId is null ? BadgeStep.FirstStep : BadgeStep.SecondStep;
        var result = await badgeCheck.CheckAsync(value, step, expectedUserId, ip, ct);
        if (!result.Succeeded)
        {
            if (step == BadgeStep.SecondStep && await Users.FindByIdAsync(expectedUserId!) is { } holder)
            {
                // After a password, a wrong badge counts toward the account's lockout like a wrong password.
                await Users.AccessFailedAsync(holder);
                if (await Users.IsLockedOutAsync(holder))
                {
                    return new SignInDecision(SignInVerdict.LockedOut, holder, result.RetryAfter);
                }
            }

            return Refusal(result.RetryAfter);
        }

        var user = await Users.FindByIdAsync(result.UserId!);
        if (user is null || !await signInManager.CanSignInNowAsync(user))
        {
            return new SignInDecision(SignInVerdict.Refused);
        }

        if (step == BadgeStep.SecondStep)
        {
            await Users.ResetAccessFailedCountAsync(user);
        }

        return new SignInDecision(SignInVerdict.Verified, user, Method: step == BadgeStep.FirstStep ? "badge" : "pwd+badge");
    }

    private async Task<SignInDecision> PasswordOfAsync(ApplicationUser? user, string userName, string password, bool startSession,
        bool rememberMe, string? ip, CancellationToken ct)
    {
        SignInResult result;
        if (user is null)
        {
            result = SignInResult.Failed;
        }
        else if (await RequiresBadgeAfterPasswordAsync(user, ct))
        {
            // The policy wants this user's badge too: a right password opens no session yet, only the badge step.
            result = await signInManager.CheckPasswordSignInAsync(user, password, lockoutOnFailure: true);
            if (result.Succeeded)
            {
                return new SignInDecision(SignInVerdict.BadgeStep, user);
            }
        }
        else if (startSession)
        {
            // Failures count towards lockout: a password form is a guessing target.
            result = await signInManager.PasswordSignInAsync(user, password, rememberMe, lockoutOnFailure: true);
        }
        else
        {
            result = await signInManager.CheckPasswordSignInAsync(user, password, lockoutOnFailure: true);
            if (result.Succeeded && await Users.GetTwoFactorEnabledAsync(user))
            {
                // The caller has no authenticator-code step of its own: Identity's is on the sign-in page.
                return new SignInDecision(SignInVerdict.TwoFactor, user);
            }
        }

        if (result.Succeeded)
        {
            return new SignInDecision(startSession ? SignInVerdict.SignedIn : SignInVerdict.Verified, user, Method: "pwd");
        }

        if (result.RequiresTwoFactor)
        {
            return new SignInDecision(SignInVerdict.TwoFactor, user);
        }

        // A second factor still to come is not a failure; anything else is (wrong, unknown, locked or not allowed: alike).
        passwords.RecordFailure(userName, ip);
        return result.IsLockedOut ? new SignInDecision(SignInVerdict.LockedOut, user) : new SignInDecision(SignInVerdict.Refused);
    }

    /// <summary>
    /// Whether a right password must be followed by the user's badge: the policy asks it of their role,
    /// unless they have an authenticator app, whose code Identity's own two-factor step asks instead.
    /// </summary>
    private async Task<bool> RequiresBadgeAfterPasswordAsync(ApplicationUser user, CancellationToken ct) =>
        await badges.IsSecondStepRequiredAsync(user.Id, ct) && !await Users.GetTwoFactorEnabledAsync(user);

    private static SignInDecision Refusal(TimeSpan? retryAfter) =>
        retryAfter is { } wait ? new SignInDecision(SignInVerdict.Throttled, RetryAfter: wait) : new SignInDecision(SignInVerdict.Refused);
}
