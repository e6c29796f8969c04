namespace QrLoginPortal.QrLogin;

/// <summary>Who asks for a QR code: the browser's address and user agent, and the hash of its binding cookie (null for API clients).</summary>
public sealed record QrRequester(string? Ip, string? UserAgent, byte[]? BrowserBindingHash = null);

/// <summary>A freshly created transaction with its two secrets in clear: the only time they exist outside a hash.</summary>
public sealed record NewQrTransaction(Guid Id, string Lsi, string Dsi, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, string ProfileId);

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
public sealed record ApprovalRequest(Guid Id, string? RequesterIp, string? RequesterUserAgent, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt);

public enum AttemptResult
{
    Approved,
    Denied,

    /// <summary>Unknown, expired or already used: deliberately one answer for all three.</summary>
    NotAvailable,

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
