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
/// ask it in line. Each call is one round trip on a pooled connection.
/// </remarks>
public sealed class PostgresLimitCounters(NpgsqlDataSource dataSource, TimeProvider clock) : ILimitCounters, IDisposable
{
    private const string AddSql = """
        INSERT INTO "LimitCounters" ("Key", "WindowEndUnixMs", "Count") VALUES (@key, @end, 1)
        ON CONFLICT ("Key") DO UPDATE SET
            "Count" = CASE WHEN "LimitCounters"."WindowEndUnixMs" > @now THEN "LimitCounters"."Count" + 1 ELSE 1 END,
            "WindowEndUnixMs" = CASE WHEN "LimitCounters"."WindowEndUnixMs" > @now THEN "LimitCounters"."WindowEndUnixMs" ELSE EXCLUDED."WindowEndUnixMs" END
        RETURNING "WindowEndUnixMs", "Count"
        """;

    private const string ReadSql = """SELECT "WindowEndUnixMs", "Count" FROM "LimitCounters" WHERE "Key" = @key""";

    private const string PurgeSql = """DELETE FROM "LimitCounters" WHERE "WindowEndUnixMs" <= @now""";

    // Ended windows are deleted as counts are written, at most once a minute per node.
    private readonly PeriodicGate _purge = new(TimeSpan.FromMinutes(1));

    public PostgresLimitCounters(string connectionString, TimeProvider clock) : this(NpgsqlDataSource.Create(connectionString), clock)
    {
    }

    public TimeSpan? RetryAfter(string key, int limit, TimeSpan window)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        using var command = dataSource.CreateCommand(ReadSql);
        command.Parameters.AddWithValue("key", StoredKey(key));
        using var reader = command.ExecuteReader();
        if (!reader.Read())
        {
            return null;
        }

        var end = reader.GetInt64(0);
        return end > now && reader.GetInt32(1) >= limit ? TimeSpan.FromMilliseconds(end - now) : null;
    }

    public LimitWindow Add(string key, TimeSpan window)
    {
        var at = clock.GetUtcNow();
        var now = at.ToUnixTimeMilliseconds();
        LimitWindow counted;
        using (var command = dataSource.CreateCommand(AddSql))
        {
            command.Parameters.AddWithValue("key", StoredKey(key));
            command.Parameters.AddWithValue("end", now + (long)window.TotalMilliseconds);
            command.Parameters.AddWithValue("now", now);
            using var reader = command.ExecuteReader();
            reader.Read();
            counted = new LimitWindow(DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(0)), reader.GetInt32(1));
        }

        if (_purge.TryPass(at))
        {
            Purge(now);
        }

        return counted;
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
