namespace QrLoginPortal.SignIn;

public static class SecurityHeaders
{
    /// <summary>
    /// Headers every response carries: no framing (clickjacking an Approve button), no referrer (the
    /// approval URL carries the lsi), no MIME sniffing.
    /// </summary>
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = "frame-ancestors 'none'; base-uri 'self'; object-src 'none'; form-action 'self'";
            headers.XFrameOptions = "DENY";
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            return next(context);
        });
}
