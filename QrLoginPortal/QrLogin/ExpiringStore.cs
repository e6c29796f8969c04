using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace QrLoginPortal.QrLogin;

/// <summary>
/// Short-lived entries that vanish at their expiry (authn flows, badge print sheets), changed only by
/// compare-and-set so two requests racing on one entry cannot both win. In memory on one node
/// (<see cref="InMemoryExpiringStore{TKey, TValue}"/>); rows in the database when several nodes share
/// one (<see cref="DatabaseExpiringStore{TKey, TValue}"/>), so an entry made on one node is found on another.
/// </summary>
public interface IExpiringStore<TKey, TValue> where TKey : notnull
{
    /// <summary>Stores <paramref name="value"/> under a new <paramref name="key"/> until <paramref name="lifetime"/> from now.</summary>
    void Add(TKey key, TValue value, TimeSpan lifetime);

    /// <summary>The live entry under <paramref name="key"/>; false when there is none or it expired.</summary>
    bool TryGet(TKey key, [MaybeNullWhen(false)] out TValue value);

    /// <summary>Replaces the live entry if it is still <paramref name="expected"/>, keeping its expiry; false when someone changed it first or it expired.</summary>
    bool TryReplace(TKey key, TValue expected, TValue replacement);

    /// <summary>Removes the entry if it is still <paramref name="expected"/>; false when it was removed, changed or expired first.</summary>
    bool TryRemove(TKey key, TValue expected);
}

/// <summary>The expiring store of one node, on the injected clock; expired entries are dropped as they are met and swept out on additions.</summary>
public sealed class InMemoryExpiringStore<TKey, TValue>(TimeProvider clock) : IExpiringStore<TKey, TValue> where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, Entry> _entries = new();

    // Sweeping is a scan of every entry: at most once a second, whatever the traffic.
    private readonly PeriodicGate _sweep = new(TimeSpan.FromSeconds(1));

    /// <summary>Entries held, expired ones not yet swept included.</summary>
    public int Count => _entries.Count;

    public void Add(TKey key, TValue value, TimeSpan lifetime)
    {
        var now = clock.GetUtcNow();
        Sweep(now);
        _entries[key] = new Entry(value, now + lifetime);
    }

    public bool TryGet(TKey key, [MaybeNullWhen(false)] out TValue value)
    {
        if (_entries.TryGetValue(key, out var entry))
        {
            if (entry.ExpiresAt > clock.GetUtcNow())
            {
                value = entry.Value;
                return true;
            }

            _entries.TryRemove(new KeyValuePair<TKey, Entry>(key, entry));
        }

        value = default;
        return false;
    }

    public bool TryReplace(TKey key, TValue expected, TValue replacement) =>
        _entries.TryGetValue(key, out var entry) && entry.ExpiresAt > clock.GetUtcNow() && EqualityComparer<TValue>.Default.Equals(entry.Value, expected)
        && _entries.TryUpdate(key, entry with { Value = replacement }, entry);

    public bool TryRemove(TKey key, TValue expected) =>
        _entries.TryGetValue(key, out var entry) && entry.ExpiresAt > clock.GetUtcNow() && EqualityComparer<TValue>.Default.Equals(entry.Value, expected)
        && _entries.TryRemove(new KeyValuePair<TKey, Entry>(key, entry));

    private void Sweep(DateTimeOffset now)
    {
        if (!_sweep.TryPass(now))
        {
            return;
        }

        foreach (var (key, entry) in _entries)
        {
            if (entry.ExpiresAt <= now)
            {
                _entries.TryRemove(new KeyValuePair<TKey, Entry>(key, entry));
            }
        }
    }

    private sealed record Entry(TValue Value, DateTimeOffset ExpiresAt);
}
