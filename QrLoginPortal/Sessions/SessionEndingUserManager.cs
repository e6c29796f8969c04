using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using QrLoginPortal.Data;

namespace QrLoginPortal.Sessions;

/// <summary>
/// Identity's user manager, which also ends every session of a user the moment their security stamp
/// changes (password changed or reset, two-factor or e-mail changed, role changed, lock): Identity
/// itself only refuses the old cookies at their next check, and an open page makes no request, so
/// without this it would act on until its circuit revalidates. The browser that made the change is
/// signed in again by Identity's refresh, in a new session.
/// </summary>
public sealed class SessionEndingUserManager(
    IUserStore<ApplicationUser> store,
    IOptions<IdentityOptions> optionsAccessor,
    IPasswordHasher<ApplicationUser> passwordHasher,
    IEnumerable<IUserValidator<ApplicationUser>> userValidators,
    IEnumerable<IPasswordValidator<ApplicationUser>> passwordValidators,
    ILookupNormalizer keyNormalizer,
    IdentityErrorDescriber errors,
    IServiceProvider services,
    ILogger<UserManager<ApplicationUser>> logger,
    ApplicationDbContext db,
    SessionStore sessions)
    : UserManager<ApplicationUser>(store, optionsAccessor, passwordHasher, userValidators, passwordValidators, keyNormalizer, errors,
        services, logger)
{
    // Every change Identity makes to a user, the stamp's included, is saved through here.
    protected override async Task<IdentityResult> UpdateUserAsync(ApplicationUser user)
    {
        // The store shares this scope's context: the stamp as loaded is its original value.
        var entry = db.Entry(user);
        var stampChanged = entry.State != EntityState.Detached
                           && !string.Equals(entry.Property(u => u.SecurityStamp).OriginalValue, user.SecurityStamp, StringComparison.Ordinal);
        var result = await base.UpdateUserAsync(user);
        if (result.Succeeded)
        {
            // A lock is saved before its sessions are ended: this node's remembered checks must not outlast it.
            sessions.ForgetChecks(user.Id);
        }

        if (result.Succeeded && stampChanged)
        {
            await sessions.EndAllAsync(user.Id, "security stamp changed", null, null, ct: CancellationToken);
        }

        return result;
    }

    /// <summary>
    /// A deleted account's sessions end first, so its other browsers (on every node) are refused on their next request
    /// and their open pages told, as when its stamp changes.
    /// </summary>
    public override async Task<IdentityResult> DeleteAsync(ApplicationUser user)
    {
        await sessions.EndAllAsync(user.Id, "account deleted", user.Id, null, ct: CancellationToken);
        return await base.DeleteAsync(user);
    }

    /// <summary>Puts this manager where Identity's would be, whichever is registered first.</summary>
    public static void Register(IServiceCollection services) =>
        services.Replace(ServiceDescriptor.Scoped<UserManager<ApplicationUser>, SessionEndingUserManager>());
}
