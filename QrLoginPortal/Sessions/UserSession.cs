namespace QrLoginPortal.Sessions;

/// <summary>One signed-in browser: created when the authentication cookie is issued, checked on every request.</summary>
public sealed class UserSession
{
    public Guid Id { get; init; }
    public required string UserId { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset LastSeenAt { get; set; }
    public string? Ip { get; init; }
    public string? UserAgent { get; init; }

    /// <summary>How the person signed in: "qr", "pwd", "passkey", "external", ….</summary>
    public required string Method { get; init; }

    public bool Persistent { get; init; }
    public DateTimeOffset? EndedAt { get; set; }
    public string? EndedReason { get; set; }

    /// <summary>Hash of a one-time single sign-on token that turns this session into a browser cookie (module-chain API).</summary>
    public byte[]? SsoTokenHash { get; set; }
    public DateTimeOffset? SsoTokenExpiresAt { get; set; }

    /// <summary>Still signed in: not ended. The one definition; every query of the session store asks it.</summary>
    internal static readonly System.Linq.Expressions.Expression<Func<UserSession, bool>> IsOpen = s => s.EndedAt == null;
}
