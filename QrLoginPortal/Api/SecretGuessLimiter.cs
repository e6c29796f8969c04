using QrLoginPortal.QrLogin;

namespace QrLoginPortal.Api;

/// <summary>
/// Counts failed secret look-ups through the API (a nonce or dsi that matches no code) per caller and
/// address, on the portal's <see cref="AttemptLimiter"/>; past <see cref="ApiOptions.FailedSecretGuessesPerCaller"/>
/// the caller gets 429 until the window ends.
/// </summary>
public sealed class SecretGuessLimiter([FromKeyedServices(SecretGuessLimiter.Use)] AttemptLimiter limiter)
{
    public const string Use = "api-secret-guesses";

    public static AttemptLimits LimitsOf(ApiOptions o) => new(o.FailedSecretGuessesPerCaller, TimeSpan.FromMinutes(15));

    public TimeSpan? RetryAfter(string key) => limiter.RetryAfter(new LimitedAttempt(key, Address: null));

    public void RecordFailure(string key) => limiter.Record(new LimitedAttempt(key, Address: null));

    public static string KeyOf(HttpContext context) => $"{context.User.ClientId()}|{context.ClientLimitKey()}";
}
