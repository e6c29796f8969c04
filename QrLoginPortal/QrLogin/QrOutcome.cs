using System.Linq.Expressions;

namespace QrLoginPortal.QrLogin;

/// <summary>
/// What happened to a code, in the words people use. The stored <see cref="QrTransactionState.Failed"/> covers
/// two different stories: the person said "this was not me" on their phone (the only path that records who
/// answered, so <see cref="QrTransaction.UserId"/> is set) and a code that nobody answered because its page
/// was closed, replaced or stopped by an administrator (no user). Only the first is a denial.
/// </summary>
public enum QrOutcome
{
    Pending,
    Scanned,
    Approved,
    Denied,
    Cancelled,
    Expired,
}

/// <summary>The one place that turns a stored state into an outcome and an outcome into words and queries.</summary>
public static class QrOutcomes
{
    /// <summary>The outcomes an administrator can filter on, in the order the screens show them.</summary>
    public static readonly QrOutcome[] Filters = [QrOutcome.Pending, QrOutcome.Approved, QrOutcome.Denied, QrOutcome.Cancelled, QrOutcome.Expired];

    public static QrOutcome Of(QrTransactionState state, bool scanned, string? userId) => state switch
    {
        QrTransactionState.Pending => scanned ? QrOutcome.Scanned : QrOutcome.Pending,
        QrTransactionState.Success => QrOutcome.Approved,
        QrTransactionState.Failed => userId is null ? QrOutcome.Cancelled : QrOutcome.Denied,
        QrTransactionState.Timeout => QrOutcome.Expired,
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    public static string Word(QrOutcome outcome) => outcome switch
    {
        QrOutcome.Pending => "Pending",
        QrOutcome.Scanned => "Scanned",
        QrOutcome.Approved => "Approved",
        QrOutcome.Denied => "Denied",
        QrOutcome.Cancelled => "Cancelled",
        QrOutcome.Expired => "Expired",
        _ => outcome.ToString(),
    };

    /// <summary>The same rule as <see cref="Of"/>, for the database. Pending includes scanned codes (both still wait for an answer).</summary>
    public static Expression<Func<QrTransaction, bool>> Is(QrOutcome outcome) => outcome switch
    {
        QrOutcome.Pending => t => t.State == QrTransactionState.Pending,
        QrOutcome.Scanned => t => t.State == QrTransactionState.Pending && t.ScannedAt != null,
        QrOutcome.Approved => t => t.State == QrTransactionState.Success,
        QrOutcome.Denied => t => t.State == QrTransactionState.Failed && t.UserId != null,
        QrOutcome.Cancelled => t => t.State == QrTransactionState.Failed && t.UserId == null,
        QrOutcome.Expired => t => t.State == QrTransactionState.Timeout,
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, null),
    };
}
