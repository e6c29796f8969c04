using Microsoft.EntityFrameworkCore;
using QrLoginPortal.Data;

namespace QrLoginPortal.Audit;

/// <summary>Writes audit events, each in its own short-lived context so circuits and background work can use it.</summary>
public sealed class AuditLog(IDbContextFactory<ApplicationDbContext> dbFactory, TimeProvider clock)
{
    public async Task WriteAsync(string type, string outcome, string? userId = null, string? subject = null,
        string? ip = null, string? details = null, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        db.AuditEvents.Add(Create(type, outcome, userId, subject, ip, details));
        await db.SaveChangesAsync(ct);
    }

    /// <summary>An event stamped with the current time, for callers that save it with their own changes.</summary>
    public AuditEvent Create(string type, string outcome, string? userId = null, string? subject = null,
        string? ip = null, string? details = null) => new()
        {
            At = clock.GetUtcNow(),
            Type = type,
            Outcome = outcome,
            UserId = userId,
            Subject = subject,
            Ip = ip,
            Details = details,
        };
}
