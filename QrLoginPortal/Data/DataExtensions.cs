using Microsoft.AspNetCore.DataProtection;
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
        var provider = DatabaseProviders.FromConfiguration(builder.Configuration);
        builder.Services.AddPooledDbContextFactory<ApplicationDbContext>(options => options.UseDatabase(provider, connectionString));
        builder.Services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<ApplicationDbContext>>().CreateDbContext());
        builder.Services.AddDatabaseDeveloperPageExceptionFilter();

        // The key ring lives in the database, not in one machine's home folder: a cookie, an
        // antiforgery token or a binding cookie made by one node is read by every other node and
        // after a restart or a move to a new machine. One application name, so every node is one app.
        builder.Services.AddDataProtection()
            .SetApplicationName("QrLoginPortal")
            .PersistKeysToDbContext<ApplicationDbContext>();
        builder.Services.AddScoped<DatabaseInitializer>();
        return builder;
    }

    /// <summary>Creates or upgrades the database and makes sure its settings row exists.</summary>
    public static async Task InitializePortalDataAsync(this WebApplication app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<DatabaseInitializer>().InitializeAsync();
    }
}
