using Microsoft.EntityFrameworkCore;

namespace QrLoginPortal.Data;

public static class DataExtensions
{
    public static IHostApplicationBuilder AddPortalData(this IHostApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString("DefaultConnection")
            ?? throw new InvalidOperationException("Connection string 'DefaultConnection' not found.");

        // A factory, because circuits outlive requests: each operation gets its own short context,
        // taken from a pool (about 1.4x the creates and approvals per second of new contexts; see
        // the engine benchmark). Identity's and OpenIddict's stores get a scoped one from the same pool.
        builder.Services.AddPooledDbContextFactory<ApplicationDbContext>(options => UseSqlite(options, connectionString));
        builder.Services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<ApplicationDbContext>>().CreateDbContext());
        builder.Services.AddDatabaseDeveloperPageExceptionFilter();
        builder.Services.AddScoped<DatabaseInitializer>();
        return builder;
    }

    /// <summary>The portal's database settings (also used by the benchmarks, so they measure what runs).</summary>
    public static DbContextOptionsBuilder UseSqlite(DbContextOptionsBuilder options, string connectionString) =>
        options.UseSqlite(connectionString).AddInterceptors(new SqlitePragmas());

    /// <summary>Creates or upgrades the database and makes sure its settings row exists.</summary>
    public static async Task InitializePortalDataAsync(this WebApplication app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<DatabaseInitializer>().InitializeAsync();
    }
}
