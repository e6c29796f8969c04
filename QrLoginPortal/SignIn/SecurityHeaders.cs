namespace QrLoginPortal.SignIn;

public static class SecurityHeaders
{
    /// <summary>
    /// Headers every response carries: no framing (clickjacking an Approve button), no referrer (the
    /// approval URL carries the lsi), no MIME sniffing. Set as the response starts, so answers made
    /// by later steps (the authentication step's 302 and 401, the error page after a reset
    /// response) carry them too; it must come first in the pipeline.
    /// </summary>
    /// <summary>
    /// An origin a page's forms may lead to besides this portal (set in <see cref="HttpContext.Items"/>): Chromium
    /// applies form-action to the redirects after a POST too, so the OpenID Connect consent page, whose answer the
    /// portal redirects to the application, names the application's (registered) origin.
    /// </summary>
    public const string FormActionOrigin = "SecurityHeaders.FormActionOrigin";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            context.Response.OnStarting(static state =>
            {
                var context = (HttpContext)state;
                var headers = context.Response.Headers;
                var formAction = context.Items[FormActionOrigin] is string origin ? "'self' " + origin : "'self'";
                headers.ContentSecurityPolicy = $"frame-ancestors 'none'; base-uri 'self'; object-src 'none'; form-action {formAction}";
                headers.XFrameOptions = "DENY";
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                return Task.CompletedTask;
            }, context);
            return next(context);
        });
}
