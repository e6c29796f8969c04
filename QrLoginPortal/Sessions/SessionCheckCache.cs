using System.Collections.Concurrent;

namespace QrLoginPortal.Sessions;

/// <summary>
/// This node's memory of the sessions <see cref="SessionStore.TouchAsync"/> last found open, so that the
/// requests of one page load (the page, <c>/_blazor/negotiate</c>, the circuit's WebSocket) do not each
/// ask the database (issue 16). Ending stays immediate: every end of a session on this node forgets that
/// user's sessions before <see cref="SessionStore"/> returns, and every end on another node forgets them when
/// its notification arrives (<see cref="PostgresSessionNotifier"/>). While a PostgreSQL node is not listening
/// it could miss such a notification, so then nothing is remembered or answered from memory, and all is
/// forgotten when it listens again. An entry also lives at most <see cref="Lifetime"/>: the database is asked
/// again then (and notes the time the session was last seen), whatever was missed.
/// </summary>
/// <param name="hearsOtherNodes">On PostgreSQL nodes, whether the connection that hears the other nodes listens now; null on one node.</param>
public sealed class SessionCheckCache(TimeProvider clock, Func<bool>? hearsOtherNodes = null)
{
    /// <summary>How long a session found open is believed without asking the database again.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(10);

    /// <summary>At most this many sessions are remembered; beyond, the expired ones are dropped, or all.</summary>
    public const int Capacity = 50_000;

    private readonly ConcurrentDictionary<Guid, Entry> _entries = new();
    private readonly Lock _gate = new();
    private long _generation;

    private sealed record Entry(string UserId, string Stamp, DateTimeOffset CheckedAt);

    /// <summary>How many sessions are remembered (for tests).</summary>
    public int Count => _entries.Count;

    /// <summary>Whether answers may come from memory now: always on one node; on PostgreSQL only while listening.</summary>
    private bool Usable => hearsOtherNodes is null || hearsOtherNodes();

    /// <summary>Taken before reading the database: <see cref="Remember"/> stores the answer only if nothing was forgotten meanwhile.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    /// <summary>Whether session <paramref name="sessionId"/> of <paramref name="userId"/> was found open within <see cref="Lifetime"/> (with this security stamp, when one is given).</summary>
    public bool IsKnownOpen(Guid sessionId, string userId, string? securityStamp)
    {
        if (!Usable || !_entries.TryGetValue(sessionId, out var entry))
        {
            return false;
        }

        if (clock.GetUtcNow() - entry.CheckedAt >= Lifetime)
        {
            _entries.TryRemove(KeyValuePair.Create(sessionId, entry));
            return false;
        }

        return string.Equals(entry.UserId, userId, StringComparison.Ordinal)
               && (securityStamp is null || string.Equals(entry.Stamp, securityStamp, StringComparison.Ordinal));
    }

    /// <summary>Notes a session the database found open at <paramref name="checkedAt"/>, unless something was forgotten since <paramref name="generation"/>.</summary>
    public void Remember(long generation, Guid sessionId, string userId, string stamp, DateTimeOffset checkedAt)
    {
        lock (_gate)
        {
            // A read that started before an end (or before listening again) may have seen the session open: not kept.
            if (generation != _generation || !Usable)
            {
                return;
            }

            if (_entries.Count >= Capacity)
            {
                var now = clock.GetUtcNow();
                foreach (var (id, old) in _entries)
                {
                    if (now - old.CheckedAt >= Lifetime)
                    {
                        _entries.TryRemove(id, out _);
                    }
                }

                if (_entries.Count >= Capacity)
                {
                    _entries.Clear();
                }
            }

            _entries[sessionId] = new Entry(userId, stamp, checkedAt);
        }
    }

    /// <summary>Forgets every session of <paramref name="userId"/>: one of them ended, or the user changed (lock, stamp, deletion).</summary>
    public void Forget(string userId)
    {
        lock (_gate)
        {
            Interlocked.Increment(ref _generation);
            foreach (var (id, entry) in _entries)
            {
                if (string.Equals(entry.UserId, userId, StringComparison.Ordinal))
                {
                    _entries.TryRemove(id, out _);
                }
            }
        }
    }

    /// <summary>Forgets everything (a PostgreSQL node listens again after a gap in which it may have missed ends).</summary>
    public void ForgetAll()
    {
        lock (_gate)
        {
            Interlocked.Increment(ref _generation);
            _entries.Clear();
        }
    }
}
