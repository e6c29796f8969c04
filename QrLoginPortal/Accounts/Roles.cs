using QrLoginPortal.Data;

namespace QrLoginPortal.Accounts;

public static class Roles
{
    /// <summary>The Identity role of administrators.</summary>
    public const string Admin = "Admin";

    /// <summary>
    /// Everyone who is not an administrator. Not an Identity role: the name the badge rules and the
    /// new-user form give to the people without the <see cref="Admin"/> role.
    /// </summary>
    public const string User = "User";

    /// <summary>The Admin role's name as Identity stores it normalized.</summary>
    public static readonly string AdminNormalized = Admin.ToUpperInvariant();

    /// <summary>
    /// The one definition of "is an administrator": the ids of the users who hold the
    /// <see cref="Admin"/> role, as a query to compose with others (<c>admins.Contains(u.Id)</c>).
    /// Whether the account is also unlocked is the caller's rule (<see cref="ApplicationUser"/>).
    /// </summary>
    public static IQueryable<string> AdminIds(ApplicationDbContext db) =>
        db.UserRoles.Where(ur => db.Roles.Any(r => r.Id == ur.RoleId && r.NormalizedName == AdminNormalized)).Select(ur => ur.UserId);
}

public static class Policies
{
    public const string Admin = "Admin";
}
