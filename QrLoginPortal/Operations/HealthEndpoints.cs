using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using QrLoginPortal.Data;

namespace QrLoginPortal.Operations;

/// <summary>
/// What a load balancer or orchestrator asks a node: <c>/healthz</c> (the process answers: 200) and
/// <c>/readyz</c> (it can serve sign-ins: database reachable and every migration applied, and not
/// shutting down; 503 otherwise, so traffic drains to the other nodes). Both answer one word
/// ("Healthy"/"Unhealthy"), never an exception's text.
/// </summary>
public static class HealthEndpoints
{
    private const string ReadyTag = "ready";

    public static IHostApplicationBuilder AddPortalHealth(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHealthChecks()
            .AddCheck<DatabaseReadyCheck>("database", tags: [ReadyTag])
            .AddCheck<NotStoppingCheck>("not-stopping", tags: [ReadyTag]);
        return builder;
    }

    public static IEndpointRouteBuilder MapPortalHealth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        endpoints.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag) });
        return endpoints;
    }

    private sealed class DatabaseReadyCheck(IDbContextFactory<ApplicationDbContext> contexts) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await using var db = await contexts.CreateDbContextAsync(cancellationToken);
                if (!await db.Database.CanConnectAsync(cancellationToken))
                {
                    return HealthCheckResult.Unhealthy("database unreachable");
                }

                var pending = await db.Database.GetPendingMigrationsAsync(cancellationToken);
                return pending.Any() ? HealthCheckResult.Unhealthy("migrations pending") : HealthCheckResult.Healthy();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Logged by the health check service; the probe itself only learns "Unhealthy".
                return HealthCheckResult.Unhealthy("database check failed", e);
            }
        }
    }

    private sealed class NotStoppingCheck(IHostApplicationLifetime lifetime) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(lifetime.ApplicationStopping.IsCancellationRequested
                ? HealthCheckResult.Unhealthy("shutting down")
                : HealthCheckResult.Healthy());
    }
}
