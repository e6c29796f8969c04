using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using QrLoginPortal.Data;

namespace QrLoginPortal.Admin;

/// <summary>
/// Asks the database, at the moment of an admin action, whether the acting user is still an
/// unlocked administrator. A circuit's principal is a snapshot: a role removed or an account
/// locked since it was taken must stop the very next action, not the next sign-in.
/// </summary>
public sealed class AdminGuard(IDbContextFactory<ApplicationDbContext> dbFactory, TimeProvider clock)
{
    public async Task<bool> IsAdminNowAsync(ClaimsPrincipal user, CancellationToken ct = default)
    {
        var userId = user.FindFirstValue(ClaimTypes.NameIdentifier);
        if (userId is null)
        {
            return false;
        }

        var now = clock.GetUtcNow();
        var adminRole = Roles.Admin.ToUpperInvariant();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Users
            .Where(u => u.Id == userId && (u.LockoutEnd == null || u.LockoutEnd <= now))
            .Where(u => db.UserRoles.Any(ur => ur.UserId == u.Id
                                               && db.Roles.Any(r => r.Id == ur.RoleId && r.NormalizedName == adminRole)))
            .AnyAsync(ct);
    }
}
