using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using QrLoginPortal.Accounts;
using QrLoginPortal.Audit;
using QrLoginPortal.Badges;
using QrLoginPortal.Data;

namespace QrLoginPortal.Admin;

/// <param name="InBadgePolicy">Named by the badge policy: it cannot be deleted until it is taken out there.</param>
public sealed record RoleRow(string Name, int Members, bool IsAdmin, bool InBadgePolicy);

public sealed record RoleMember(string UserId, string Email);

/// <summary>
/// Identity roles for administrators ("Pupils", "Staff"), so badge policies can name groups of people.
/// Every action is checked by <see cref="AdminGuard"/>, runs in its own scope (circuits outlive requests) and is audited.
/// The Admin role's members are managed on the users page, where its own rules (not yourself) apply.
/// </summary>
public sealed class RoleAdmin(
    IServiceScopeFactory scopeFactory,
    IDbContextFactory<ApplicationDbContext> dbFactory,
    AdminGuard guard,
    BadgePolicyStore badgePolicies,
    AuditLog audit)
{
    public const int MaxNameLength = 64;

    public async Task<IReadOnlyList<RoleRow>> ListAsync(CancellationToken ct = default)
    {
        var policy = await badgePolicies.GetAsync(ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var roles = await db.Roles.AsNoTracking()
            .Select(r => new { r.Name, r.NormalizedName, Members = db.UserRoles.Count(ur => ur.RoleId == r.Id) })
            .ToListAsync(ct);
        return [.. roles.Where(r => r.Name is not null)
            .Select(r => new RoleRow(r.Name!, r.Members, r.NormalizedName == Roles.AdminNormalized, InPolicy(policy, r.Name!)))
            .OrderByDescending(r => r.IsAdmin).ThenBy(r => r.Name, StringComparer.OrdinalIgnoreCase)];
    }

    public async Task<IReadOnlyList<RoleMember>> MembersAsync(string role, CancellationToken ct = default)
    {
        var normalized = role.ToUpperInvariant();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await (from ur in db.UserRoles
                      join r in db.Roles on ur.RoleId equals r.Id
                      join u in db.Users on ur.UserId equals u.Id
                      where r.NormalizedName == normalized
                      orderby u.Email
                      select new RoleMember(u.Id, u.Email ?? u.UserName ?? u.Id)).ToListAsync(ct);
    }

    public async Task<UserActionResult> CreateAsync(AdminActor actor, string? name, CancellationToken ct = default)
    {
        await guard.EnsureAsync(actor, ct);
        name = name?.Trim();
        if (NameProblem(name) is { } problem)
        {
            return UserActionResult.Refused(problem);
        }

        await using var scope = scopeFactory.CreateAsyncScope();
        var roles = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>();
        if (await roles.RoleExistsAsync(name!))
        {
            return UserActionResult.Refused($"A role named {name} already exists.");
        }

        var result = await roles.CreateAsync(new IdentityRole(name!));
        if (!result.Succeeded)
        {
            return UserActionResult.Refused(string.Join(" ", result.Errors.Select(e => e.Description)));
        }

        await audit.WriteAsync(AuditTypes.RoleCreate, AuditOutcomes.Success, actor.UserId, $"role {name}", actor.Ip, name, ct);
        return UserActionResult.Done($"The role {name} was created. Add people to it, then name it in the badge policy.");
    }

    public async Task<UserActionResult> DeleteAsync(AdminActor actor, string role, CancellationToken ct = default)
    {
        await guard.EnsureAsync(actor, ct);
        if (string.Equals(role, Roles.Admin, StringComparison.OrdinalIgnoreCase))
        {
            return await RefuseAsync(actor, AuditTypes.RoleDelete, role, "The Admin role cannot be deleted: the portal needs its administrators.", ct);
        }

        if (InPolicy(await badgePolicies.GetAsync(ct), role))
        {
            return await RefuseAsync(actor, AuditTypes.RoleDelete, role,
                $"The badge policy names {role}: take it out of the badge policy (Badges page) first, then delete the role.", ct);
        }

        await using var scope = scopeFactory.CreateAsyncScope();
        var roles = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>();
        if (await roles.FindByNameAsync(role) is not { } found)
        {
            return UserActionResult.Refused($"There is no role named {role} any more.");
        }

        var members = (await MembersAsync(role, ct)).Count;
        var result = await roles.DeleteAsync(found);
        if (!result.Succeeded)
        {
            return UserActionResult.Refused(string.Join(" ", result.Errors.Select(e => e.Description)));
        }

        await audit.WriteAsync(AuditTypes.RoleDelete, AuditOutcomes.Success, actor.UserId, $"role {role}", actor.Ip,
            $"{role}, {Plural.Of(members, "member")} taken out", ct);
        return UserActionResult.Done(members == 0 ? $"The role {role} was deleted."
            : $"The role {role} was deleted; its {(members == 1 ? "member keeps" : $"{members} members keep")} their account.");
    }

    public Task<UserActionResult> AddMemberAsync(AdminActor actor, string role, string? email, CancellationToken ct = default) =>
        ChangeMemberAsync(actor, role, email, add: true, ct);

    public Task<UserActionResult> RemoveMemberAsync(AdminActor actor, string role, string? email, CancellationToken ct = default) =>
        ChangeMemberAsync(actor, role, email, add: false, ct);

    private async Task<UserActionResult> ChangeMemberAsync(AdminActor actor, string role, string? email, bool add, CancellationToken ct)
    {
        await guard.EnsureAsync(actor, ct);
        if (string.Equals(role, Roles.Admin, StringComparison.OrdinalIgnoreCase))
        {
            return UserActionResult.Refused("Administrators are made and unmade on the Users page.");
        }

        await using var scope = scopeFactory.CreateAsyncScope();
        var roles = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        if (!await roles.RoleExistsAsync(role))
        {
            return UserActionResult.Refused($"There is no role named {role} any more.");
        }

        if (string.IsNullOrWhiteSpace(email) || await users.FindByEmailAsync(email.Trim()) is not { } user)
        {
            return UserActionResult.Refused("No user has that email address.");
        }

        if (await users.IsInRoleAsync(user, role) == add)
        {
            return UserActionResult.Refused(add ? $"{user.Email} is already in {role}." : $"{user.Email} is not in {role}.");
        }

        var result = add ? await users.AddToRoleAsync(user, role) : await users.RemoveFromRoleAsync(user, role);
        if (!result.Succeeded)
        {
            return UserActionResult.Refused(string.Join(" ", result.Errors.Select(e => e.Description)));
        }

        await audit.WriteAsync(add ? AuditTypes.UserRoleAdd : AuditTypes.UserRoleRemove, AuditOutcomes.Success, actor.UserId, user.Id,
            actor.Ip, $"{user.Email}: {role}", ct);
        return UserActionResult.Done(add ? $"{user.Email} is now in {role}." : $"{user.Email} is no longer in {role}.");
    }

    private async Task<UserActionResult> RefuseAsync(AdminActor actor, string type, string role, string message, CancellationToken ct)
    {
        await audit.WriteAsync(type, AuditOutcomes.Refused, actor.UserId, $"role {role}", actor.Ip, message, ct);
        return UserActionResult.Refused(message);
    }

    private static bool InPolicy(BadgePolicy policy, string role) =>
        policy.AllowedRoles.Concat(policy.SecondStepRoles).Contains(role, StringComparer.OrdinalIgnoreCase);

    /// <summary>Why a name cannot be a role, or null. "User" means everyone but administrators in badge rules, so it is not a role of its own.</summary>
    private static string? NameProblem(string? name) => name switch
    {
        null or "" => "Give the role a name, for example Pupils.",
        { Length: > MaxNameLength } => $"A role name has at most {MaxNameLength} characters.",
        _ when string.Equals(name, BadgeRoles.User, StringComparison.OrdinalIgnoreCase) =>
            "\"User\" already means everyone but administrators; choose another name.",
        _ when !name.All(c => char.IsLetterOrDigit(c) || c is ' ' or '-' or '_' or '.') =>
            "Use letters, digits, spaces, - _ and . only.",
        _ => null,
    };
}
