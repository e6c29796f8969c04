using Microsoft.Extensions.Options;

namespace QrLoginPortal.QrLogin;

/// <summary>
/// One background loop for the whole portal (not a timer per waiting page): marks overdue
/// transactions TIMEOUT, which pushes "expired" to their pages, and purges old finished rows.
/// </summary>
public sealed class QrSweeper(
    IServiceScopeFactory scopeFactory,
    IOptions<QrLoginOptions> options,
    TimeProvider clock,
    ILogger<QrSweeper> logger) : BackgroundService
{
    private static readonly TimeSpan PurgeEvery = TimeSpan.FromMinutes(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var lastPurge = DateTimeOffset.MinValue;
        using var timer = new PeriodicTimer(options.Value.SweepInterval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await using var scope = scopeFactory.CreateAsyncScope();
                var service = scope.ServiceProvider.GetRequiredService<QrLoginService>();
                await service.ExpireOverdueAsync(stoppingToken);
                if (clock.GetUtcNow() - lastPurge >= PurgeEvery)
                {
                    var purged = await service.PurgeFinishedAsync(options.Value.Retention, stoppingToken);
                    if (purged > 0)
                    {
                        logger.LogInformation("Purged {Count} finished QR transactions", purged);
                    }

                    lastPurge = clock.GetUtcNow();
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A busy database now is no reason to stop expiring codes for good.
                logger.LogWarning(ex, "The QR sweeper failed; it will try again");
            }
        }
    }
}
