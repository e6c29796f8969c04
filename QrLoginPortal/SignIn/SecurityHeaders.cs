namespace QrLoginPortal.SignIn;

/// <summary>An origin besides 'self' that the page answering <paramref name="context"/> may send forms to, or null (see the Oidc feature's).</summary>
public interface IFormActionSource
{
    Task<string?> OriginAsync(HttpContext context);
}

public static class SecurityHeaders
{
    /// <summary>
    /// An origin a page's forms may lead to besides this portal (set in <see cref="HttpContext.Items"/>): Chromium
    /// applies form-action to the redirects after a POST too, so the OpenID Connect consent page, whose answer the
    /// portal redirects to the application, names the application's (registered) origin.
    /// </summary>
    public const string FormActionOrigin = "SecurityHeaders.FormActionOrigin";

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
                // A sign-in for another application ends at that application: a page that set its origin itself
                // (the consent page), or the authorization request the page continues (IFormActionSource).
                var application = context.Items[FormActionOrigin] as string
                                  ?? (context.RequestServices.GetService<IFormActionSource>() is { } source ? await source.OriginAsync(context) : null);
                headers.ContentSecurityPolicy = "frame-ancestors 'none'; base-uri 'self'; object-src 'none'; form-action 'self'"
                                                + (application is null ? "" : " " + application);
                headers.XFrameOptions = "DENY";
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
            }, context);
            return next(context);
        });
}
