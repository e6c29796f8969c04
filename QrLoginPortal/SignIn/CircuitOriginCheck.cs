using Microsoft.Extensions.Options;
using QrLoginPortal.Data;

namespace QrLoginPortal.SignIn;

public static class CircuitOriginCheck
{
    private const string CircuitPath = "/_blazor";

    /// <summary>
    /// Refuses Blazor circuit connections started by another site's page. WebSockets are not
    /// covered by CORS, so without this a hostile page could open a circuit with the user's cookies
    /// (cross-site WebSocket hijacking). Same origin and the configured public origin are allowed.
    /// </summary>
    public static IApplicationBuilder UseSameOriginCircuits(this IApplicationBuilder app)
    {
        var publicOrigin = app.ApplicationServices.GetRequiredService<IOptions<PortalOptions>>().Value.PublicOrigin?.TrimEnd('/');
        return app.Use((context, next) =>
        {
            if (context.Request.Path.StartsWithSegments(CircuitPath)
                && context.Request.Headers.Origin.ToString() is { Length: > 0 } origin
                && !PublicOrigin.IsPortalOrigin(origin, context.Request, publicOrigin))
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                return Task.CompletedTask;
            }

            return next(context);
        });
    }
}
