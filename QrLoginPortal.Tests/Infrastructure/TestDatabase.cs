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

    // Migrating takes far longer than copying: each process migrates one template per provider,
    // and every test database starts as a copy of it (a file copy; PostgreSQL's CREATE DATABASE … TEMPLATE).
    private static readonly Lazy<string> SqliteTemplate = new(CreateSqliteTemplate, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lazy<string> PostgresTemplate = new(CreatePostgresTemplate, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly string? _folder;

    public TestDatabase(DatabaseProvider provider = DefaultProvider)
    {
        Provider = provider;
        if (provider == DatabaseProvider.Postgres)
        {
            ConnectionString = PostgresCluster.Instance.CreateDatabase(template: PostgresTemplate.Value);
        }
        else
        {
            _folder = Directory.CreateTempSubdirectory("qrlogin-tests-").FullName;
            var file = Path.Combine(_folder, "test.db");
            File.Copy(SqliteTemplate.Value, file);
            ConnectionString = SqliteConnectionString(file);
        }

        Options = OptionsFor(provider, ConnectionString);
        if (provider == DatabaseProvider.Sqlite)
        {
            using var db = CreateDbContext();
            db.Database.ExecuteSqlRaw("PRAGMA journal_mode=WAL;");
        }
    }

    public DatabaseProvider Provider { get; }

    public string ConnectionString { get; }

    public DbContextOptions<ApplicationDbContext> Options { get; }

    public ApplicationDbContext CreateDbContext() => new(Options);

    private static string SqliteConnectionString(string file) => $"DataSource={file};Pooling=False";

    private static DbContextOptions<ApplicationDbContext> OptionsFor(DatabaseProvider provider, string connectionString)
    {
        // Identity shapes its tables from IdentityOptions (schema version 3 adds passkeys), so the
        // context needs the same options the app configures, or its model differs from the migrations.
        var identityServices = new ServiceCollection()
            .Configure<IdentityOptions>(o => o.Stores.SchemaVersion = IdentitySchemaVersions.Version3)
            .BuildServiceProvider();
        return new DbContextOptionsBuilder<ApplicationDbContext>()
            .UseDatabase(provider, connectionString)
            .UseApplicationServiceProvider(identityServices)
            .Options;
    }

    private static void Migrate(DatabaseProvider provider, string connectionString)
    {
        using var db = new ApplicationDbContext(OptionsFor(provider, connectionString));
        db.Database.Migrate();
    }

    /// <summary>A migrated SQLite file in rollback-journal mode (one file, so a copy is complete), removed at exit.</summary>
    private static string CreateSqliteTemplate()
    {
        var folder = Directory.CreateTempSubdirectory("qrlogin-template-").FullName;
        var file = Path.Combine(folder, "template.db");
        Migrate(DatabaseProvider.Sqlite, SqliteConnectionString(file));
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // It lives in /tmp.
            }
        };
        return file;
    }

    /// <summary>A migrated database on the test server that nothing stays connected to (a template must be idle to be copied).</summary>
    private static string CreatePostgresTemplate()
    {
        var connectionString = PostgresCluster.Instance.CreateDatabase();
        Migrate(DatabaseProvider.Postgres, connectionString);
        Npgsql.NpgsqlConnection.ClearAllPools();
        return connectionString;
    }

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
