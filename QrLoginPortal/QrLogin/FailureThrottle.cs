namespace QrLoginPortal.QrLogin;

/// <summary>
/// The budgets of one failure throttle, all over <paramref name="Window"/>: failures per source address
/// (whatever it guessed at), per subject and address, and per subject across addresses (0: no such budget).
/// </summary>
public sealed record FailureLimits(int PerAddress, int PerSubjectAndAddress, int PerSubject, TimeSpan Window);

/// <summary>
/// Throttles guessing at a secret of a subject (an account's password, an API client's secret) by its
/// source first: an address that failed too often, or failed too often at this subject, waits. The
/// subject-wide budget holds back only addresses that failed at this subject themselves, so strangers
/// spending it cannot lock the subject's owner out. Kept in memory on the injected clock.
/// </summary>
public sealed class FailureThrottle(TimeProvider clock, FailureLimits limits)
{
    private readonly WindowCounter _failures = new(clock, limits.Window);

    public FailureLimits Limits => limits;

    /// <summary>How long <paramref name="address"/> must wait before trying <paramref name="subject"/> again, or null.</summary>
    public TimeSpan? RetryAfter(string subject, string? address)
    {
        var (addressKey, pairKey, subjectKey) = Keys(subject, address);
        var wait = Longest(_failures.RetryAfter(addressKey, limits.PerAddress), _failures.RetryAfter(pairKey, limits.PerSubjectAndAddress));
        if (limits.PerSubject > 0 && _failures.RetryAfter(pairKey, 1) is { } ownFailures
            && _failures.RetryAfter(subjectKey, limits.PerSubject) is { } subjectWait)
        {
            wait = Longest(wait, TimeSpan.FromTicks(Math.Min(ownFailures.Ticks, subjectWait.Ticks)));
        }

        return wait;
    }

    public void RecordFailure(string subject, string? address)
    {
        var (addressKey, pairKey, subjectKey) = Keys(subject, address);
        _failures.Add(addressKey);
        _failures.Add(pairKey);
        if (limits.PerSubject > 0)
        {
            _failures.Add(subjectKey);
        }
    }

    private static (string Address, string Pair, string Subject) Keys(string subject, string? address)
    {
        // IPv6 counts per /64, as every per-address limit does.
        address = ClientAddress.LimitKey(address);
        return ($"a|{address}", $"p|{subject}|{address}", $"s|{subject}");
    }

    private static TimeSpan? Longest(TimeSpan? a, TimeSpan? b) => a is null ? b : b is null ? a : a > b ? a : b;
}
