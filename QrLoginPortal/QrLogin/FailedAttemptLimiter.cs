using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace QrLoginPortal.QrLogin;

/// <summary>Thrown when lsi attempts are refused for a while because too many failed.</summary>
public sealed class QrAttemptsThrottledException(TimeSpan retryAfter)
    : InvalidOperationException("Too many failed sign-in code attempts.")
{
    public TimeSpan RetryAfter { get; } = retryAfter;
}

/// <summary>
/// Counts failed lsi look-ups (unknown, expired or used codes) per user and across the portal. A
/// guesser with one account hits the per-user limit; many accounts or addresses together hit the
/// global budget. Lives in the engine so every caller (phone page, API) shares the same counters.
/// </summary>
public sealed class FailedAttemptLimiter(TimeProvider clock, IOptions<QrLoginOptions> options)
{
    private static readonly TimeSpan UserWindow = TimeSpan.FromMinutes(15);
    private static readonly TimeSpan GlobalWindow = TimeSpan.FromHours(1);

    private readonly ConcurrentDictionary<string, Window> _users = new();
    private Window _global = new(DateTimeOffset.MinValue, 0);
    private readonly Lock _globalLock = new();

    /// <exception cref="QrAttemptsThrottledException">The user or the whole portal has used up its failed attempts.</exception>
    public void ThrowIfThrottled(string userId)
    {
        var now = clock.GetUtcNow();
        lock (_globalLock)
        {
            if (_global.IsActive(now, GlobalWindow) && _global.Count >= options.Value.FailedAttemptsPerHour)
            {
                throw new QrAttemptsThrottledException(_global.Start + GlobalWindow - now);
            }
        }

        if (_users.TryGetValue(userId, out var user) && user.IsActive(now, UserWindow) && user.Count >= options.Value.FailedAttemptsPerUser)
        {
            throw new QrAttemptsThrottledException(user.Start + UserWindow - now);
        }
    }

    public void RecordFailure(string userId)
    {
        var now = clock.GetUtcNow();
        lock (_globalLock)
        {
            _global = _global.IsActive(now, GlobalWindow) ? _global with { Count = _global.Count + 1 } : new Window(now, 1);
        }

        _users.AddOrUpdate(userId, _ => new Window(now, 1),
            (_, w) => w.IsActive(now, UserWindow) ? w with { Count = w.Count + 1 } : new Window(now, 1));

        // Keep the map from growing without bound under a spray of accounts.
        if (_users.Count > 10_000)
        {
            foreach (var (key, window) in _users)
            {
                if (!window.IsActive(now, UserWindow))
                {
                    _users.TryRemove(key, out _);
                }
            }
        }
    }

    private sealed record Window(DateTimeOffset Start, int Count)
    {
        public bool IsActive(DateTimeOffset now, TimeSpan length) => now < Start + length;
    }
}
