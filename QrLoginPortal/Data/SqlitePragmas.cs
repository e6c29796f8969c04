using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace QrLoginPortal.Data;

/// <summary>
/// Per-connection SQLite settings. The database runs in WAL mode (set once at start); with WAL,
/// synchronous=NORMAL stays safe against corruption and makes each commit wait for one fsync at
/// checkpoints instead of one per transaction; a power cut may lose only the last commits.
/// busy_timeout lets SQLite itself wait for another writer's lock, retrying within milliseconds of its
/// release: without it Microsoft.Data.Sqlite retries a busy statement after a fixed 150 ms sleep, so
/// concurrent writers (8 callers making codes, the HTTP load) waited 150 ms at a time (issue 16).
/// </summary>
public sealed class SqlitePragmas : DbConnectionInterceptor
{
    /// <summary>How long a statement waits for another connection's write lock: Microsoft.Data.Sqlite's own default command timeout.</summary>
    public const int BusyTimeoutMilliseconds = 30_000;

    private static readonly string Pragmas = $"PRAGMA synchronous=NORMAL; PRAGMA busy_timeout={BusyTimeoutMilliseconds};";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
