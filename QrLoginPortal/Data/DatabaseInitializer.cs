using Microsoft.EntityFrameworkCore;
using QrLoginPortal.QrLogin;

namespace QrLoginPortal.Data;

/// <summary>Runs once at start: migrations and the settings row (the accounts are seeded by <c>Accounts/AccountSeeder</c>).</summary>
public sealed class DatabaseInitializer(ApplicationDbContext db, TimeProvider clock)
{
    public async Task InitializeAsync(CancellationToken ct = default)
    {
        if (db.Database.IsSqlite())
        {
            var dataSource = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(db.Database.GetConnectionString()).DataSource;
            var folder = Path.GetDirectoryName(Path.GetFullPath(dataSource));
            if (!string.IsNullOrEmpty(folder) && dataSource != ":memory:")
            {
                Directory.CreateDirectory(folder);
            }
        }

        await MigrateAndSeedAsync(ct);
    }

    private async Task MigrateAndSeedAsync(CancellationToken ct)
    {
        await db.Database.MigrateAsync(ct);
        if (db.Database.IsSqlite())
        {
            // Readers do not wait for the writer: waiting pages and approvals run side by side.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);
        }

        if (!await db.QrSettings.AnyAsync(ct))
        {
            var initial = new QrSettings { UpdatedAt = clock.GetUtcNow(), UpdatedBy = "installation" };
            db.QrSettings.Add(initial);
            db.QrSettingsVersions.Add(QrSettingsVersion.Of(initial, initial.UpdatedAt, null, "installation", "initial settings"));
            await db.SaveChangesAsync(ct);
        }
    }
}
