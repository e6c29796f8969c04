using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace QrLoginPortal.QrLogin;

/// <summary>
/// The limits of one use of <see cref="AttemptLimiter"/>, all from configuration: <paramref name="PerKey"/> attempts
/// per subject at an address per <paramref name="Window"/>; <paramref name="PerAddress"/> per address whatever the
/// subject (0: none); and a <paramref name="Shared"/> budget per <paramref name="SharedWindow"/> (0: none) that,
/// once spent, holds back only those who failed themselves. Uses that name the same <paramref name="SharedBudget"/>
/// spend one shared budget (users and API clients guessing QR codes spend the one portal-wide budget).
/// </summary>
public sealed record AttemptLimits(int PerKey, TimeSpan Window, int PerAddress = 0, int Shared = 0, TimeSpan SharedWindow = default,
    string? SharedBudget = null);

/// <summary>
/// One attempt to limit: <paramref name="Subject"/> (an account, a user, an API client, or empty) tried from
/// <paramref name="Address"/> (counted per IPv6 /64, see <see cref="ClientAddress"/>); <paramref name="Scope"/> names
/// the shared budget it spends, or null to leave it out (e.g. "*" for the whole portal, or the account guessed at).
/// </summary>
public readonly record struct LimitedAttempt(string Subject, string? Address, string? Scope = null);

/// <summary>
/// Counters of events per key in fixed windows: what every limit of the portal counts in. In memory on
/// one node (<see cref="InMemoryLimitCounters"/>); a shared store (a database table) can implement it
/// so that limits hold across nodes.
/// </summary>
public interface ILimitCounters
{
    /// <summary>How long until <paramref name="key"/> may act again, or null while it has fewer than <paramref name="limit"/> events in its window.</summary>
    TimeSpan? RetryAfter(string key, int limit, TimeSpan window);

    /// <summary>
    /// Counts one event of <paramref name="key"/> in its window of <paramref name="window"/> (a new window starts when the
    /// last one ended), and returns the window with this event in it: counting and reading in one step, so callers racing
    /// on several nodes each see their own count.
    /// </summary>
    LimitWindow Add(string key, TimeSpan window);

    /// <summary>The running windows of <paramref name="keys"/>, in their order (null: none running), read in one go (one round trip for a shared store).</summary>
    IReadOnlyList<LimitWindow?> Read(IReadOnlyList<string> keys);

    /// <summary>Counts one event of every key of <paramref name="events"/> (each in its own window), in one go.</summary>
    void AddAll(IReadOnlyList<(string Key, TimeSpan Window)> events);
}

/// <summary>A key's running window of counting: how many events it holds so far and how long until it ends.</summary>
public readonly record struct LimitWindow(int Count, TimeSpan Left)
{
    /// <summary>How long until the key may act again when its limit is <paramref name="limit"/>, or null while under it.</summary>
    public TimeSpan? RetryAfter(int limit) => Count >= limit ? Left : null;
}

/// <summary>
/// The one failure and rate limiter of the portal, configured per use (<see cref="AttemptLimits"/> from options)
/// and registered per use as a keyed service (<see cref="AttemptLimiterExtensions.AddAttemptLimiter"/>): wrong QR
/// codes, new QR codes, wrong badges, wrong passwords, wrong client secrets, guessed API secrets. A source is
/// refused once its own budget or its address's is spent; a spent shared budget holds back only sources with
/// failures of their own, so strangers spraying guesses cannot lock an honest person out.
/// </summary>
/// <param name="limitsSource">Read on every use, so the limits are always those the options hold now.</param>
public sealed class AttemptLimiter(string name, Func<AttemptLimits> limitsSource, ILimitCounters counters)
{
    public AttemptLimiter(string name, AttemptLimits limits, ILimitCounters counters) : this(name, () => limits, counters)
    {
    }

    public string Name => name;

    public AttemptLimits Limits => limitsSource();

    /// <summary>How long <paramref name="attempt"/>'s source must wait before trying again, or null.</summary>
    public TimeSpan? RetryAfter(LimitedAttempt attempt)
    {
        var limits = Limits;
        // Every counter this question needs, read at once: each is a round trip on a shared store.
        var keys = new List<string>(3) { OwnKey(attempt) };
        var addressAt = limits.PerAddress > 0 ? Push(keys, AddressKey(attempt)) : -1;
        var sharedAt = limits.Shared > 0 && attempt.Scope is { } scope ? Push(keys, SharedKey(limits, scope)) : -1;
        var windows = counters.Read(keys);
        var own = windows[0];

        var wait = Longest(own?.RetryAfter(limits.PerKey), addressAt >= 0 ? windows[addressAt]?.RetryAfter(limits.PerAddress) : null);
        if (sharedAt >= 0 && own?.RetryAfter(1) is { } ownFailures && windows[sharedAt]?.RetryAfter(limits.Shared) is { } sharedWait)
        {
            // Held back until the shared budget renews or its own failures age out, whichever comes first.
            wait = Longest(wait, TimeSpan.FromTicks(Math.Min(ownFailures.Ticks, sharedWait.Ticks)));
        }

        if (wait is not null)
        {
            PortalMeter.LimiterRefused.Add(1, new KeyValuePair<string, object?>("limiter", name));
        }

        return wait;
    }

    /// <summary>Counts <paramref name="attempt"/> against its own budget, its address's and (with a scope) the shared one.</summary>
    public void Record(LimitedAttempt attempt)
    {
        var limits = Limits;
        PortalMeter.LimiterRecorded.Add(1, new KeyValuePair<string, object?>("limiter", name));
        var events = new List<(string, TimeSpan)>(3) { (OwnKey(attempt), limits.Window) };
        if (limits.PerAddress > 0)
        {
            events.Add((AddressKey(attempt), limits.Window));
        }

        if (limits.Shared > 0 && attempt.Scope is { } scope)
        {
            events.Add((SharedKey(limits, scope), SharedWindow(limits)));
        }

        counters.AddAll(events);
    }

    /// <summary>How long until the shared budget of <paramref name="scope"/> renews once spent, or null.</summary>
    public TimeSpan? SharedRetryAfter(string scope) => SharedRetryAfter(Limits, scope);

    private TimeSpan? SharedRetryAfter(AttemptLimits limits, string scope) =>
        limits.Shared > 0 ? counters.RetryAfter(SharedKey(limits, scope), limits.Shared, SharedWindow(limits)) : null;

    private static TimeSpan SharedWindow(AttemptLimits limits) => limits.SharedWindow > TimeSpan.Zero ? limits.SharedWindow : limits.Window;

    private string OwnKey(LimitedAttempt a) => $"{name}|k|{a.Subject}|{ClientAddress.LimitKey(a.Address)}";

    private string AddressKey(LimitedAttempt a) => $"{name}|a|{ClientAddress.LimitKey(a.Address)}";

    private string SharedKey(AttemptLimits limits, string scope) => $"{limits.SharedBudget ?? name}|s|{scope}";

    private static int Push(List<string> keys, string key)
    {
        keys.Add(key);
        return keys.Count - 1;
    }

    private static TimeSpan? Longest(TimeSpan? a, TimeSpan? b) => a is null ? b : b is null ? a : a > b ? a : b;
}

/// <summary>Counts per key in fixed windows in this process, on the injected clock (testable without sleeping).</summary>
public sealed class InMemoryLimitCounters(TimeProvider clock) : ILimitCounters
{
    private const int PruneAbove = 10_000;
    private readonly ConcurrentDictionary<string, Window> _windows = new();

    public TimeSpan? RetryAfter(string key, int limit, TimeSpan window) => Read([key])[0]?.RetryAfter(limit);

    public LimitWindow Add(string key, TimeSpan window)
    {
        var now = clock.GetUtcNow();
        var counted = _windows.AddOrUpdate(key, _ => new Window(now + window, 1),
            (_, w) => w.IsActive(now) ? w with { Count = w.Count + 1 } : new Window(now + window, 1));

        // Keep the map from growing without bound under a spray of keys.
        if (_windows.Count > PruneAbove)
        {
            foreach (var (k, w) in _windows)
            {
                if (!w.IsActive(now))
                {
                    _windows.TryRemove(k, out _);
                }
            }
        }

        return new LimitWindow(counted.Count, counted.End - now);
    }

    public IReadOnlyList<LimitWindow?> Read(IReadOnlyList<string> keys)
    {
        var now = clock.GetUtcNow();
        return [.. keys.Select(key => _windows.TryGetValue(key, out var w) && w.IsActive(now) ? new LimitWindow(w.Count, w.End - now) : (LimitWindow?)null)];
    }

    public void AddAll(IReadOnlyList<(string Key, TimeSpan Window)> events)
    {
        foreach (var (key, window) in events)
        {
            Add(key, window);
        }
    }

    private sealed record Window(DateTimeOffset End, int Count)
    {
        public bool IsActive(DateTimeOffset now) => now < End;
    }
}

public static class AttemptLimiterExtensions
{
    /// <summary>Registers the limiter of one use, keyed by <paramref name="name"/>, with its limits read from options.</summary>
    public static IServiceCollection AddAttemptLimiter(this IServiceCollection services, string name, Func<IServiceProvider, AttemptLimits> limits)
    {
        services.TryAddSingleton<ILimitCounters>(provider => new InMemoryLimitCounters(provider.GetRequiredService<TimeProvider>()));
        services.AddKeyedSingleton(name, (provider, _) => new AttemptLimiter(name, () => limits(provider), provider.GetRequiredService<ILimitCounters>()));
        return services;
    }
}
