using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;
using QrLoginPortal.Data;

namespace QrLoginPortal.SignIn;

public static class TrustedProxies
{
    /// <summary>
    /// Behind a reverse proxy every request comes from the proxy: rate limits, the audit log and the
    /// phone page's "different network" warning need the client's own address. Only proxies listed
    /// in Portal:KnownProxies are believed; with none listed, X-Forwarded-* headers are ignored.
    /// </summary>
    public static IApplicationBuilder UseTrustedForwardedHeaders(this IApplicationBuilder app)
    {
        var proxies = app.ApplicationServices.GetRequiredService<IOptions<PortalOptions>>().Value.KnownProxies;
        if (proxies.Length == 0)
        {
            return app;
        }

        var options = new ForwardedHeadersOptions
        {
            ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost,
        };
        options.KnownIPNetworks.Clear();
        options.KnownProxies.Clear();
        foreach (var proxy in proxies)
        {
            options.KnownProxies.Add(IPAddress.Parse(proxy));
        }

        return app.UseForwardedHeaders(options);
    }
}
