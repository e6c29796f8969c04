using System.Text;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using QrLoginPortal.Accounts;
using QrLoginPortal.Audit;
using QrLoginPortal.Data;
using QrLoginPortal.Sessions;

namespace QrLoginPortal.Admin;

public sealed record UserRow(string Id, string Email, string? DisplayName, bool IsAdmin, bool IsLocked, DateTimeOffset? LastSignIn);

/// <summary>
/// The outcome of an admin action on users: done, or a message saying why nothing changed.
/// <paramref name="Link"/> is a password link the admin may pass on (shown apart, with a copy button).
/// </summary>
public sealed record UserActionResult(bool Succeeded, string Message, string? Link = null)
{
    public static UserActionResult Done(string message, string? link = null) => new(true, message, link);
    public static UserActionResult Refused(string message) => new(false, message);
}

/// <summary>
/// User management for administrators. Each action checks the actor with <see cref="AdminGuard"/>,
/// runs in its own scope (circuits outlive requests), and is audited.
/// </summary>
public sealed class UserAdmin(
    IServiceScopeFactory scopeFactory,
    IDbContextFactory<ApplicationDbContext> dbFactory,
    AdminGuard guard,
    SessionStore sessions,
    AuditLog audit,
    TimeProvider clock,
    IEmailSender<ApplicationUser> emailSender,
    Microsoft.Extensions.Options.IOptions<DataProtectionTokenProviderOptions> tokenOptions)
{
    public async Task<(IReadOnlyList<UserRow> Rows, int Total)> SearchAsync(string? search, int skip, int take, CancellationToken ct = default)
    {
        take = Math.Clamp(take, 1, 100);
        var now = clock.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var admins = Roles.AdminIds(db);
        var query = db.Users.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(search))
        {
            var term = search.Trim().ToUpperInvariant();
            query = query.Where(u => u.NormalizedEmail!.Contains(term) || (u.DisplayName != null && u.DisplayName.ToUpper().Contains(term)));
        }

        var total = await query.CountAsync(ct);
        var found = await query
            .OrderBy(u => u.NormalizedEmail)
            .Skip(Math.Max(0, skip)).Take(take)
            .Select(u => new
            {
                User = u,
                IsAdmin = admins.Contains(u.Id),
                LastSignIn = db.UserSessions.Where(s => s.UserId == u.Id).Max(s => (DateTimeOffset?)s.CreatedAt),
            })
            .ToListAsync(ct);
        return ([.. found.Select(x => new UserRow(x.User.Id, x.User.Email!, x.User.DisplayName, x.IsAdmin, !x.User.IsUnlockedAt(now), x.LastSignIn))], total);
    }

    /// <param name="origin">The portal's address for the new user's password link; without it no link is made.</param>
    public async Task<UserActionResult> CreateAsync(AdminActor actor, string? email, string? displayName, string? role,
        CancellationToken ct = default, string? origin = null)
    {
        await guard.EnsureAsync(actor, ct);
        email = email?.Trim();
        if (string.IsNullOrEmpty(email) || !new System.ComponentModel.DataAnnotations.EmailAddressAttribute().IsValid(email))
        {
            return UserActionResult.Refused("Enter a valid email address.");
        }

        if (role is not (null or "" or Roles.User or Roles.Admin))
        {
            return UserActionResult.Refused($"Unknown role '{role}': choose {Roles.User} or {Roles.Admin}.");
        }

        if (displayName?.Length > 128)
        {
            return UserActionResult.Refused("The display name can have at most 128 characters.");
        }

        await using var scope = scopeFactory.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        if (await users.FindByEmailAsync(email) is not null)
        {
            return UserActionResult.Refused($"A user with the email {email} already exists.");
        }

        var user = new ApplicationUser
        {
            UserName = email,
            Email = email,
            EmailConfirmed = true,
            DisplayName = string.IsNullOrWhiteSpace(displayName) ? null : displayName.Trim(),
        };
        var created = await users.CreateAsync(user);
        if (!created.Succeeded)
        {
            return UserActionResult.Refused(string.Join(" ", created.Errors.Select(e => e.Description)));
        }

        if (role == Roles.Admin && await FirstFailureAsync(() => users.AddToRoleAsync(user, Roles.Admin)) is { } failure)
        {
            return UserActionResult.Refused($"{email} was created, but not as an administrator: {failure}");
        }

        await audit.WriteAsync(AuditTypes.UserCreate, AuditOutcomes.Success, actor.UserId, user.Id, actor.Ip,
            $"{email}{(role == Roles.Admin ? " as admin" : "")}", ct);
        if (origin is null)
        {
            return UserActionResult.Done($"Created {email}. They get in with a password link: use \"Password link\" on their row.");
        }

        // A new account has no password and no signed-in phone: the password link is its only way in.
        var link = await PasswordLinkAsync(users, user, origin, actor, ct);
        return UserActionResult.Done(
            $"Created {email}. They get in with the password link below, which was also mailed to them and works for {LinkLifetime}: "
            + "they choose a password, then can sign in by password or QR code.", link);
    }

    /// <summary>Locks the account and ends all its sessions at once.</summary>
    public Task<UserActionResult> LockAsync(AdminActor actor, string userId, CancellationToken ct = default) =>
        WithUserAsync(actor, userId, async (users, user) =>
        {
            if (user.Id == actor.UserId)
            {
                return UserActionResult.Refused("You cannot lock your own account.");
            }

            if (await FirstFailureAsync(
                    () => users.SetLockoutEnabledAsync(user, true),
                    () => users.SetLockoutEndDateAsync(user, ApplicationUser.AdminLockEnd)) is { } failure)
            {
                return UserActionResult.Refused($"{user.Email} could not be locked: {failure}");
            }

            // Sessions end before the stamp changes, so their open pages are told it was a lock.
            var ended = await sessions.EndAllAsync(user.Id, "account locked", actor.UserId, actor.Ip, SessionEndCause.AccountLocked, ct);
            if (await FirstFailureAsync(() => users.UpdateSecurityStampAsync(user)) is { } stampFailure)
            {
                return UserActionResult.Refused($"{user.Email} is locked and signed out, but their security stamp could not be renewed: {stampFailure}");
            }

            await audit.WriteAsync(AuditTypes.UserLock, AuditOutcomes.Success, actor.UserId, user.Id, actor.Ip, $"{user.Email}; {Plural.Of(ended, "session")} ended", ct);
            return UserActionResult.Done($"{user.Email} is locked; {Plural.Of(ended, "signed-in browser")} signed out.");
        }, ct);

    public Task<UserActionResult> UnlockAsync(AdminActor actor, string userId, CancellationToken ct = default) =>
        WithUserAsync(actor, userId, async (users, user) =>
        {
            if (await FirstFailureAsync(
                    () => users.SetLockoutEndDateAsync(user, null),
                    () => users.ResetAccessFailedCountAsync(user)) is { } failure)
            {
                return UserActionResult.Refused($"{user.Email} could not be unlocked: {failure}");
            }

            await audit.WriteAsync(AuditTypes.UserUnlock, AuditOutcomes.Success, actor.UserId, user.Id, actor.Ip, user.Email, ct);
            return UserActionResult.Done($"{user.Email} is unlocked.");
        }, ct);

    public Task<UserActionResult> SetAdminAsync(AdminActor actor, string userId, bool admin, CancellationToken ct = default) =>
        WithUserAsync(actor, userId, async (users, user) =>
        {
            if (!admin && user.Id == actor.UserId)
            {
                return UserActionResult.Refused("You cannot remove your own Admin role; ask another administrator.");
            }

            var result = admin ? await users.AddToRoleAsync(user, Roles.Admin) : await users.RemoveFromRoleAsync(user, Roles.Admin);
            if (!result.Succeeded)
            {
                return UserActionResult.Refused(string.Join(" ", result.Errors.Select(e => e.Description)));
            }

            // The role is in the cookie: refresh it on the user's next request.
            if (await FirstFailureAsync(() => users.UpdateSecurityStampAsync(user)) is { } failure)
            {
                return UserActionResult.Refused($"The role changed, but {user.Email}'s open sessions could not be refreshed: {failure}");
            }
            await audit.WriteAsync(admin ? AuditTypes.UserRoleAdd : AuditTypes.UserRoleRemove, AuditOutcomes.Success, actor.UserId,
                user.Id, actor.Ip, $"{user.Email}: {Roles.Admin}", ct);
            return UserActionResult.Done(admin ? $"{user.Email} is now an administrator." : $"{user.Email} is no longer an administrator.");
        }, ct);

    /// <summary>
    /// A one-time link to the password reset page: mailed to the user (through the portal's queue, so a
    /// mail problem never fails the action) and shown to the admin, who may hand it over another way.
    /// </summary>
    public Task<UserActionResult> PasswordResetLinkAsync(AdminActor actor, string userId, string origin, CancellationToken ct = default) =>
        WithUserAsync(actor, userId, async (users, user) =>
        {
            var link = await PasswordLinkAsync(users, user, origin, actor, ct);
            return UserActionResult.Done(
                $"Password link for {user.Email}, valid for {LinkLifetime} and for one use; it was also mailed to them.", link);
        }, ct);

    /// <summary>How long a password link works: Identity's token lifespan, in words.</summary>
    private string LinkLifetime
    {
        get
        {
            var lifespan = tokenOptions.Value.TokenLifespan;
            return lifespan.TotalDays >= 1 && lifespan.TotalDays == Math.Floor(lifespan.TotalDays) ? Plural.Of((long)lifespan.TotalDays, "day")
                : lifespan.TotalHours >= 1 ? Plural.Of((long)lifespan.TotalHours, "hour")
                : Plural.Of((long)Math.Max(1, lifespan.TotalMinutes), "minute");
        }
    }

    /// <summary>A password-reset link for <paramref name="user"/>, mailed to them and audited.</summary>
    private async Task<string> PasswordLinkAsync(UserManager<ApplicationUser> users, ApplicationUser user, string origin, AdminActor actor,
        CancellationToken ct)
    {
        var token = await users.GeneratePasswordResetTokenAsync(user);
        var code = WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(token));
        var link = $"{origin.TrimEnd('/')}/Account/ResetPassword?code={code}";
        if (!string.IsNullOrEmpty(user.Email))
        {
            await emailSender.SendPasswordResetLinkAsync(user, user.Email, System.Text.Encodings.Web.HtmlEncoder.Default.Encode(link));
        }

        await audit.WriteAsync(AuditTypes.UserPasswordResetLink, AuditOutcomes.Success, actor.UserId, user.Id, actor.Ip, user.Email, ct);
        return link;
    }

    public async Task<UserActionResult> EndSessionAsync(AdminActor actor, string userId, Guid sessionId, CancellationToken ct = default)
    {
        await guard.EnsureAsync(actor, ct);
        return await sessions.EndAsync(sessionId, userId, "signed out by an administrator", actor.UserId, actor.Ip, ct: ct)
            ? UserActionResult.Done("The browser was signed out.")
            : UserActionResult.Refused("That session had already ended.");
    }

    /// <summary>Runs Identity steps in order; the first failure's description, or null when all succeeded.</summary>
    private static async Task<string?> FirstFailureAsync(params Func<Task<IdentityResult>>[] steps)
    {
        foreach (var step in steps)
        {
            var result = await step();
            if (!result.Succeeded)
            {
                return string.Join(" ", result.Errors.Select(e => e.Description));
            }
        }

        return null;
    }

    private async Task<UserActionResult> WithUserAsync(AdminActor actor, string userId,
        Func<UserManager<ApplicationUser>, ApplicationUser, Task<UserActionResult>> action, CancellationToken ct)
    {
        await guard.EnsureAsync(actor, ct);
        await using var scope = scopeFactory.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var user = await users.FindByIdAsync(userId);
        return user is null ? UserActionResult.Refused("That user no longer exists.") : await action(users, user);
    }
}
