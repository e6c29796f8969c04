namespace QrLoginPortal.QrLogin;

/// <summary>
/// When the portal is asked to stop, cancels the PENDING codes and tells their pages (which are
/// still connected then: the server stops after this). Otherwise a phone would approve a code that
/// no page is left to claim, and its user would be told "being signed in" for nothing.
/// </summary>
public sealed class QrShutdown(IHostApplicationLifetime lifetime, QrLoginService qrLogin, ILogger<QrShutdown> logger) : IHostedService
{
    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(5);
    private CancellationTokenRegistration _registration;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _registration = lifetime.ApplicationStopping.Register(CancelPending);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => _registration.DisposeAsync().AsTask();

    private void CancelPending()
    {
        try
        {
            // ApplicationStopping callbacks are synchronous; the wait is bounded so a stuck database cannot hold the shutdown.
            using var timeout = new CancellationTokenSource(MaxWait);
            var cancelled = qrLogin.CancelPendingForShutdownAsync(timeout.Token).GetAwaiter().GetResult();
            logger.LogInformation("Shutting down: cancelled {Count} pending QR codes", cancelled);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Shutting down: could not cancel the pending QR codes");
        }
    }
}
