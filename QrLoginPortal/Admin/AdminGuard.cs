using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using QrLoginPortal.Data;

namespace QrLoginPortal.Admin;

/// <summary>Who performs an admin action, as the page saw them; checked again by <see cref="AdminGuard"/> for every action.</summary>
public sealed record AdminActor(string? UserId, string? Name, string? Ip)
{
    public static AdminActor From(ClaimsPrincipal user, string? ip) =>
        new(user.FindFirstValue(ClaimTypes.NameIdentifier), user.Identity?.Name, ip);
}

/// <summary>Thrown when an admin action is attempted by someone who is not (or no longer) an unlocked administrator.</summary>
public sealed class AdminAccessDeniedException() : UnauthorizedAccessException("You are no longer an administrator; nothing was changed.");

/// <summary>
/// Asks the database, at the moment of an admin action, whether the acting user is still an
/// unlocked administrator. A circuit's principal is a snapshot: a role removed or an account
/// locked since it was taken must stop the very next action, not the next sign-in.
/// </summary>
public sealed class AdminGuard(IDbContextFactory<ApplicationDbContext> dbFactory, QrLoginPortal.Audit.AuditLog audit)
{
    public Task<bool> IsAdminNowAsync(ClaimsPrincipal user, CancellationToken ct = default) =>
        IsAdminNowAsync(user.FindFirstValue(ClaimTypes.NameIdentifier), ct);

    public async Task<bool> IsAdminNowAsync(string? userId, CancellationToken ct = default)
    {
        if (userId is null)
        {
            return false;
        }

        var adminRole = Roles.Admin.ToUpperInvariant();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Users
            .Where(u => u.Id == userId)
            // Only an administrator's lock stops an open console: wrong passwords typed by others must not.
            .Where(ApplicationUser.NotLockedByAdmin())
            .Where(u => db.UserRoles.Any(ur => ur.UserId == u.Id
                                               && db.Roles.Any(r => r.Id == ur.RoleId && r.NormalizedName == adminRole)))
            .AnyAsync(ct);
    }

    /// <exception cref="AdminAccessDeniedException">The actor is not an unlocked administrator right now.</exception>
    public async Task EnsureAsync(AdminActor actor, CancellationToken ct = default)
    {
        if (!await IsAdminNowAsync(actor.UserId, ct))
        {
            await audit.WriteAsync(QrLoginPortal.Audit.AuditTypes.AdminRefused, QrLoginPortal.Audit.AuditOutcomes.Refused, actor.UserId,
                ip: actor.Ip, details: "admin action by a user who is not (or no longer) an unlocked administrator", ct: ct);
            throw new AdminAccessDeniedException();
        }
    }
}
