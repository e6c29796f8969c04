using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace QrLoginPortal.Data;

/// <summary>
/// Per-connection SQLite settings. The database runs in WAL mode (set once at start); with WAL,
/// synchronous=NORMAL stays safe against corruption and makes each commit wait for one fsync at
/// checkpoints instead of one per transaction; a power cut may lose only the last commits.
/// </summary>
public sealed class SqlitePragmas : DbConnectionInterceptor
{
    private const string Pragmas = "PRAGMA synchronous=NORMAL;";

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
