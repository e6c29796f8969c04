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

    /// <summary>The approval page a QR code leads to.</summary>
    public static string ApprovalUrl(string origin, string lsi) => $"{origin.TrimEnd('/')}/qr/{Uri.EscapeDataString(lsi)}";
}
