using Microsoft.AspNetCore.Identity;
using QrLoginPortal.Badges;
using QrLoginPortal.Data;

namespace QrLoginPortal.SignIn;

/// <summary>A badge presented for a sign-in: the user it signs in, or why not.</summary>
/// <param name="LockedOutHolder">After a password, the account the wrong badge locked (the lockout page says which lock it is).</param>
public sealed record BadgePresented(ApplicationUser? User, TimeSpan? RetryAfter = null, ApplicationUser? LockedOutHolder = null);

/// <summary>
/// The Identity side of badge sign-in, shared by the sign-in page and the authn API: a badge checked
/// by the engine, a wrong badge after a password counted toward that account's lockout, and the
/// user's own sign-in rules (confirmed, not locked).
/// </summary>
public sealed class BadgeSignInChecks(BadgeSignInCheck check, BadgeService badges, SignInManager<ApplicationUser> signInManager)
{
    public async Task<BadgePresented> PresentAsync(string? value, BadgeStep step, string? expectedUserId, string? ip, CancellationToken ct)
    {
        var users = signInManager.UserManager;
        var result = await check.CheckAsync(value, step, expectedUserId, ip, ct);
        if (!result.Succeeded)
        {
            ApplicationUser? lockedOut = null;
            if (step == BadgeStep.SecondStep && await users.FindByIdAsync(expectedUserId!) is { } holder)
            {
                // After a password, a wrong badge counts toward the account's lockout like a wrong password.
                await users.AccessFailedAsync(holder);
                lockedOut = await users.IsLockedOutAsync(holder) ? holder : null;
            }

            return new BadgePresented(null, result.RetryAfter, lockedOut);
        }

        var user = await users.FindByIdAsync(result.UserId!);
        if (user is null || !await signInManager.CanSignInNowAsync(user))
        {
            return new BadgePresented(null);
        }

        if (step == BadgeStep.SecondStep)
        {
            await users.ResetAccessFailedCountAsync(user);
        }

        return new BadgePresented(user);
    }

    /// <summary>
    /// Whether a right password must be followed by the user's badge: the policy asks it of their role,
    /// unless they have an authenticator app, whose code Identity's own two-factor step asks instead.
    /// </summary>
    public async Task<bool> RequiresBadgeAfterPasswordAsync(ApplicationUser user, CancellationToken ct) =>
        await badges.IsSecondStepRequiredAsync(user.Id, ct) && !await signInManager.UserManager.GetTwoFactorEnabledAsync(user);
}

public static class SignInManagerExtensions
{
    /// <summary>Whether <paramref name="user"/> may get a session now: Identity's sign-in rules (a confirmed account) and not locked out.</summary>
    public static async Task<bool> CanSignInNowAsync(this SignInManager<ApplicationUser> signInManager, ApplicationUser user) =>
        await signInManager.CanSignInAsync(user) && !await signInManager.UserManager.IsLockedOutAsync(user);
}
