using Microsoft.EntityFrameworkCore;
using QrLoginPortal.Audit;
using QrLoginPortal.Data;
using QrLoginPortal.QrLogin;

namespace QrLoginPortal.Badges;

/// <summary>A badge just issued: the only moment its secret exists outside a hash (to print it).</summary>
public sealed record IssuedBadge(Guid BadgeId, string UserId, string Name, string? Email, string Secret, DateTimeOffset IssuedAt,
    DateTimeOffset? ExpiresAt)
{
    public string QrContent => BadgeSecret.QrContent(Secret);
    public string Grouped => BadgeSecret.Grouped(Secret);

    public PrintableBadge ToPrintable() => new(UserId, Name, Email, QrContent, Grouped, ExpiresAt);
}

/// <summary>One badge on a print sheet: whose, the QR content, and the line printed under it.</summary>
public sealed record PrintableBadge(string UserId, string Name, string? Email, string QrContent, string Caption, DateTimeOffset? ExpiresAt);

/// <summary>What an administrator or the holder sees of a user's badge.</summary>
public sealed record BadgeView(Guid Id, string UserId, DateTimeOffset IssuedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? VoidedAt,
    string? VoidedReason, DateTimeOffset? LastUsedAt);

/// <summary>What a role-wide badge action would touch; see <see cref="BadgeService.CountForRoleAsync"/>.</summary>
public sealed record RoleBadgeCounts(int PeopleToIssue, int BadgesReplaced, int UsableBadges);

/// <summary>
/// Badges: issue (voiding the holder's previous one), void, void a whole role, and the queries of who
/// holds one and who may use or print one. Knows nothing of pages or HTTP; every change is audited.
/// The policy is <see cref="BadgePolicyStore"/>'s; a presented badge is <see cref="BadgeSignInCheck"/>'s.
/// </summary>
public sealed class BadgeService(IDbContextFactory<ApplicationDbContext> dbFactory, BadgePolicyStore policies, AuditLog audit, TimeProvider clock)
{
    /// <summary>A new badge for <paramref name="userId"/>; their previous badge stops working.</summary>
    public async Task<IssuedBadge?> IssueAsync(string userId, string? actorUserId, string? ip, CancellationToken ct = default) =>
        (await IssueManyAsync([userId], actorUserId, ip, ct)).SingleOrDefault();

    /// <summary>New badges for these users (a filtered list to print at once), voiding their previous ones; unknown ids are skipped.</summary>
    public Task<IReadOnlyList<IssuedBadge>> IssueForUsersAsync(IReadOnlyList<string> userIds, string? actorUserId, string? ip,
        CancellationToken ct = default) =>
        IssueManyAsync(userIds, actorUserId, ip, ct);

    /// <summary>New badges for every unlocked member of <paramref name="role"/> (a sheet to print), voiding their previous ones.</summary>
    public async Task<IReadOnlyList<IssuedBadge>> IssueForRoleAsync(string role, string? actorUserId, string? ip, CancellationToken ct = default) =>
        await IssueManyAsync(await MembersAsync(role, ct), actorUserId, ip, ct);

    /// <summary>Voids the user's usable badge (lost, stolen, left); false when they had none.</summary>
    public async Task<bool> VoidAsync(string userId, string reason, string? actorUserId, string? ip, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var voided = await db.Badges.Where(b => b.UserId == userId).Where(Badge.UsableAt(now))
            .ExecuteUpdateAsync(s => s.SetProperty(b => b.VoidedAt, now).SetProperty(b => b.VoidedReason, reason), ct);
        await audit.WriteAsync(AuditTypes.BadgeVoid, voided > 0 ? AuditOutcomes.Success : AuditOutcomes.Refused, actorUserId, userId, ip,
            voided > 0 ? reason : "no usable badge", ct);
        return voided > 0;
    }

    /// <summary>Voids every usable badge of the members of <paramref name="role"/> (end of the school year); how many.</summary>
    public async Task<int> VoidAllForRoleAsync(string role, string? actorUserId, string? ip, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        var reason = $"all badges of role {role} voided";
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var members = BadgeMembership.UsersInRole(db, role).Select(u => u.Id);
        var voided = await db.Badges.Where(b => members.Contains(b.UserId)).Where(Badge.UsableAt(now))
            .ExecuteUpdateAsync(s => s.SetProperty(b => b.VoidedAt, now).SetProperty(b => b.VoidedReason, reason), ct);
        await audit.WriteAsync(AuditTypes.BadgeVoid, AuditOutcomes.Success, actorUserId, $"role {role}", ip, $"{Plural.Of(voided, "badge")} voided", ct);
        return voided;
    }

    /// <summary>
    /// For the admin's confirmation: how many members of <paramref name="role"/> a role-wide issue would
    /// give a badge (the unlocked ones) and how many usable badges it would replace, and how many usable
    /// badges the role holds in all (what voiding them all stops). The same filters as the actions.
    /// </summary>
    public async Task<RoleBadgeCounts> CountForRoleAsync(string role, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var members = BadgeMembership.UsersInRole(db, role).Select(u => u.Id);
        var unlocked = BadgeMembership.UsersInRole(db, role).Where(ApplicationUser.UnlockedAt(now)).Select(u => u.Id);
        var usable = db.Badges.Where(Badge.UsableAt(now));
        return new RoleBadgeCounts(
            await unlocked.CountAsync(ct),
            await usable.CountAsync(b => unlocked.Contains(b.UserId), ct),
            await usable.CountAsync(b => members.Contains(b.UserId), ct));
    }

    /// <summary>The user's usable badge, if any.</summary>
    public async Task<BadgeView?> GetUsableAsync(string userId, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Badges.AsNoTracking().Where(b => b.UserId == userId).Where(Badge.UsableAt(now))
            .Select(ToView)
            .FirstOrDefaultAsync(ct);
    }

    /// <summary>The usable badges of these users, by user id (for the admin list).</summary>
    public async Task<IReadOnlyDictionary<string, BadgeView>> GetUsableAsync(IReadOnlyCollection<string> userIds, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var badges = await db.Badges.AsNoTracking().Where(b => userIds.Contains(b.UserId)).Where(Badge.UsableAt(now))
            .Select(ToView)
            .ToListAsync(ct);
        return badges.ToDictionary(b => b.UserId);
    }

    /// <summary>Whether the policy is on and lets <paramref name="userId"/>'s role use badges.</summary>
    public async Task<bool> MayUseBadgesAsync(string userId, CancellationToken ct = default)
    {
        var policy = await policies.GetAsync(ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return policy.Enabled && BadgeMembership.Names(policy.AllowedRoles, await BadgeMembership.RolesOfAsync(db, userId, ct));
    }

    /// <summary>Whether the policy lets <paramref name="userId"/> print (a new) badge of their own.</summary>
    public async Task<bool> MayPrintOwnAsync(string userId, CancellationToken ct = default)
    {
        var policy = await policies.GetAsync(ct);
        if (!policy.Enabled || !policy.UsersMayPrintOwn)
        {
            return false;
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return BadgeMembership.Names(policy.AllowedRoles, await BadgeMembership.RolesOfAsync(db, userId, ct));
    }

    /// <summary>Whether the policy asks this user for their badge after their password.</summary>
    public async Task<bool> IsSecondStepRequiredAsync(string userId, CancellationToken ct = default)
    {
        var policy = await policies.GetAsync(ct);
        if (!policy.Enabled || policy.SecondStepRoles.Count == 0)
        {
            return false;
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return BadgeMembership.Names(policy.SecondStepRoles, await BadgeMembership.RolesOfAsync(db, userId, ct));
    }

    /// <summary>ID badges (the QR names the person) for these users, to print; empty unless the policy has ID badges on.</summary>
    public async Task<IReadOnlyList<PrintableBadge>> IdBadgesAsync(IReadOnlyList<string> userIds, string? actorUserId, string? ip,
        CancellationToken ct = default)
    {
        if (!(await policies.GetAsync(ct)).InsecureIdBadges)
        {
            return [];
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var users = await db.Users.AsNoTracking().Where(u => userIds.Contains(u.Id)).ToListAsync(ct);
        var badges = users.Where(u => u.UserName is not null).Select(u => new PrintableBadge(u.Id, u.ShownName, u.Email, IdBadge.QrContent(u.UserName!),
            $"ID badge: {u.UserName} (password still needed)", null)).ToList();
        await audit.WriteAsync(AuditTypes.BadgeIssue, AuditOutcomes.Success, actorUserId, Plural.Of(badges.Count, "user"), ip,
            "insecure ID badges printed", ct);
        return badges;
    }

    /// <summary>The members of a role, for printing their ID badges.</summary>
    public async Task<IReadOnlyList<string>> MembersAsync(string role, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await BadgeMembership.UsersInRole(db, role).Where(ApplicationUser.UnlockedAt(now)).OrderBy(u => u.DisplayName ?? u.Email)
            .Select(u => u.Id).ToListAsync(ct);
    }

    private async Task<IReadOnlyList<IssuedBadge>> IssueManyAsync(IReadOnlyList<string> userIds, string? actorUserId, string? ip, CancellationToken ct)
    {
        var policy = await policies.GetAsync(ct);
        var now = clock.GetUtcNow();
        DateTimeOffset? expiresAt = policy.LifetimeDays > 0 ? now.AddDays(policy.LifetimeDays) : null;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var users = await db.Users.AsNoTracking().Where(u => userIds.Contains(u.Id)).ToDictionaryAsync(u => u.Id, ct);
        var issued = new List<IssuedBadge>();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        // Everyone's previous badge stops working, in one statement.
        await db.Badges.Where(b => userIds.Contains(b.UserId)).Where(Badge.UsableAt(now))
            .ExecuteUpdateAsync(s => s.SetProperty(b => b.VoidedAt, now).SetProperty(b => b.VoidedReason, "replaced by a new badge"), ct);
        foreach (var userId in userIds.Where(users.ContainsKey))
        {
            var user = users[userId];
            var secret = BadgeSecret.Generate();
            var badge = new Badge
            {
                Id = Guid.CreateVersion7(now),
                UserId = userId,
                SecretHash = Secrets.Hash(secret),
                IssuedAt = now,
                IssuedBy = actorUserId,
                ExpiresAt = expiresAt,
            };
            db.Badges.Add(badge);
            db.AuditEvents.Add(audit.Create(AuditTypes.BadgeIssue, AuditOutcomes.Success, actorUserId, userId, ip,
                expiresAt is null ? "never expires" : $"expires {expiresAt:yyyy-MM-dd}"));
            issued.Add(new IssuedBadge(badge.Id, userId, user.ShownName, user.Email, secret, now, expiresAt));
        }

        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return issued;
    }

    private static readonly System.Linq.Expressions.Expression<Func<Badge, BadgeView>> ToView =
        b => new BadgeView(b.Id, b.UserId, b.IssuedAt, b.ExpiresAt, b.VoidedAt, b.VoidedReason, b.LastUsedAt);
}
