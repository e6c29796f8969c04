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

/// <summary>Where a badge is presented: alone on the sign-in page, or after the holder's password.</summary>
/// <summary>What a role-wide badge action would touch; see <see cref="BadgeService.CountForRoleAsync"/>.</summary>
public sealed record RoleBadgeCounts(int PeopleToIssue, int BadgesReplaced, int UsableBadges);

public enum BadgeStep
{
    FirstStep,
    SecondStep,
}

/// <summary>The outcome of presenting a badge: the user it signs in, or a refusal (one for every reason).</summary>
public sealed record BadgeCheck(string? UserId, TimeSpan? RetryAfter = null)
{
    public bool Succeeded => UserId is not null;
}

/// <summary>
/// Badges: issue (voiding the holder's previous one), void, void a whole role, and check a presented
/// badge against the policy. Knows nothing of pages or HTTP; every change is audited.
/// </summary>
public sealed class BadgeService(IDbContextFactory<ApplicationDbContext> dbFactory, AuditLog audit, TimeProvider clock,
    [FromKeyedServices(BadgeService.FailureLimiter)] AttemptLimiter failures)
{
    /// <summary>Defaults of the failed badge presentations per client address per 15 minutes, and across the portal per hour (see <see cref="BadgeOptions"/>).</summary>
    public const int FailuresPerAddress = 10;
    public const int FailuresPerHour = 1000;

    /// <summary>The key of the limiter of wrong badges.</summary>
    public const string FailureLimiter = "badges";
    private const string WholePortal = "*";

    /// <summary>Wrong badges per address per 15 minutes, and across the portal per hour as the shared budget.</summary>
    public static AttemptLimits LimitsOf(BadgeOptions o) =>
        new(o.FailuresPerAddress, TimeSpan.FromMinutes(15), Shared: o.FailuresPerHour, SharedWindow: TimeSpan.FromHours(1));

    private readonly CachedRow<BadgePolicy> _policy = new(dbFactory, db => db.BadgePolicies.Where(p => p.Id == BadgePolicy.SingletonId),
        p => p.UpdatedAt, () => new BadgePolicy(), p => p.Copy(), clock);

    /// <summary>The policy in force (a copy); a save on another node is seen within <see cref="CachedRow{T}.RecheckAfter"/>.</summary>
    public Task<BadgePolicy> GetPolicyAsync(CancellationToken ct = default) => _policy.GetAsync(ct);

    /// <summary>Validates and saves the policy; the field errors, empty when saved.</summary>
    public async Task<IReadOnlyDictionary<string, string>> UpdatePolicyAsync(BadgePolicy proposed, string? actorUserId, string? actorName,
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
        _policy.Set(row);
        return errors;
    }

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
        var members = UsersInRole(db, role).Select(u => u.Id);
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
        var members = UsersInRole(db, role).Select(u => u.Id);
        var unlocked = UsersInRole(db, role).Where(ApplicationUser.UnlockedAt(now)).Select(u => u.Id);
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
        var policy = await GetPolicyAsync(ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return policy.Enabled && Names(policy.AllowedRoles, await RolesOfAsync(db, userId, ct));
    }

    /// <summary>Whether the policy lets <paramref name="userId"/> print (a new) badge of their own.</summary>
    public async Task<bool> MayPrintOwnAsync(string userId, CancellationToken ct = default)
    {
        var policy = await GetPolicyAsync(ct);
        if (!policy.Enabled || !policy.UsersMayPrintOwn)
        {
            return false;
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return Names(policy.AllowedRoles, await RolesOfAsync(db, userId, ct));
    }

    /// <summary>Whether the policy asks this user for their badge after their password.</summary>
    public async Task<bool> IsSecondStepRequiredAsync(string userId, CancellationToken ct = default)
    {
        var policy = await GetPolicyAsync(ct);
        if (!policy.Enabled || policy.SecondStepRoles.Count == 0)
        {
            return false;
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return Names(policy.SecondStepRoles, await RolesOfAsync(db, userId, ct));
    }

    /// <summary>
    /// Checks a scanned or typed badge. First step: it signs in whoever holds it, if the policy lets
    /// badges be a first step. Second step: it must be <paramref name="expectedUserId"/>'s. Wrong,
    /// voided, expired, foreign or disallowed badges all get the same refusal, and count against the address.
    /// The portal-wide budget is looked at only after the badge was: a flood of wrong badges makes wrong
    /// ones wait, never a valid one.
    /// </summary>
    public async Task<BadgeCheck> CheckAsync(string? value, BadgeStep step, string? expectedUserId, string? ip, CancellationToken ct = default)
    {
        var address = ip ?? "unknown";
        if (AddressWait(address) is { } wait)
        {
            await audit.WriteAsync(AuditTypes.BadgeSignIn, AuditOutcomes.Refused, expectedUserId, ip: ip, details: "too many failed badges", ct: ct);
            return new BadgeCheck(null, wait);
        }

        var policy = await GetPolicyAsync(ct);
        var secret = BadgeSecret.Normalize(value);
        var now = clock.GetUtcNow();
        string? userId = null;
        Guid? badgeId = null;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (policy.Enabled && secret is not null && (step == BadgeStep.SecondStep || policy.AllowAsFirstStep))
        {
            var hash = Secrets.Hash(secret);
            var unlocked = ApplicationUser.UnlockedAt(now);
            var badge = await db.Badges.AsNoTracking().Where(b => b.SecretHash == hash).Where(Badge.UsableAt(now))
                .Where(b => db.Users.Where(u => u.Id == b.UserId).Any(unlocked))
                .Select(b => new { b.Id, b.UserId }).SingleOrDefaultAsync(ct);
            var roles = badge is null ? null : await RolesOfAsync(db, badge.UserId, ct);
            // A role that must give its password first gets nothing from a badge alone.
            if (badge is not null && roles is not null && Names(policy.AllowedRoles, roles)
                && (step == BadgeStep.FirstStep ? !Names(policy.SecondStepRoles, roles) : badge.UserId == expectedUserId))
            {
                userId = badge.UserId;
                badgeId = badge.Id;
            }
        }

        if (userId is null)
        {
            var overall = CountFailure(address);
            await audit.WriteAsync(AuditTypes.BadgeSignIn, AuditOutcomes.Refused, expectedUserId, ip: ip,
                details: $"{Describe(step)}: unknown, voided, expired or not allowed badge", ct: ct);
            return new BadgeCheck(null, overall);
        }

        await db.Badges.Where(b => b.Id == badgeId).ExecuteUpdateAsync(s => s.SetProperty(b => b.LastUsedAt, now), ct);
        await audit.WriteAsync(AuditTypes.BadgeSignIn, AuditOutcomes.Success, userId, badgeId.ToString(), ip, Describe(step), ct);
        return new BadgeCheck(userId);
    }

    /// <summary>
    /// An "insecure ID badge" was scanned: the user it names, when the policy has ID badges on and
    /// that user may use badges, so the sign-in can ask for their password. Null (and counted against
    /// the address, like a wrong badge) otherwise.
    /// </summary>
    public async Task<BadgeCheck> FindIdBadgeHolderAsync(string? value, string? ip, CancellationToken ct = default)
    {
        var address = ip ?? "unknown";
        if (AddressWait(address) is { } wait)
        {
            return new BadgeCheck(null, wait);
        }

        var policy = await GetPolicyAsync(ct);
        var userName = IdBadge.UserNameOf(value);
        string? userId = null;
        if (policy.Enabled && policy.InsecureIdBadges && !string.IsNullOrEmpty(userName))
        {
            var now = clock.GetUtcNow();
            var normalized = userName.ToUpperInvariant();
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var holder = await db.Users.AsNoTracking().Where(u => u.NormalizedUserName == normalized).Where(ApplicationUser.UnlockedAt(now))
                .Select(u => u.Id).SingleOrDefaultAsync(ct);
            if (holder is not null && Names(policy.AllowedRoles, await RolesOfAsync(db, holder, ct)))
            {
                userId = holder;
            }
        }

        var overall = userId is null ? CountFailure(address) : null;
        await audit.WriteAsync(AuditTypes.BadgeSignIn, userId is null ? AuditOutcomes.Refused : AuditOutcomes.Success, userId, ip: ip,
            details: userId is null ? "ID badge: unknown, not allowed or ID badges off" : "ID badge scanned; password asked", ct: ct);
        return new BadgeCheck(userId, overall);
    }

    /// <summary>ID badges (the QR names the person) for these users, to print; empty unless the policy has ID badges on.</summary>
    public async Task<IReadOnlyList<PrintableBadge>> IdBadgesAsync(IReadOnlyList<string> userIds, string? actorUserId, string? ip,
        CancellationToken ct = default)
    {
        if (!(await GetPolicyAsync(ct)).InsecureIdBadges)
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
        return await UsersInRole(db, role).Where(ApplicationUser.UnlockedAt(now)).OrderBy(u => u.DisplayName ?? u.Email)
            .Select(u => u.Id).ToListAsync(ct);
    }

    private async Task<IReadOnlyList<IssuedBadge>> IssueManyAsync(IReadOnlyList<string> userIds, string? actorUserId, string? ip, CancellationToken ct)
    {
        var policy = await GetPolicyAsync(ct);
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

    /// <summary>How long <paramref name="address"/> must wait after too many failed badges of its own, or null (the portal-wide budget is not asked: it never holds up a valid badge).</summary>
    private TimeSpan? AddressWait(string address) => failures.RetryAfter(new LimitedAttempt("", address));

    /// <summary>Counts a wrong badge; how long wrong badges must wait because the portal-wide budget is spent, or null.</summary>
    private TimeSpan? CountFailure(string address)
    {
        failures.Record(new LimitedAttempt("", address, WholePortal));
        return failures.SharedRetryAfter(WholePortal);
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

    private static IQueryable<ApplicationUser> UsersInRole(ApplicationDbContext db, string role)
    {
        var admins = Accounts.Roles.AdminIds(db);
        if (role == BadgeRoles.Admin)
        {
            return db.Users.Where(u => admins.Contains(u.Id));
        }

        if (role == BadgeRoles.User)
        {
            return db.Users.Where(u => !admins.Contains(u.Id));
        }

        var normalized = role.ToUpperInvariant();
        var members = db.UserRoles.Where(ur => db.Roles.Any(r => r.Id == ur.RoleId && r.NormalizedName == normalized)).Select(ur => ur.UserId);
        return db.Users.Where(u => members.Contains(u.Id));
    }

    /// <summary>Every role a user counts as a member of for badge rules: User or Admin, and the roles an administrator put them in.</summary>
    private static async Task<HashSet<string>> RolesOfAsync(ApplicationDbContext db, string userId, CancellationToken ct)
    {
        var names = await db.UserRoles.Where(ur => ur.UserId == userId)
            .Join(db.Roles, ur => ur.RoleId, r => r.Id, (ur, r) => r.Name!)
            .ToListAsync(ct);
        var roles = new HashSet<string>(names.Where(n => n is not null), StringComparer.OrdinalIgnoreCase);
        if (!roles.Contains(BadgeRoles.Admin))
        {
            roles.Add(BadgeRoles.User);
        }

        return roles;
    }

    // Role names are case-insensitive, as Identity's are.
    private static bool Names(List<string> policyRoles, HashSet<string> roles) => policyRoles.Any(roles.Contains);

    private static string Describe(BadgeStep step) => step == BadgeStep.FirstStep ? "badge as first step" : "badge after password";

    private static string Describe(BadgePolicy p) =>
        $"{(p.Enabled ? "on" : "off")}, {(p.AllowAsFirstStep ? "first step" : "second step only")}, roles [{string.Join(",", p.AllowedRoles)}], " +
        $"after password [{string.Join(",", p.SecondStepRoles)}], lifetime {(p.LifetimeDays == 0 ? "never" : p.LifetimeDays + " days")}, " +
        $"self-service {(p.UsersMayPrintOwn ? "yes" : "no")}, insecure ID badges {(p.InsecureIdBadges ? "on" : "off")}";
}
