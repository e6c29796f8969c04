using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using QrLoginPortal.Data;

namespace QrLoginPortal.Tests.Infrastructure;

/// <summary>A migrated SQLite database in a temporary file (a real file, so parallel contexts behave as in production), deleted on dispose.</summary>
public sealed class TestDatabase : IDbContextFactory<ApplicationDbContext>, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("qrlogin-tests-").FullName;

    public TestDatabase()
    {
        ConnectionString = $"DataSource={Path.Combine(_folder, "test.db")};Pooling=False";
        // Identity shapes its tables from IdentityOptions (schema version 3 adds passkeys), so the
        // context needs the same options the app configures, or its model differs from the migrations.
        var identityServices = new ServiceCollection()
            .Configure<IdentityOptions>(o => o.Stores.SchemaVersion = IdentitySchemaVersions.Version3)
            .BuildServiceProvider();
        Options = new DbContextOptionsBuilder<ApplicationDbContext>()
            .UseSqlite(ConnectionString)
            .UseApplicationServiceProvider(identityServices)
            .Options;
        using var db = CreateDbContext();
        db.Database.Migrate();
        db.Database.ExecuteSqlRaw("PRAGMA journal_mode=WAL;");
    }

    public string ConnectionString { get; }

    public DbContextOptions<ApplicationDbContext> Options { get; }

    public ApplicationDbContext CreateDbContext() => new(Options);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A file still open on a slow runner is not worth failing a test for; it lives in /tmp.
        }
    }
}
