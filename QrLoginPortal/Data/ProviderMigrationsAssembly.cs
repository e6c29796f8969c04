using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Migrations.Internal;

namespace QrLoginPortal.Data;

/// <summary>
/// One assembly holds a migration set per provider, told apart by namespace; EF would otherwise
/// take every migration of the context, SQLite's and PostgreSQL's together. The same filter serves
/// <c>dotnet ef migrations add</c>, so a new migration's snapshot is compared with its own set's.
/// </summary>
#pragma warning disable EF1001 // MigrationsAssembly is EF's own discovery; only the filter is ours.
public sealed class ProviderMigrationsAssembly(
    ICurrentDbContext currentContext,
    IDbContextOptions options,
    IMigrationsIdGenerator idGenerator,
    IDiagnosticsLogger<DbLoggerCategory.Migrations> logger)
    : MigrationsAssembly(currentContext, options, idGenerator, logger)
{
    public const string SqliteNamespace = "QrLoginPortal.Data.Migrations";
    public const string PostgresNamespace = "QrLoginPortal.Data.PostgresMigrations";

    private readonly string _namespace = currentContext.Context.Database.IsNpgsql() ? PostgresNamespace : SqliteNamespace;
    private IReadOnlyDictionary<string, TypeInfo>? _migrations;
    private ModelSnapshot? _snapshot;
    private bool _snapshotRead;

    public override IReadOnlyDictionary<string, TypeInfo> Migrations =>
        _migrations ??= base.Migrations
            .Where(m => m.Value.Namespace == _namespace)
            .ToDictionary(m => m.Key, m => m.Value);

    public override ModelSnapshot? ModelSnapshot
    {
        get
        {
            if (!_snapshotRead)
            {
                var type = Assembly.GetTypes()
                    .Where(t => !t.IsAbstract && t.IsSubclassOf(typeof(ModelSnapshot)) && t.Namespace == _namespace
                        && t.GetCustomAttribute<DbContextAttribute>()?.ContextType == typeof(ApplicationDbContext))
                    .SingleOrDefault();
                _snapshot = type is null ? null : (ModelSnapshot)Activator.CreateInstance(type)!;
                _snapshotRead = true;
            }

            return _snapshot;
        }
    }
}
#pragma warning restore EF1001
