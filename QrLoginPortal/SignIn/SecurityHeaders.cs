namespace QrLoginPortal.SignIn;

/// <summary>An origin besides 'self' that the page answering <paramref name="context"/> may send forms to, or null (see the Oidc feature's).</summary>
public interface IFormActionSource
{
    Task<string?> OriginAsync(HttpContext context);
}

public static class SecurityHeaders
{
    /// <summary>
    /// Headers every response carries: no framing (clickjacking an Approve button), no referrer (the
    /// approval URL carries the lsi), no MIME sniffing. Set as the response starts, so answers made
    /// by later steps (the authentication step's 302 and 401, the error page after a reset
    /// response) carry them too; it must come first in the pipeline.
    /// </summary>
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            context.Response.OnStarting(static async state =>
            {
                var context = (HttpContext)state;
                var headers = context.Response.Headers;
                // A sign-in for another application ends at that application.
                var application = context.RequestServices.GetService<IFormActionSource>() is { } source ? await source.OriginAsync(context) : null;
                headers.ContentSecurityPolicy = "frame-ancestors 'none'; base-uri 'self'; object-src 'none'; form-action 'self'"
                                                + (application is null ? "" : " " + application);
                headers.XFrameOptions = "DENY";
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
            }, context);
            return next(context);
        });
}
