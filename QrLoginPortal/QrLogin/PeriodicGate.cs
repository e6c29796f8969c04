namespace QrLoginPortal.QrLogin;

/// <summary>
/// Lets one caller through at most once per interval, however many threads ask at once: the clean-ups
/// that run on the way of a write (expired entries, ended counter windows) cost a scan, not every write.
/// </summary>
public sealed class PeriodicGate(TimeSpan interval)
{
    // The first ask passes.
    private long _nextTicks;

    /// <summary>True for exactly one caller once <paramref name="now"/> has reached the next due time.</summary>
    public bool TryPass(DateTimeOffset now)
    {
        var due = Interlocked.Read(ref _nextTicks);
        return now.UtcTicks >= due && Interlocked.CompareExchange(ref _nextTicks, (now + interval).UtcTicks, due) == due;
    }
}
