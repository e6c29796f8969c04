using Microsoft.EntityFrameworkCore;
using QrLoginPortal.Audit;
using QrLoginPortal.Data;
using QrLoginPortal.QrLogin;

namespace QrLoginPortal.Badges;

/// <summary>Where a badge is presented: alone on the sign-in page, or after the holder's password.</summary>
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
/// A presented badge checked against the policy, with the throttling of wrong ones: a sign-in badge
/// (first or second step) or an insecure ID badge. Knows nothing of pages, HTTP or Identity's sign-in;
/// every presentation is audited.
/// </summary>
public sealed class BadgeSignInCheck(IDbContextFactory<ApplicationDbContext> dbFactory, BadgePolicyStore policies, AuditLog audit,
    TimeProvider clock, [FromKeyedServices(BadgeSignInCheck.FailureLimiter)] AttemptLimiter failures)
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

        var policy = await policies.GetAsync(ct);
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
            var roles = badge is null ? null : await BadgeMembership.RolesOfAsync(db, badge.UserId, ct);
            // A role that must give its password first gets nothing from a badge alone.
            if (badge is not null && roles is not null && BadgeMembership.Names(policy.AllowedRoles, roles)
                && (step == BadgeStep.FirstStep ? !BadgeMembership.Names(policy.SecondStepRoles, roles) : badge.UserId == expectedUserId))
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

        var policy = await policies.GetAsync(ct);
        var userName = IdBadge.UserNameOf(value);
        string? userId = null;
        if (policy.Enabled && policy.InsecureIdBadges && !string.IsNullOrEmpty(userName))
        {
            var now = clock.GetUtcNow();
            var normalized = userName.ToUpperInvariant();
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var holder = await db.Users.AsNoTracking().Where(u => u.NormalizedUserName == normalized).Where(ApplicationUser.UnlockedAt(now))
                .Select(u => u.Id).SingleOrDefaultAsync(ct);
            if (holder is not null && BadgeMembership.Names(policy.AllowedRoles, await BadgeMembership.RolesOfAsync(db, holder, ct)))
            {
                userId = holder;
            }
        }

        var overall = userId is null ? CountFailure(address) : null;
        await audit.WriteAsync(AuditTypes.BadgeSignIn, userId is null ? AuditOutcomes.Refused : AuditOutcomes.Success, userId, ip: ip,
            details: userId is null ? "ID badge: unknown, not allowed or ID badges off" : "ID badge scanned; password asked", ct: ct);
        return new BadgeCheck(userId, overall);
    }

    /// <summary>How long <paramref name="address"/> must wait after too many failed badges of its own, or null (the portal-wide budget is not asked: it never holds up a valid badge).</summary>
    private TimeSpan? AddressWait(string address) => failures.RetryAfter(new LimitedAttempt("", address));

    /// <summary>Counts a wrong badge; how long wrong badges must wait because the portal-wide budget is spent, or null.</summary>
    private TimeSpan? CountFailure(string address)
    {
        failures.Record(new LimitedAttempt("", address, WholePortal));
        return failures.SharedRetryAfter(WholePortal);
    }

    private static string Describe(BadgeStep step) => step == BadgeStep.FirstStep ? "badge as first step" : "badge after password";
}
