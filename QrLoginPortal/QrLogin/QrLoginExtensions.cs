using Microsoft.Extensions.Options;
using QrLoginPortal.Data;

namespace QrLoginPortal.QrLogin;

public static class QrLoginExtensions
{
    /// <summary>The QR login engine: settings, service, notifier and the background sweeper.</summary>
    public static IHostApplicationBuilder AddQrLogin(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<QrLoginOptions>()
            .BindConfiguration(QrLoginOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.AddSingleton(TimeProvider.System);
        if (DatabaseProviders.FromConfiguration(builder.Configuration) == DatabaseProvider.Postgres)
        {
            // Several nodes may share the database: changes travel by LISTEN/NOTIFY as well, and
            // short-lived entries (authn flows, print sheets) are rows every node reads.
            PostgresListener.Register(builder.Services);
            builder.Services.AddSingleton<PostgresTransactionNotifier>();
            builder.Services.AddSingleton<IPostgresChannel>(sp => sp.GetRequiredService<PostgresTransactionNotifier>());
            builder.Services.AddSingleton<ITransactionNotifier>(sp => sp.GetRequiredService<PostgresTransactionNotifier>());
            builder.Services.AddSingleton(typeof(IExpiringStore<,>), typeof(DatabaseExpiringStore<,>));
        }
        else
        {
            builder.Services.AddSingleton<ITransactionNotifier, InProcessTransactionNotifier>();
            builder.Services.AddSingleton(typeof(IExpiringStore<,>), typeof(InMemoryExpiringStore<,>));
        }
        builder.Services.AddSingleton<QrSettingsStore>();
        if (DatabaseProviders.FromConfiguration(builder.Configuration) == DatabaseProvider.Postgres)
        {
            // Several nodes on one database: every limit counts in the shared table. Registered as the one
            // ILimitCounters whatever the order of the features' AddAttemptLimiter calls (theirs is a TryAdd).
            var connectionString = builder.Configuration.GetConnectionString("DefaultConnection")
                ?? throw new InvalidOperationException("Connection string 'DefaultConnection' not found.");
            builder.Services.AddSingleton<ILimitCounters>(provider => new PostgresLimitCounters(connectionString, provider.GetRequiredService<TimeProvider>()));
        }

        foreach (var use in new[] { FailedAttemptLimiter.UserAttempts, FailedAttemptLimiter.ApiClientAttempts, FailedAttemptLimiter.Creations })
        {
            builder.Services.AddAttemptLimiter(use, provider => FailedAttemptLimiter.LimitsOf(use, provider.GetRequiredService<IOptions<QrLoginOptions>>().Value));
        }

        builder.Services.AddAttemptLimiter(QrCapacity.Creations, provider => QrCapacity.LimitsOf(provider.GetRequiredService<IOptions<QrLoginOptions>>().Value));
        builder.Services.AddSingleton<FailedAttemptLimiter>();
        // SQLite is one node: the pending cap counts in the database only near the cap (see QrCapacity), and a
        // process's own typed-code key serves (see UserCodeKey).
        var singleNode = DatabaseProviders.FromConfiguration(builder.Configuration) == DatabaseProvider.Sqlite;
        builder.Services.AddSingleton(provider => new QrCapacity(provider.GetRequiredKeyedService<AttemptLimiter>(QrCapacity.Creations),
            provider.GetRequiredService<IOptions<QrLoginOptions>>(), singleNode));
        builder.Services.AddSingleton(provider => UserCodeKey.From(provider.GetRequiredService<IOptions<QrLoginOptions>>().Value.UserCodeKey,
            singleNode));
        builder.Services.AddSingleton<QrLoginService>();
        builder.Services.AddSingleton<QrTicketService>();
        // One instance: the loop that runs, and the methods tests and tools call.
        builder.Services.AddSingleton<QrSweeper>();
        builder.Services.AddHostedService(provider => provider.GetRequiredService<QrSweeper>());
        builder.Services.AddHostedService<QrShutdown>();
        return builder;
    }
}
