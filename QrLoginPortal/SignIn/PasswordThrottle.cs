using QrLoginPortal.QrLogin;

namespace QrLoginPortal.SignIn;

/// <summary>
/// Wrong passwords, on the sign-in page and through the authn API, throttle their source before
/// Identity's account lockout can be reached: an address gets <see cref="SignInLimitsOptions.FailedPasswordsPerAccountAndIp"/>
/// tries per account and <see cref="SignInLimitsOptions.FailedPasswordsPerIp"/> in all, then waits.
/// </summary>
public sealed class PasswordThrottle([FromKeyedServices(PasswordThrottle.Use)] AttemptLimiter limiter)
{
    public const string Use = "sign-in-passwords";
    private const int MaxUserNameLength = 256;

    public static AttemptLimits LimitsOf(SignInLimitsOptions o) =>
        new(o.FailedPasswordsPerAccountAndIp, o.FailedPasswordWindow, PerAddress: o.FailedPasswordsPerIp);

    /// <summary>How long <paramref name="ip"/> must wait before another password for <paramref name="userName"/>, or null.</summary>
    public TimeSpan? RetryAfter(string? userName, string? ip) => limiter.RetryAfter(new LimitedAttempt(Subject(userName), ip));

    /// <summary>Counts a refused password (wrong, unknown account, locked or not allowed: alike).</summary>
    public void RecordFailure(string? userName, string? ip) => limiter.Record(new LimitedAttempt(Subject(userName), ip));

    /// <summary>A sign-in form's refusal of a throttled address: 429 with Retry-After, and the message the form shows.</summary>
    public static string Refuse(HttpContext context, TimeSpan wait)
    {
        var seconds = (int)Math.Ceiling(wait.TotalSeconds);
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return $"Too many failed sign-ins from this address. Try again in {Plural.Wait(wait)}, or sign in with your phone.";
    }

    private static string Subject(string? userName)
    {
        var name = (userName ?? "").Trim().ToUpperInvariant();
        return name.Length <= MaxUserNameLength ? name : name[..MaxUserNameLength];
    }
}
