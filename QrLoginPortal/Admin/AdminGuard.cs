using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using QrLoginPortal.Accounts;
using QrLoginPortal.Data;
using QrLoginPortal.Sessions;

namespace QrLoginPortal.Admin;

/// <summary>
/// Who performs an admin action, as the page saw them: the user and the session (signed-in browser)
/// the page belongs to; checked again by <see cref="AdminGuard"/> for every action.
/// </summary>
public sealed record AdminActor(string? UserId, string? Name, string? Ip, Guid? SessionId = null)
{
    public static AdminActor From(ClaimsPrincipal user, string? ip) =>
        new(user.FindFirstValue(ClaimTypes.NameIdentifier), user.Identity?.Name, ip,
            Guid.TryParse(user.FindFirstValue(SessionStore.SessionClaim), out var sessionId) ? sessionId : null);
}

/// <summary>Thrown when an admin action is attempted by someone who is not (or no longer) an unlocked administrator in a live session.</summary>
public sealed class AdminAccessDeniedException(string message = AdminAccessDeniedException.NotAdmin) : UnauthorizedAccessException(message)
{
    public const string NotAdmin = "You are no longer an administrator; nothing was changed.";
    public const string SessionEnded = "This browser was signed out; nothing was changed. Sign in again.";
}

/// <summary>
/// Asks the database, at the moment of an admin action, whether the acting user is still an
/// unlocked administrator and the acting browser still signed in. A circuit's principal is a
/// snapshot: a role removed, an account locked or a session ended since it was taken must stop the
/// very next action, not the next sign-in or the circuit's next revalidation.
/// </summary>
public sealed class AdminGuard(IDbContextFactory<ApplicationDbContext> dbFactory, SessionStore sessions,
    QrLoginPortal.Audit.AuditLog audit)
{
    public Task<bool> IsAdminNowAsync(ClaimsPrincipal user, CancellationToken ct = default) =>
        IsAdminNowAsync(AdminActor.From(user, null), ct);

    public async Task<bool> IsAdminNowAsync(AdminActor actor, CancellationToken ct = default) =>
        await IsSessionLiveAsync(actor, ct) && await HasAdminRoleUnlockedAsync(actor.UserId, ct);

    // Every admin principal comes from a cookie that carries its session; one without is refused.
    private async Task<bool> IsSessionLiveAsync(AdminActor actor, CancellationToken ct) =>
        actor is { UserId: { } userId, SessionId: { } sessionId } && await sessions.IsActiveAsync(sessionId, userId, ct);

    private async Task<bool> HasAdminRoleUnlockedAsync(string? userId, CancellationToken ct)
    {
        if (userId is null)
        {
            return false;
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var admins = Roles.AdminIds(db);
        return await db.Users
            .Where(u => u.Id == userId)
            // Only an administrator's lock stops an open console: wrong passwords typed by others must not.
            .Where(ApplicationUser.NotLockedByAdmin())
            .Where(u => admins.Contains(u.Id))
            .AnyAsync(ct);
    }

    /// <exception cref="AdminAccessDeniedException">The actor is not an unlocked administrator in a live session right now.</exception>
    public async Task EnsureAsync(AdminActor actor, CancellationToken ct = default)
    {
        if (!await IsSessionLiveAsync(actor, ct))
        {
            await RefuseAsync(actor, "admin action from a browser whose session has ended", ct);
            throw new AdminAccessDeniedException(AdminAccessDeniedException.SessionEnded);
        }

        if (!await HasAdminRoleUnlockedAsync(actor.UserId, ct))
        {
            await RefuseAsync(actor, "admin action by a user who is not (or no longer) an unlocked administrator", ct);
            throw new AdminAccessDeniedException();
        }
    }

    private Task RefuseAsync(AdminActor actor, string details, CancellationToken ct) =>
        audit.WriteAsync(QrLoginPortal.Audit.AuditTypes.AdminRefused, QrLoginPortal.Audit.AuditOutcomes.Refused, actor.UserId,
            ip: actor.Ip, details: details, ct: ct);
}
