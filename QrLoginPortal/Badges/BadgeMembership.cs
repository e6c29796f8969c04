using Microsoft.EntityFrameworkCore;
using QrLoginPortal.Data;

namespace QrLoginPortal.Badges;

/// <summary>Who counts as a member of a role named in badge rules: one definition for issuing and for checking badges.</summary>
internal static class BadgeMembership
{
    /// <summary>The members of <paramref name="role"/>: <see cref="BadgeRoles.Admin"/>, <see cref="BadgeRoles.User"/> (everyone else) or a created role.</summary>
    public static IQueryable<ApplicationUser> UsersInRole(ApplicationDbContext db, string role)
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
    public static async Task<HashSet<string>> RolesOfAsync(ApplicationDbContext db, string userId, CancellationToken ct)
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

    /// <summary>Whether one of <paramref name="roles"/> is named by the policy; role names are case-insensitive, as Identity's are.</summary>
    public static bool Names(List<string> policyRoles, HashSet<string> roles) => policyRoles.Any(roles.Contains);
}
