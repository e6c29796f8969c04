using Microsoft.Extensions.Options;

namespace QrLoginPortal.QrLogin;

/// <summary>Thrown when QR attempts or new codes are refused for a while because of too many.</summary>
public sealed class QrAttemptsThrottledException(TimeSpan retryAfter)
    : InvalidOperationException("Too many QR sign-in attempts.")
{
    public TimeSpan RetryAfter { get; } = retryAfter;
}

/// <summary>
/// Counts failed lsi look-ups (unknown, expired or used codes) per user and across the portal, and
/// new codes per requesting address. A guesser with one account hits the per-user limit; many
/// accounts together hit the global budget. Lives in the engine so every caller (phone page, API)
/// shares the same counters.
/// </summary>
public sealed class FailedAttemptLimiter(TimeProvider clock, IOptions<QrLoginOptions> options)
{
    private const string GlobalKey = "*";

    private readonly WindowCounter _perUser = new(clock, TimeSpan.FromMinutes(15));
    private readonly WindowCounter _global = new(clock, TimeSpan.FromHours(1));
    private readonly WindowCounter _createdPerIp = new(clock, TimeSpan.FromMinutes(1));

    /// <summary>
    /// Refuses a user who used up their own failed attempts, or who has failed at all while the
    /// portal-wide budget is spent. Users without a failure of their own are never held up by the
    /// budget, so a spray of guesses cannot lock honest people out of signing in.
    /// </summary>
    /// <exception cref="QrAttemptsThrottledException">This user may not try another code yet.</exception>
    public void ThrowIfThrottled(string userId)
    {
        var wait = _perUser.RetryAfter(userId, options.Value.FailedAttemptsPerUser);
        if (wait is null && _perUser.RetryAfter(userId, 1) is { } ownFailures)
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

    public void RecordFailure(string userId)
    {
        _global.Add(GlobalKey);
        _perUser.Add(userId);
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
}
