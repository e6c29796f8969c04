using Microsoft.EntityFrameworkCore;
using QrLoginPortal.Audit;
using QrLoginPortal.Data;
using QrLoginPortal.QrLogin;

namespace QrLoginPortal.Badges;

/// <summary>
/// Reads and changes the single badge policy row, as <see cref="QrSettingsStore"/> does the QR settings:
/// reads are served from memory (<see cref="CachedRow{T}"/>), a change is validated, saved, audited, then served.
/// </summary>
public sealed class BadgePolicyStore(IDbContextFactory<ApplicationDbContext> dbFactory, AuditLog audit, TimeProvider clock)
{
    private readonly CachedRow<BadgePolicy> _current = new(dbFactory, db => db.BadgePolicies.Where(p => p.Id == BadgePolicy.SingletonId),
        p => p.UpdatedAt, () => new BadgePolicy(), p => p.Copy(), clock);

    /// <summary>The policy in force (a copy); a save on another node is seen within <see cref="CachedRow{T}.RecheckAfter"/>.</summary>
    public Task<BadgePolicy> GetAsync(CancellationToken ct = default) => _current.GetAsync(ct);

    /// <summary>Validates and saves the policy; the field errors, empty when saved.</summary>
    public async Task<IReadOnlyDictionary<string, string>> UpdateAsync(BadgePolicy proposed, string? actorUserId, string? actorName,
        string? ip, CancellationToken ct = default)
    {
        var errors = proposed.Validate(await RoleNamesAsync(ct));
        if (errors.Count > 0)
        {
            return errors;
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var row = await db.BadgePolicies.SingleOrDefaultAsync(p => p.Id == BadgePolicy.SingletonId, ct);
        var before = row is null ? new BadgePolicy() : row.Copy();
        if (row is null)
        {
            row = new BadgePolicy();
            db.BadgePolicies.Add(row);
        }

        row.Enabled = proposed.Enabled;
        row.AllowAsFirstStep = proposed.AllowAsFirstStep;
        row.AllowedRoles = [.. proposed.AllowedRoles.Distinct()];
        row.SecondStepRoles = [.. proposed.SecondStepRoles.Distinct()];
        row.LifetimeDays = proposed.LifetimeDays;
        row.UsersMayPrintOwn = proposed.UsersMayPrintOwn;
        row.InsecureIdBadges = proposed.InsecureIdBadges;
        row.UpdatedAt = clock.GetUtcNow();
        row.UpdatedBy = actorName;
        db.AuditEvents.Add(audit.Create(AuditTypes.BadgePolicyChange, AuditOutcomes.Success, actorUserId, "badge-policy", ip,
            $"{Describe(before)} → {Describe(row)}"));
        await db.SaveChangesAsync(ct);
        _current.Set(row);
        return errors;
    }

    /// <summary>
    /// The roles badge rules can name: <see cref="BadgeRoles.User"/> (everyone but administrators),
    /// <see cref="BadgeRoles.Admin"/>, and every role an administrator created ("Pupils").
    /// </summary>
    public async Task<IReadOnlyList<string>> RoleNamesAsync(CancellationToken ct = default)
    {
        var adminRole = Accounts.Roles.AdminNormalized;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var created = await db.Roles.AsNoTracking().Where(r => r.NormalizedName != adminRole && r.Name != null)
            .Select(r => r.Name!).ToListAsync(ct);
        return [.. BadgeRoles.All, .. created.Where(n => !BadgeRoles.All.Contains(n, StringComparer.OrdinalIgnoreCase)).Order(StringComparer.OrdinalIgnoreCase)];
    }

    private static string Describe(BadgePolicy p) =>
        $"{(p.Enabled ? "on" : "off")}, {(p.AllowAsFirstStep ? "first step" : "second step only")}, roles [{string.Join(",", p.AllowedRoles)}], " +
        $"after password [{string.Join(",", p.SecondStepRoles)}], lifetime {(p.LifetimeDays == 0 ? "never" : p.LifetimeDays + " days")}, " +
        $"self-service {(p.UsersMayPrintOwn ? "yes" : "no")}, insecure ID badges {(p.InsecureIdBadges ? "on" : "off")}";
}
