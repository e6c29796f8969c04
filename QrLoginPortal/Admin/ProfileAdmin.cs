using Microsoft.EntityFrameworkCore;
using QrLoginPortal.Api;
using QrLoginPortal.Audit;
using QrLoginPortal.Data;

namespace QrLoginPortal.Admin;

/// <summary>Registration profiles for administrators: create, rename, enable/disable; checked by <see cref="AdminGuard"/> and audited.</summary>
public sealed class ProfileAdmin(IDbContextFactory<ApplicationDbContext> dbFactory, AdminGuard guard, AuditLog audit, TimeProvider clock,
    RegistrationProfiles profiles)
{
    public async Task<IReadOnlyList<RegistrationProfile>> ListAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.RegistrationProfiles.AsNoTracking().OrderBy(p => p.Name).ToListAsync(ct);
    }

    public async Task<UserActionResult> CreateAsync(AdminActor actor, string? name, CancellationToken ct = default)
    {
        await guard.EnsureAsync(actor, ct);
        if (Invalid(name) is { } problem)
        {
            return UserActionResult.Refused(problem);
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        name = name!.Trim();
        if (await db.RegistrationProfiles.AnyAsync(p => p.Name == name, ct))
        {
            return UserActionResult.Refused($"A profile named \"{name}\" already exists.");
        }

        var profile = new RegistrationProfile { Id = Guid.NewGuid().ToString(), Name = name, CreatedAt = clock.GetUtcNow() };
        db.RegistrationProfiles.Add(profile);
        db.AuditEvents.Add(audit.Create(AuditTypes.ProfileChange, AuditOutcomes.Success, actor.UserId, profile.Id, actor.Ip, $"created \"{name}\""));
        await db.SaveChangesAsync(ct);
        profiles.Changed();
        return UserActionResult.Done($"Created \"{name}\" (id {profile.Id}).");
    }

    public async Task<UserActionResult> RenameAsync(AdminActor actor, string id, string? name, CancellationToken ct = default)
    {
        await guard.EnsureAsync(actor, ct);
        if (Invalid(name) is { } problem)
        {
            return UserActionResult.Refused(problem);
        }

        name = name!.Trim();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (await db.RegistrationProfiles.AnyAsync(p => p.Name == name && p.Id != id, ct))
        {
            return UserActionResult.Refused($"A profile named \"{name}\" already exists.");
        }

        var changed = await db.RegistrationProfiles.Where(p => p.Id == id).ExecuteUpdateAsync(s => s.SetProperty(p => p.Name, name), ct);
        if (changed == 0)
        {
            return UserActionResult.Refused("That profile no longer exists.");
        }

        await audit.WriteAsync(AuditTypes.ProfileChange, AuditOutcomes.Success, actor.UserId, id, actor.Ip, $"renamed to \"{name}\"", ct);
        return UserActionResult.Done($"Renamed to \"{name}\".");
    }

    public async Task<UserActionResult> SetEnabledAsync(AdminActor actor, string id, bool enabled, CancellationToken ct = default)
    {
        await guard.EnsureAsync(actor, ct);
        if (!enabled && id == RegistrationProfile.DefaultId)
        {
            return UserActionResult.Refused("The default profile is used by the sign-in page and cannot be disabled.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var changed = await db.RegistrationProfiles.Where(p => p.Id == id).ExecuteUpdateAsync(s => s.SetProperty(p => p.Enabled, enabled), ct);
        profiles.Changed();
        if (changed == 0)
        {
            return UserActionResult.Refused("That profile no longer exists.");
        }

        await audit.WriteAsync(AuditTypes.ProfileChange, AuditOutcomes.Success, actor.UserId, id, actor.Ip, enabled ? "enabled" : "disabled", ct);
        return UserActionResult.Done(enabled ? "Enabled: new API transactions may use it." : "Disabled: new API transactions cannot use it.");
    }

    private static string? Invalid(string? name) =>
        string.IsNullOrWhiteSpace(name) || name.Trim().Length > 128 ? "Give the profile a name of 1 to 128 characters." : null;
}
