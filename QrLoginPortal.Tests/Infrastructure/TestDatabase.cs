using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using QrLoginPortal.Data;

namespace QrLoginPortal.Tests.Infrastructure;

/// <summary>
/// A migrated, empty database of its own, deleted on dispose: a SQLite file (a real file, so
/// parallel contexts behave as in production), or in the PostgreSQL build of this suite
/// (<c>QrLoginPortal.PostgresTests</c>, which compiles these same tests) a database on the
/// throw-away <see cref="PostgresCluster"/>.
/// </summary>
public sealed class TestDatabase : IDbContextFactory<ApplicationDbContext>, IDisposable
{
#if POSTGRES_TESTS
    public const DatabaseProvider DefaultProvider = DatabaseProvider.Postgres;
#else
    public const DatabaseProvider DefaultProvider = DatabaseProvider.Sqlite;
#endif

    private readonly string? _folder;

    public TestDatabase(DatabaseProvider provider = DefaultProvider)
    {
        Provider = provider;
        if (provider == DatabaseProvider.Postgres)
        {
            ConnectionString = PostgresCluster.Instance.CreateDatabase();
        }
        else
        {
            _folder = Directory.CreateTempSubdirectory("qrlogin-tests-").FullName;
            ConnectionString = $"DataSource={Path.Combine(_folder, "test.db")};Pooling=False";
        }

        // Identity shapes its tables from IdentityOptions (schema version 3 adds passkeys), so the
        // context needs the same options the app configures, or its model differs from the migrations.
        var identityServices = new ServiceCollection()
            .Configure<IdentityOptions>(o => o.Stores.SchemaVersion = IdentitySchemaVersions.Version3)
            .BuildServiceProvider();
        Options = new DbContextOptionsBuilder<ApplicationDbContext>()
            .UseDatabase(provider, ConnectionString)
            .UseApplicationServiceProvider(identityServices)
            .Options;
        using var db = CreateDbContext();
        db.Database.Migrate();
        if (provider == DatabaseProvider.Sqlite)
        {
            db.Database.ExecuteSqlRaw("PRAGMA journal_mode=WAL;");
        }
    }

    public DatabaseProvider Provider { get; }

    public string ConnectionString { get; }

    public DbContextOptions<ApplicationDbContext> Options { get; }

    public ApplicationDbContext CreateDbContext() => new(Options);

    public void Dispose()
    {
        try
        {
            if (Provider == DatabaseProvider.Postgres)
            {
                PostgresCluster.Instance.DropDatabase(ConnectionString);
            }
            else
            {
                Directory.Delete(_folder!, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or Npgsql.NpgsqlException)
        {
            // A file still open on a slow runner is not worth failing a test for; it lives in /tmp.
        }
    }
}
