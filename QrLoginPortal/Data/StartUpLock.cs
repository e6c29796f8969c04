using Npgsql;

namespace QrLoginPortal.Data;

/// <summary>
/// Several nodes may start at once on one PostgreSQL database. The start-up steps (migrations,
/// the settings row, the first admin, the API clients) run on one node at a time, under a
/// PostgreSQL advisory lock: the first migrates and seeds, the others wait and then find
/// everything in place. The lock belongs to its connection, so it goes with the node if that node
/// dies half-way. SQLite is one node's own file and needs no lock.
/// </summary>
public static class StartUpLock
{
    /// <summary>Any number fixed for the portal ("QRLogin" in ASCII): the advisory lock's key.</summary>
    private const long Key = 0x51524C6F67696E;

    public static async Task InitializeUnderStartUpLockAsync(this WebApplication app, params Func<WebApplication, Task>[] steps)
    {
        if (DatabaseProviders.FromConfiguration(app.Configuration) != DatabaseProvider.Postgres)
        {
            await RunAsync(app, steps);
            return;
        }

        await using var connection = new NpgsqlConnection(app.Configuration.GetConnectionString("DefaultConnection"));
        await connection.OpenAsync();
        await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock(@key)", connection))
        {
            take.Parameters.AddWithValue("key", Key);
            // Waits as long as the node holding the lock migrates and seeds (Npgsql's default 30 s command timeout
            // stopped a node on a busy machine while the other applied several migrations); if that node dies, its
            // connection ends and the lock is released at once.
            take.CommandTimeout = 0;
            await take.ExecuteNonQueryAsync();
        }

        try
        {
            await RunAsync(app, steps);
        }
        finally
        {
            await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", connection);
            release.Parameters.AddWithValue("key", Key);
            await release.ExecuteNonQueryAsync();
        }
    }

    private static async Task RunAsync(WebApplication app, Func<WebApplication, Task>[] steps)
    {
        foreach (var step in steps)
        {
            await step(app);
        }
    }
}
