using Microsoft.Extensions.Options;

namespace QrLoginPortal.QrLogin;

/// <summary>Thrown when QR attempts or new codes are refused for a while because of too many.</summary>
public sealed class QrAttemptsThrottledException(TimeSpan retryAfter)
    : InvalidOperationException("Too many QR sign-in attempts.")
{
    public TimeSpan RetryAfter { get; } = retryAfter;
}

/// <summary>
/// Who tried a code: a signed-in user from an address, or an API client (an authenticator backend)
/// naming the user it vouches for. Failures count against the source, never against a user named by someone else.
/// </summary>
public sealed record AttemptSource(string UserId, string? Ip, string? ApiClientId = null);

/// <summary>
/// Counts failed lsi look-ups (codes that match no transaction) per source (a user at an address, the
/// address, or an API client) and across the portal, and new codes per requesting address. A guesser
/// with one account hits the per-user limit, one address with many accounts the per-address limit,
/// many addresses together the global budget. Lives in the engine so every caller (phone page, API)
/// shares the same counters.
/// </summary>
public sealed class FailedAttemptLimiter(TimeProvider clock, IOptions<QrLoginOptions> options)
{
    private const string GlobalKey = "*";
    private static readonly TimeSpan SourceWindow = TimeSpan.FromMinutes(15);

    private readonly WindowCounter _perSource = new(clock, SourceWindow);
    private readonly WindowCounter _global = new(clock, TimeSpan.FromHours(1));
    private readonly WindowCounter _createdPerIp = new(clock, TimeSpan.FromMinutes(1));

    /// <summary>
    /// Refuses a source that used up its own failed attempts, or that has failed at all while the
    /// portal-wide budget is spent. Sources without a failure of their own are never held up by the
    /// budget, so a spray of guesses cannot lock honest people out of signing in.
    /// </summary>
    /// <exception cref="QrAttemptsThrottledException">This source may not try another code yet.</exception>
    public void ThrowIfThrottled(AttemptSource source)
    {
        var budgets = Budgets(source);
        TimeSpan? wait = null;
        foreach (var (key, limit) in budgets)
        {
            wait = Longest(wait, _perSource.RetryAfter(key, limit));
        }

        if (wait is null && _perSource.RetryAfter(budgets[0].Key, 1) is { } ownFailures)
        {
            wait = _global.RetryAfter(GlobalKey, options.Value.FailedAttemptsPerHour) is { } global
                ? TimeSpan.FromTicks(Math.Min(global.Ticks, ownFailures.Ticks))
                : null;
        }

        if (wait is { } retryAfter)
        {
            throw new QrAttemptsThrottledException(retryAfter);
        }
    }

    public void RecordFailure(AttemptSource source)
    {
        _global.Add(GlobalKey);
        foreach (var (key, _) in Budgets(source))
        {
            _perSource.Add(key);
        }
    }

    /// <summary>Counts a new code for <paramref name="ip"/>.</summary>
    /// <exception cref="QrAttemptsThrottledException">This address asked for too many codes in the last minute.</exception>
    public void CountCreation(string? ip)
    {
        var key = ClientAddress.LimitKey(ip);
        if (_createdPerIp.RetryAfter(key, options.Value.CreatedPerMinutePerIp) is { } retryAfter)
        {
            throw new QrAttemptsThrottledException(retryAfter);
        }

        _createdPerIp.Add(key);
    }

    /// <summary>The budgets a source's failures count against, its own first: an API client's, or the user's at that address and the address's.</summary>
    private (string Key, int Limit)[] Budgets(AttemptSource source)
    {
        var o = options.Value;
        var ip = ClientAddress.LimitKey(source.Ip);
        return source.ApiClientId is { } client
            ? [($"client|{client}", o.FailedAttemptsPerApiClient)]
            : [($"user|{source.UserId}|{ip}", o.FailedAttemptsPerUser), ($"ip|{ip}", o.FailedAttemptsPerIp)];
    }

    private static TimeSpan? Longest(TimeSpan? a, TimeSpan? b) => a is null ? b : b is null ? a : a > b ? a : b;
}
