using System.Linq.Expressions;

namespace QrLoginPortal.Badges;

/// <summary>
/// A sign-in badge: a QR code a person holds (printed, or on their phone) and shows to the webcam of
/// the sign-in page. Only the SHA-256 of its secret is stored; a user has at most one usable badge.
/// </summary>
public sealed class Badge
{
    public Guid Id { get; init; }
    public required string UserId { get; init; }
    public required byte[] SecretHash { get; init; }
    public DateTimeOffset IssuedAt { get; init; }
    public string? IssuedBy { get; init; }

    /// <summary>Null: never expires (policy lifetime "never" when it was issued).</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    public DateTimeOffset? VoidedAt { get; set; }
    public string? VoidedReason { get; set; }
    public DateTimeOffset? LastUsedAt { get; set; }

    /// <summary>Whether the badge signs anyone in at <paramref name="now"/>: not voided, not expired. The one definition; every query asks it.</summary>
    internal static Expression<Func<Badge, bool>> UsableAt(DateTimeOffset now) =>
        b => b.VoidedAt == null && (b.ExpiresAt == null || b.ExpiresAt > now);
}
