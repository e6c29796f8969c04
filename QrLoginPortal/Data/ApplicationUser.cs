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
    public static Expression<Func<ApplicationUser, bool>> UnlockedAt(DateTimeOffset now)
    {
        // The rule with its "now" bound to a captured value, so EF Core sends it as a parameter.
        var body = new Bind(UnlockedAtRule.Parameters[1], Expression.Field(Expression.Constant(new Instant(now)), nameof(Instant.Value)))
            .Visit(UnlockedAtRule.Body);
        return Expression.Lambda<Func<ApplicationUser, bool>>(body, UnlockedAtRule.Parameters[0]);
    }

    /// <summary>The same rule as <see cref="UnlockedAt"/>, for a user already loaded.</summary>
    public bool IsUnlockedAt(DateTimeOffset now) => UnlockedAtCompiled(this, now);

    private static readonly Expression<Func<ApplicationUser, DateTimeOffset, bool>> UnlockedAtRule =
        (u, now) => u.LockoutEnd == null || u.LockoutEnd <= now;

    private static readonly Func<ApplicationUser, DateTimeOffset, bool> UnlockedAtCompiled = UnlockedAtRule.Compile();

    private sealed class Instant(DateTimeOffset value)
    {
        public readonly DateTimeOffset Value = value;
    }

    private sealed class Bind(ParameterExpression parameter, Expression value) : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node) => node == parameter ? value : node;
    }

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
