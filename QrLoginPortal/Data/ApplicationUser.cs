using System.Linq.Expressions;
using Microsoft.AspNetCore.Identity;

namespace QrLoginPortal.Data;

public class ApplicationUser : IdentityUser
{
    /// <summary>
    /// The end an administrator's lock sets (<c>UserAdmin.LockAsync</c>): it never ends by itself.
    /// Identity's failed-password lockout always ends after minutes, which is how the two are told apart.
    /// </summary>
    public static readonly DateTimeOffset AdminLockEnd = DateTimeOffset.MaxValue;

    // Anything this far out is an administrator's lock (the stored value loses sub-millisecond
    // precision, so the test is "at least", never "equal to DateTimeOffset.MaxValue").
    private static readonly DateTimeOffset AdminLockFrom = new(9000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// The one definition of "not locked out at <paramref name="now"/>" (by an administrator or by
    /// failed passwords), usable inside database queries: who may start a new sign-in.
    /// </summary>
    public static Expression<Func<ApplicationUser, bool>> UnlockedAt(DateTimeOffset now) =>
        u => u.LockoutEnd == null || u.LockoutEnd <= now;

    /// <summary>
    /// The one definition of "not locked by an administrator", usable inside database queries: whose
    /// existing sessions (and admin rights) still count. A failed-password lockout stops new sign-ins
    /// only, so that strangers typing wrong passwords cannot sign the owner out of their browsers.
    /// </summary>
    public static Expression<Func<ApplicationUser, bool>> NotLockedByAdmin() =>
        u => u.LockoutEnd == null || u.LockoutEnd < AdminLockFrom;

    /// <summary>
    /// A user claim on an account whose password the person did not choose (the first administrator's,
    /// generated at start): until they choose their own, the portal offers nothing else
    /// (<c>Components/Account/ChoosePasswordGate</c>). Removed once they have.
    /// </summary>
    public const string MustChoosePasswordClaim = "qrlogin:must_choose_password";

    /// <summary>The name shown to administrators and on badges; the email when empty.</summary>
    [System.ComponentModel.DataAnnotations.MaxLength(128)]
    public string? DisplayName { get; set; }

    /// <summary>What to call the person: the display name, else the email, else the user name (not stored).</summary>
    public string ShownName => string.IsNullOrWhiteSpace(DisplayName) ? Email ?? UserName ?? Id : DisplayName;

    /// <summary>Whether an administrator locked this account (see <see cref="NotLockedByAdmin"/>).</summary>
    public bool IsLockedByAdmin => !NotLockedByAdminCompiled(this);

    private static readonly Func<ApplicationUser, bool> NotLockedByAdminCompiled = NotLockedByAdmin().Compile();
}
