namespace QrLoginPortal.QrLogin;

/// <summary>Who asks for a QR code: the browser's address and user agent, and the hash of its binding cookie (null for API clients).</summary>
/// <param name="SignInPage">
/// The portal's own sign-in page asks: it shows a code to type under the QR and, when the policy asks for it, the
/// digits to match after the scan. API clients show neither, and a code nobody shows would only be one more to guess.
/// </param>
public sealed record QrRequester(string? Ip, string? UserAgent, byte[]? BrowserBindingHash = null, bool SignInPage = false);

/// <summary>A freshly created transaction with its secrets in clear: the only time they exist outside a hash.</summary>
/// <param name="UserCode">The code to type instead of scanning (<see cref="UserCodes"/>); null when none is shown.</param>
/// <param name="MatchNumber">The two digits to show after the scan, which the phone must pick; null when number matching is off.</param>
/// <param name="Ticket">
/// The one-time sign-in ticket of a browser-bound code (<see cref="QrTicketService.TicketOnApprovalAsync"/>), made with it so the
/// approval's push needs no write; redeemable only once approved, for 30 s from the approval. Null for API clients.
/// </param>
public sealed record NewQrTransaction(Guid Id, string Lsi, string Dsi, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, string ProfileId,
    string? UserCode = null, int? MatchNumber = null, string? Ticket = null);

/// <summary>What the holder of the dsi may read about a transaction.</summary>
public sealed record QrTransactionView(
    Guid Id,
    QrTransactionState State,
    bool Scanned,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset ExpiresAt,
    string ProfileId,
    string? UserId);

/// <summary>What the phone shows about the browser that asks to be signed in.</summary>
/// <param name="NumberChoices">
/// With number matching: three numbers in random order, one of them the one the sign-in page shows. The phone
/// offers them instead of a plain Approve; nothing here tells which is right.
/// </param>
public sealed record ApprovalRequest(Guid Id, string? RequesterIp, string? RequesterUserAgent, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt,
    IReadOnlyList<int>? NumberChoices = null);

public enum AttemptResult
{
    Approved,
    Denied,

    /// <summary>Unknown, expired or already used: deliberately one answer for all three.</summary>
    NotAvailable,

    /// <summary>The phone picked a number the sign-in page did not show: the sign-in was denied as suspected phishing.</summary>
    WrongNumber,
    /// <summary>
    /// The policy asks this approver for their passkey and the approval carried no verification of it
    /// for this user and this transaction: nothing changed (the transaction stays PENDING).
    /// </summary>
    PasskeyRequired,
}

/// <summary>
/// A fact the page layer established before approving: <paramref name="UserId"/> answered a WebAuthn
/// assertion, with user verification, for a challenge made for <paramref name="TransactionId"/>, against
/// one of their own stored passkeys. The engine only checks that the fact names this approver and this
/// transaction; how it was verified is not the engine's business (no ASP.NET here).
/// </summary>
public sealed record ApproverVerification(string UserId, Guid TransactionId);

/// <summary>Whether a user is an administrator, for the approver passkey policy; the one definition lives in Accounts.</summary>
public interface IApproverRoles
{
    Task<bool> IsAdminAsync(string userId, CancellationToken ct = default);
}

/// <summary>A redeemed sign-in ticket: who approved, and whether the browser should stay signed in.</summary>
public sealed record RedeemedTicket(Guid TransactionId, string UserId, bool KeepSignedIn);

/// <summary>Thrown when a QR code is asked for while an administrator has QR sign-in switched off.</summary>
public sealed class QrLoginDisabledException() : InvalidOperationException("QR sign-in is disabled.");

/// <summary>Thrown when a typed code is presented while typed codes are switched off (or cannot work on this portal).</summary>
public sealed class UserCodesDisabledException() : InvalidOperationException("Typed sign-in codes are switched off.");
