using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Query;

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

    /// <summary>Keyed hash of the code to type instead of scanning (<see cref="UserCodeKey"/>); null when none was shown.</summary>
    public byte[]? UserCodeHash { get; init; }

    /// <summary>The two digits the sign-in page shows after the scan and the phone must pick; null when number matching was off at creation.</summary>
    public int? MatchNumber { get; init; }

    /// <summary>The three numbers the phone offers, in the order it shows them (<see cref="FormatChoices"/>); null without number matching.</summary>
    public string? MatchChoices { get; init; }

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

    /// <summary>
    /// How the phone's choices are stored: the right one (first in <paramref name="rightFirst"/>) among the others in a
    /// random order, so what the page shows does not depend on which one is right.
    /// </summary>
    internal static string FormatChoices(int[] rightFirst)
    {
        var shuffled = (int[])rightFirst.Clone();
        System.Security.Cryptography.RandomNumberGenerator.Shuffle(shuffled.AsSpan());
        return string.Join(' ', shuffled);
    }

    internal static int[]? ParseChoices(string? stored) =>
        stored?.Split(' ').Select(n => int.Parse(n, System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    // The rules of a transaction, written once as expressions so the database asks exactly them;
    // nothing reads them in memory (a page only ever sees the pushed or queried state).

    /// <summary>Still waiting for its phone: the only state that ever moves.</summary>
    internal static readonly Expression<Func<QrTransaction, bool>> IsPending = t => t.State == QrTransactionState.Pending;

    /// <summary>Answered, cancelled or expired: kept only for its retention period.</summary>
    internal static readonly Expression<Func<QrTransaction, bool>> IsFinished = t => t.State != QrTransactionState.Pending;

    /// <summary>A phone may still approve or deny it at <paramref name="now"/> (it expires at <see cref="ExpiresAt"/> exactly).</summary>
    internal static Expression<Func<QrTransaction, bool>> AttemptableAt(DateTimeOffset now) =>
        t => t.State == QrTransactionState.Pending && t.ExpiresAt > now;

    /// <summary>Still PENDING although its time is up at <paramref name="now"/>: the sweeper's to expire. The complement of <see cref="AttemptableAt"/> among pending ones.</summary>
    internal static Expression<Func<QrTransaction, bool>> OverdueAt(DateTimeOffset now) =>
        t => t.State == QrTransactionState.Pending && t.ExpiresAt <= now;

    /// <summary>
    /// The one way a transaction leaves PENDING: a single compare-and-set update of <paramref name="rows"/>
    /// (already narrowed to one transaction and its further conditions) that also stamps the time;
    /// true when this caller moved it, false when it was no longer pending (someone else won). The phone's answer, the
    /// hot path, is the same compare-and-set written once in SQL (<see cref="QrTransactionCommands.Answer"/>, issue 16).
    /// </summary>
    /// <param name="also">Further columns the same update sets (who approved, from where).</param>
    internal static async Task<bool> TryMoveAsync(IQueryable<QrTransaction> rows, QrTransactionState to, DateTimeOffset now,
        Action<UpdateSettersBuilder<QrTransaction>>? also, CancellationToken ct) =>
        await rows.Where(IsPending).ExecuteUpdateAsync(s =>
        {
            s.SetProperty(t => t.State, to).SetProperty(t => t.UpdatedAt, now);
            also?.Invoke(s);
        }, ct) == 1;
}
