using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace QrLoginPortal.QrLogin;

/// <summary>
/// The limit counters of several nodes on one PostgreSQL database: one row per key (<see cref="LimitCounter"/>),
/// counted with one atomic <c>INSERT … ON CONFLICT DO UPDATE</c>, so a budget of 1,000 failures an hour is 1,000
/// for the whole portal, not per node. Windows behave as <see cref="InMemoryLimitCounters"/>'s: a key's window
/// starts with its first event and a new one starts once it has ended. Time is the injected clock (the nodes'
/// clocks must agree, as the expiry of codes already needs). Expired rows are deleted on write, at most once a
/// minute per node.
/// </summary>
/// <remarks>
/// Synchronous, as <see cref="ILimitCounters"/> is: every limiter's callers (pages, endpoints, OpenIddict handlers)
/// ask it in line. Each call is one round trip on a pooled connection, however many keys it reads or counts.
/// </remarks>
public sealed class PostgresLimitCounters(NpgsqlDataSource dataSource, TimeProvider clock) : ILimitCounters, IDisposable
{
    // Several keys counted in one statement: one row each (duplicates already summed, as one statement may not
    // update a row twice), locked in key order so that two nodes counting overlapping keys cannot deadlock.
    private const string AddSql = """
        INSERT INTO "LimitCounters" ("Key", "WindowEndUnixMs", "Count")
        SELECT k, @now + w, n FROM unnest(@keys, @windows, @counts) AS e(k, w, n) ORDER BY k
        ON CONFLICT ("Key") DO UPDATE SET
            "Count" = CASE WHEN "LimitCounters"."WindowEndUnixMs" > @now THEN "LimitCounters"."Count" + EXCLUDED."Count" ELSE EXCLUDED."Count" END,
            "WindowEndUnixMs" = CASE WHEN "LimitCounters"."WindowEndUnixMs" > @now THEN "LimitCounters"."WindowEndUnixMs" ELSE EXCLUDED."WindowEndUnixMs" END
        RETURNING "Key", "WindowEndUnixMs", "Count"
        """;

    private const string ReadSql = """SELECT "Key", "WindowEndUnixMs", "Count" FROM "LimitCounters" WHERE "Key" = ANY(@keys) AND "WindowEndUnixMs" > @now""";

    private const string PurgeSql = """DELETE FROM "LimitCounters" WHERE "WindowEndUnixMs" <= @now""";

    // Ended windows are deleted as counts are written, at most once a minute per node (in the same round trip).
    private readonly PeriodicGate _purge = new(TimeSpan.FromMinutes(1));

    public PostgresLimitCounters(string connectionString, TimeProvider clock) : this(NpgsqlDataSource.Create(connectionString), clock)
    {
    }

    public TimeSpan? RetryAfter(string key, int limit, TimeSpan window) => Read([key])[0]?.RetryAfter(limit);

    public IReadOnlyList<LimitWindow?> Read(IReadOnlyList<string> keys)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var stored = keys.Select(StoredKey).ToArray();
        using var command = dataSource.CreateCommand(ReadSql);
        command.Parameters.AddWithValue("keys", stored);
        command.Parameters.AddWithValue("now", now);
        var found = ReadWindows(command.ExecuteReader(), now);
        return [.. stored.Select(key => found.TryGetValue(key, out var w) ? w : (LimitWindow?)null)];
    }

    public LimitWindow Add(string key, TimeSpan window) => Count([(key, window)])[StoredKey(key)];

    public void AddAll(IReadOnlyList<(string Key, TimeSpan Window)> events) => Count(events);

    private Dictionary<string, LimitWindow> Count(IReadOnlyList<(string Key, TimeSpan Window)> events)
    {
        var at = clock.GetUtcNow();
        var now = at.ToUnixTimeMilliseconds();
        var grouped = events.GroupBy(e => StoredKey(e.Key)).ToArray();
        using var batch = dataSource.CreateBatch();
        var add = batch.CreateBatchCommand();
        add.CommandText = AddSql;
        add.Parameters.AddWithValue("keys", grouped.Select(g => g.Key).ToArray());
        add.Parameters.AddWithValue("windows", grouped.Select(g => (long)g.First().Window.TotalMilliseconds).ToArray());
        add.Parameters.AddWithValue("counts", grouped.Select(g => g.Count()).ToArray());
        add.Parameters.AddWithValue("now", now);
        batch.BatchCommands.Add(add);
        if (_purge.TryPass(at))
        {
            var purge = batch.CreateBatchCommand();
            purge.CommandText = PurgeSql;
            purge.Parameters.AddWithValue("now", now);
            batch.BatchCommands.Add(purge);
            // Still one round trip, but each statement its own transaction: the purge's row locks are never held
            // together with the counts', so two nodes counting and purging at once cannot deadlock.
            batch.EnableErrorBarriers = true;
        }

        return ReadWindows(batch.ExecuteReader(), now);
    }

    private static Dictionary<string, LimitWindow> ReadWindows(NpgsqlDataReader reader, long nowUnixMs)
    {
        using (reader)
        {
            var windows = new Dictionary<string, LimitWindow>();
            while (reader.Read())
            {
                windows[reader.GetString(0)] = new LimitWindow(reader.GetInt32(2), TimeSpan.FromMilliseconds(reader.GetInt64(1) - nowUnixMs));
            }

            return windows;
        }
    }

    /// <summary>Deletes the rows whose window has ended (a spray of keys would otherwise grow the table without bound).</summary>
    public int Purge() => Purge(clock.GetUtcNow().ToUnixTimeMilliseconds());

    private int Purge(long nowUnixMs)
    {
        using var command = dataSource.CreateCommand(PurgeSql);
        command.Parameters.AddWithValue("now", nowUnixMs);
        return command.ExecuteNonQuery();
    }

    /// <summary>A key as stored: long keys (a typed user name can be long) keep a readable head and a hash of the whole.</summary>
    internal static string StoredKey(string key) => key.Length <= LimitCounter.MaxKeyLength
        ? key
        : $"{key[..100]}#{Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)))}";

    public void Dispose() => dataSource.Dispose();
}
