using System.Net;
using Microsoft.EntityFrameworkCore;
using OpenTelemetry.Metrics;
using QrLoginPortal.Data;

namespace QrLoginPortal.Operations;

/// <summary>
/// OpenTelemetry metrics at <c>/metrics</c> in Prometheus text form: the portal's own <c>qrlogin_*</c>
/// series (<see cref="PortalMeter"/>), ASP.NET Core's and Kestrel's, and the runtime's. Only
/// addresses in <c>Operations:MetricsAllowedNetworks</c> (loopback and private networks by default)
/// may read it; to anyone else it does not exist.
/// </summary>
public static class MetricsEndpoint
{
    public const string Path = "/metrics";
    public const string AllowedNetworksKey = "Operations:MetricsAllowedNetworks";

    private static readonly string[] DefaultAllowedNetworks = ["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"];

    public static IHostApplicationBuilder AddPortalMetrics(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(PortalMeter.Name, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel",
                "Microsoft.AspNetCore.Components", "System.Runtime")
            .AddPrometheusExporter());
        builder.Services.AddSingleton<AuditedEventMetrics>();
        builder.Services.AddSingleton<WaitingPagesGauge>();
        builder.Services.ConfigureDbContext<ApplicationDbContext>((services, options) =>
            options.AddInterceptors(services.GetRequiredService<AuditedEventMetrics>()));
        return builder;
    }

    public static IApplicationBuilder UsePortalMetrics(this IApplicationBuilder app)
    {
        // Created with the endpoint, so the gauge exists before the first scrape.
        app.ApplicationServices.GetRequiredService<WaitingPagesGauge>();
        var configured = app.ApplicationServices.GetRequiredService<IConfiguration>().GetSection(AllowedNetworksKey).Get<string[]>();
        var allowed = (configured is { Length: > 0 } ? configured : DefaultAllowedNetworks)
            .Select(network => IPNetwork.TryParse(network, out var parsed)
                ? parsed
                : throw new InvalidOperationException($"{AllowedNetworksKey} holds '{network}', which is not a network such as 10.0.0.0/8."))
            .ToArray();
        return app.UseOpenTelemetryPrometheusScrapingEndpoint(context =>
            context.Request.Path == Path
            && context.ClientIpAddress() is { } address
            && allowed.Any(network => network.Contains(address)));
    }
}
