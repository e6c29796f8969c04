using QrLoginPortal.QrLogin;

namespace QrLoginPortal.Api;

/// <summary>
/// Counts failed secret look-ups through the API (a nonce that matches no code) per caller and
/// address; past the budget the caller gets 429 until the window ends.
/// </summary>
public sealed class SecretGuessLimiter(TimeProvider clock)
{
    public const int FailuresPerWindow = 30;
    private readonly WindowCounter _failures = new(clock, TimeSpan.FromMinutes(15));

    public TimeSpan? RetryAfter(string key) => _failures.RetryAfter(key, FailuresPerWindow);

    public void RecordFailure(string key) => _failures.Add(key);

    public static string KeyOf(HttpContext context) => $"{context.User.ClientId()}|{context.ClientLimitKey()}";
}
