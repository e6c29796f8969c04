using Microsoft.Extensions.Options;

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
        builder.Services.AddSingleton<ITransactionNotifier, InProcessTransactionNotifier>();
        // One node keeps them in memory; several nodes share the database's rows.
        builder.Services.AddSingleton(typeof(IExpiringStore<,>),
            Data.DatabaseProviders.FromConfiguration(builder.Configuration) == Data.DatabaseProvider.Postgres
                ? typeof(DatabaseExpiringStore<,>)
                : typeof(InMemoryExpiringStore<,>));
        builder.Services.AddSingleton<QrSettingsStore>();
        foreach (var use in new[] { FailedAttemptLimiter.UserAttempts, FailedAttemptLimiter.ApiClientAttempts, FailedAttemptLimiter.Creations })
        {
            builder.Services.AddAttemptLimiter(use, provider => FailedAttemptLimiter.LimitsOf(use, provider.GetRequiredService<IOptions<QrLoginOptions>>().Value));
        }

        builder.Services.AddAttemptLimiter(QrCapacity.Creations, provider => QrCapacity.LimitsOf(provider.GetRequiredService<IOptions<QrLoginOptions>>().Value));
        builder.Services.AddSingleton<FailedAttemptLimiter>();
        builder.Services.AddSingleton<QrCapacity>();
        builder.Services.AddSingleton<QrLoginService>();
        builder.Services.AddSingleton<QrTicketService>();
        // One instance: the loop that runs, and the methods tests and tools call.
        builder.Services.AddSingleton<QrSweeper>();
        builder.Services.AddHostedService(provider => provider.GetRequiredService<QrSweeper>());
        builder.Services.AddHostedService<QrShutdown>();
        return builder;
    }
}
