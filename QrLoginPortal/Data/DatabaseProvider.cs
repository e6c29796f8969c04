using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace QrLoginPortal.Data;

/// <summary>
/// Which database the portal keeps its state in: <c>Database:Provider</c> = <c>Sqlite</c> (the
/// embedded default, one node) or <c>Postgres</c> (several nodes on one database). The connection
/// string (<c>ConnectionStrings:DefaultConnection</c>) is in the provider's own form.
/// </summary>
public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

public static class DatabaseProviders
{
    public const string ConfigurationKey = "Database:Provider";

    /// <summary>The configured provider; a value that is neither names the key and the choices.</summary>
    public static DatabaseProvider FromConfiguration(IConfiguration configuration)
    {
        var value = configuration[ConfigurationKey];
        if (string.IsNullOrWhiteSpace(value))
        {
            return DatabaseProvider.Sqlite;
        }

        return Enum.TryParse<DatabaseProvider>(value.Trim(), ignoreCase: true, out var provider) && Enum.IsDefined(provider)
            ? provider
            : throw new InvalidOperationException($"{ConfigurationKey} is '{value}'; use Sqlite (the default) or Postgres.");
    }

    /// <summary>
    /// The portal's database settings for <paramref name="provider"/> (also used by the tests and
    /// the benchmarks, so they run what the portal runs). Each provider has its own migration set:
    /// the SQLite one in <c>Data/Migrations</c>, the PostgreSQL one in <c>Data/PostgresMigrations</c>.
    /// </summary>
    public static DbContextOptionsBuilder UseDatabase(this DbContextOptionsBuilder options, DatabaseProvider provider, string connectionString)
    {
        switch (provider)
        {
            case DatabaseProvider.Postgres:
                options.UseNpgsql(connectionString);
                break;
            default:
                options.UseSqlite(connectionString).AddInterceptors(new SqlitePragmas());
                break;
        }

        return options.ReplaceService<IMigrationsAssembly, ProviderMigrationsAssembly>();
    }

    /// <inheritdoc cref="UseDatabase(DbContextOptionsBuilder, DatabaseProvider, string)"/>
    public static DbContextOptionsBuilder<TContext> UseDatabase<TContext>(this DbContextOptionsBuilder<TContext> options, DatabaseProvider provider, string connectionString)
        where TContext : DbContext
    {
        ((DbContextOptionsBuilder)options).UseDatabase(provider, connectionString);
        return options;
    }
}
