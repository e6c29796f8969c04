using System.Collections.Concurrent;

namespace QrLoginPortal.QrLogin;

/// <summary>Counts events per key in fixed windows on the injected clock (testable without sleeping).</summary>
internal sealed class WindowCounter(TimeProvider clock, TimeSpan window)
{
    private const int PruneAbove = 10_000;
    private readonly ConcurrentDictionary<string, Window> _windows = new();

    /// <summary>How long until <paramref name="key"/> may act again, or null when it is under <paramref name="limit"/>.</summary>
    public TimeSpan? RetryAfter(string key, int limit)
    {
        var now = clock.GetUtcNow();
        return _windows.TryGetValue(key, out var w) && w.IsActive(now, window) && w.Count >= limit
            ? w.Start + window - now
            : null;
    }

    public void Add(string key)
    {
        var now = clock.GetUtcNow();
        _windows.AddOrUpdate(key, _ => new Window(now, 1),
            (_, w) => w.IsActive(now, window) ? w with { Count = w.Count + 1 } : new Window(now, 1));

        // Keep the map from growing without bound under a spray of keys.
        if (_windows.Count > PruneAbove)
        {
            foreach (var (k, w) in _windows)
            {
                if (!w.IsActive(now, window))
                {
                    _windows.TryRemove(k, out _);
                }
            }
        }
    }

    private sealed record Window(DateTimeOffset Start, int Count)
    {
        public bool IsActive(DateTimeOffset now, TimeSpan length) => now < Start + length;
    }
}
