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

    /// <summary>Where the sign-out button of the top bar lands: "You are signed out".</summary>
    public const string SignedOutPage = "/signed-out";

    /// <summary>
    /// Where an open page (at <paramref name="currentPage"/>) goes when its session ended for <paramref name="cause"/>: the
    /// sign-in page with its notice, <see cref="SignedOutPage"/>, or the same page again when a new sign-in replaced the session.
    /// </summary>
    public static string PageFor(SessionEndCause cause, string currentPage) => cause switch
    {
        SessionEndCause.Replaced => currentPage,
        SessionEndCause.SignedOutHere => SignedOutPage,
        SessionEndCause.AccountLocked => $"/login?{QueryName}={LockedCode}",
        SessionEndCause.SignedOut => $"/login?{QueryName}={SignedOutCode}",
        _ => throw new ArgumentOutOfRangeException(nameof(cause), cause, null),
    };

    /// <summary>The message for a code of <see cref="LoginUrl"/>; null for anything else.</summary>
    public static string? Message(string? code) => code switch
    {
        SignedOutCode => "You were signed out of this browser.",
        LockedCode => "Your account was locked by an administrator.",
        _ => null,
    };
}
