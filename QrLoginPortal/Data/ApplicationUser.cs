using Microsoft.AspNetCore.Identity;

namespace QrLoginPortal.Data;

public class ApplicationUser : IdentityUser
{
    /// <summary>The one definition of "not locked out at <paramref name="now"/>", usable inside database queries.</summary>
    public static System.Linq.Expressions.Expression<Func<ApplicationUser, bool>> UnlockedAt(DateTimeOffset now) =>
        u => u.LockoutEnd == null || u.LockoutEnd <= now;

    /// <summary>The name shown to administrators and on badges; the email when empty.</summary>
    [System.ComponentModel.DataAnnotations.MaxLength(128)]
    public string? DisplayName { get; set; }

    /// <summary>What to call the person: the display name, else the email, else the user name (not stored).</summary>
    public string ShownName => string.IsNullOrWhiteSpace(DisplayName) ? Email ?? UserName ?? Id : DisplayName;
}

