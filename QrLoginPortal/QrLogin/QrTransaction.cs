using System.Linq.Expressions;

namespace QrLoginPortal.QrLogin;

/// <summary>The state of a QR login transaction. Only <see cref="Pending"/> ever moves, and only once.</summary>
public enum QrTransactionState
{
    Pending,
    Success,

    /// <summary>Denied on the phone (the row then names the user who answered) or cancelled with no answer; <see cref="QrOutcomes"/> tells them apart.</summary>
    Failed,
    Timeout,
}

/// <summary>
/// One QR sign-in attempt. The lsi travels in the QR code to the phone; the dsi stays with the
/// browser that asked. Both are stored only as SHA-256 hashes so a copy of the database cannot
/// be used to approve or claim anything.
/// </summary>
public sealed class QrTransaction
{
    public Guid Id { get; init; }
    public required byte[] LsiHash { get; init; }
    public required byte[] DsiHash { get; init; }
    public QrTransactionState State { get; set; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; init; }
    public DateTimeOffset? ScannedAt { get; set; }
    public string ProfileId { get; init; } = QrLoginDefaults.ProfileId;

    public string? RequesterIp { get; init; }
    public string? RequesterUserAgent { get; init; }

    /// <summary>Hash of the browser-binding cookie of the browser that started the flow; null for API clients.</summary>
    public byte[]? BrowserBindingHash { get; init; }

    public string? UserId { get; set; }
    public string? ApproverIp { get; set; }
    public string? ApproverUserAgent { get; set; }
    public bool KeepSignedIn { get; set; }

    public byte[]? TicketHash { get; set; }
    public DateTimeOffset? TicketExpiresAt { get; set; }
    public DateTimeOffset? ConsumedAt { get; set; }

    public bool IsExpired(DateTimeOffset now) => now >= ExpiresAt;

    public bool IsFinished => State != QrTransactionState.Pending;

    /// <summary>Whether a phone may still approve or deny it at <paramref name="now"/>.</summary>
    public bool CanBeAttempted(DateTimeOffset now) => State == QrTransactionState.Pending && !IsExpired(now);

    public bool IsScanned => ScannedAt is not null;

    // The same rules as the guards above, as expressions, so every compare-and-set update in
    // the database asks exactly what the entity would.
    internal static Expression<Func<QrTransaction, bool>> AttemptableAt(DateTimeOffset now) =>
        t => t.State == QrTransactionState.Pending && t.ExpiresAt > now;

    internal static Expression<Func<QrTransaction, bool>> OverdueAt(DateTimeOffset now) =>
        t => t.State == QrTransactionState.Pending && t.ExpiresAt <= now;
}
