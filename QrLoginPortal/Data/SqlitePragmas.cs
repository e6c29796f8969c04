using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace QrLoginPortal.Data;

/// <summary>
/// Per-connection SQLite settings. The database runs in WAL mode (set once at start); with WAL,
/// synchronous=NORMAL stays safe against corruption and makes each commit wait for one fsync at
/// checkpoints instead of one per transaction; a power cut may lose only the last commits.
/// busy_timeout lets SQLite itself wait for another writer's lock, retrying within milliseconds of its
/// release: without it Microsoft.Data.Sqlite retries a busy statement after a fixed 150 ms sleep, so
/// concurrent writers (8 callers making codes, the HTTP load) waited 150 ms at a time (issue 16).
/// Both belong to the native connection, which Microsoft.Data.Sqlite's pool keeps open between uses: it is
/// set up once, not on every open (a pooled context opens its connection for every operation).
/// </summary>
public sealed class SqlitePragmas : DbConnectionInterceptor
{
    /// <summary>How long a statement waits for another connection's write lock: Microsoft.Data.Sqlite's own default command timeout.</summary>
    public const int BusyTimeoutMilliseconds = 30_000;

    private static readonly string Pragmas = $"PRAGMA synchronous=NORMAL; PRAGMA busy_timeout={BusyTimeoutMilliseconds};";

    // The native connections already set up (a handle closed for good drops out with it).
    private static readonly ConditionalWeakTable<object, object> SetUp = [];

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        if (IsNew(connection))
        {
            try
            {
                using var command = connection.CreateCommand();
                command.CommandText = Pragmas;
                command.ExecuteNonQuery();
            }
            catch
            {
                Forget(connection);
                throw;
            }
        }
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        if (IsNew(connection))
        {
            try
            {
                await using var command = connection.CreateCommand();
                command.CommandText = Pragmas;
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
            catch
            {
                Forget(connection);
                throw;
            }
        }
    }

    // Set up again at the next open when setting up failed.
    private static void Forget(DbConnection connection)
    {
        if (connection is SqliteConnection { Handle: { } handle })
        {
            SetUp.Remove(handle);
        }
    }

    private static bool IsNew(DbConnection connection) =>
        connection is not SqliteConnection { Handle: { } handle } || SetUp.TryAdd(handle, handle);
}
