using Microsoft.Extensions.Options;
using QrLoginPortal.Data;

namespace QrLoginPortal.SignIn;

public static class PublicOrigin
{
    /// <summary>The origin phones and API clients should use: Portal:PublicOrigin, or this request's own.</summary>
    public static string Of(HttpContext context)
    {
        var configured = context.RequestServices.GetRequiredService<IOptions<PortalOptions>>().Value.PublicOrigin;
        return string.IsNullOrWhiteSpace(configured)
            ? $"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}"
            : configured.TrimEnd('/');
    }

    /// <summary>
    /// Whether <paramref name="origin"/> (an Origin header) is this portal: the request's own origin or
    /// the configured public origin. "null" (a sandboxed or privacy-redirected page) is not.
    /// </summary>
    public static bool IsPortalOrigin(string origin, HttpRequest request, string? configuredPublicOrigin) =>
        string.Equals(origin, $"{request.Scheme}://{request.Host}", StringComparison.OrdinalIgnoreCase)
        || (!string.IsNullOrEmpty(configuredPublicOrigin)
            && string.Equals(origin, configuredPublicOrigin.TrimEnd('/'), StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Whether a browser says this request was started by another site's page: Sec-Fetch-Site
    /// "cross-site", or an Origin header that is not this portal. Requests without either (non-browser
    /// clients, old browsers) are not judged here; other defences (binding cookies) cover them.
    /// </summary>
    public static bool IsFromAnotherSite(HttpContext context)
    {
        var request = context.Request;
        if (string.Equals(request.Headers["Sec-Fetch-Site"].ToString(), "cross-site", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        var origin = request.Headers.Origin.ToString();
        return origin.Length > 0 && !IsPortalOrigin(origin, request,
            context.RequestServices.GetRequiredService<IOptions<PortalOptions>>().Value.PublicOrigin);
    }

    /// <summary>The path of the phone's approval page, before the code.</summary>
    public const string ApprovalPathPrefix = "/qr/";

    /// <summary>The approval page a QR code leads to.</summary>
    public static string ApprovalUrl(string origin, string lsi) => $"{origin.TrimEnd('/')}{ApprovalPathPrefix}{Uri.EscapeDataString(lsi)}";

    /// <summary>Whether a local return URL is a phone's approval link (it signs in to approve another device).</summary>
    public static bool IsApprovalPath(string? localUrl) =>
        localUrl is not null && localUrl.Length > ApprovalPathPrefix.Length
        && localUrl.StartsWith(ApprovalPathPrefix, StringComparison.OrdinalIgnoreCase);
}
