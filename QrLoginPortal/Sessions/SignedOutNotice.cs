namespace QrLoginPortal.Sessions;

/// <summary>
/// Where an open page goes when its session ended, and what the sign-in page then says. The query
/// carries a fixed code, never text, so nobody can make the sign-in page say something else.
/// </summary>
public static class SignedOutNotice
{
    public const string QueryName = "ended";

    private const string SignedOutCode = "browser";
    private const string LockedCode = "locked";

    /// <summary>The sign-in page with the notice for <paramref name="cause"/>.</summary>
    public static string LoginUrl(SessionEndCause cause) =>
        $"/login?{QueryName}={(cause == SessionEndCause.AccountLocked ? LockedCode : SignedOutCode)}";

    /// <summary>The message for a code of <see cref="LoginUrl"/>; null for anything else.</summary>
    public static string? Message(string? code) => code switch
    {
        SignedOutCode => "You were signed out of this browser.",
        LockedCode => "Your account was locked by an administrator.",
        _ => null,
    };
}
