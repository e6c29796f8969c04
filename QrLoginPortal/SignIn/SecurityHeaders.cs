namespace QrLoginPortal.SignIn;

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
            context.Response.OnStarting(static state =>
            {
                var headers = ((HttpContext)state).Response.Headers;
                headers.ContentSecurityPolicy = "frame-ancestors 'none'; base-uri 'self'; object-src 'none'; form-action 'self'";
                headers.XFrameOptions = "DENY";
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                return Task.CompletedTask;
            }, context);
            return next(context);
        });
}
