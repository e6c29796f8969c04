using QrLoginPortal.QrLogin;

namespace QrLoginPortal.SignIn;

/// <summary>
/// The HttpOnly cookie that ties a QR transaction to the browser that showed the code. The
/// transaction stores only its hash; the ticket endpoint wants the cookie itself, so a ticket
/// leaked to another browser (or a login-CSRF page) is worthless.
/// </summary>
public static class BrowserBinding
{
    // __Host- needs Secure, so plain-http development uses the unprefixed name.
    public const string SecureCookieName = "__Host-qrl-bind";
    public const string CookieName = "qrl-bind";

    private const int TokenLength = 43;

    /// <summary>The hash of this browser's binding cookie, creating the cookie first if the browser has none.</summary>
    public static byte[] Ensure(HttpContext context)
    {
        var existing = Read(context);
        if (existing is not null)
        {
            return existing;
        }

        var value = Secrets.NewToken();
        context.Response.Cookies.Append(NameFor(context.Request), value, new CookieOptions
        {
            HttpOnly = true,
            Secure = context.Request.IsHttps,
            SameSite = SameSiteMode.Lax,
            Path = "/",
            IsEssential = true,
        });
        return Secrets.Hash(value);
    }

    /// <summary>The hash of this browser's binding cookie, or null when it has none (or a malformed one).</summary>
    public static byte[]? Read(HttpContext context)
    {
        var value = context.Request.Cookies[NameFor(context.Request)];
        return value is { Length: TokenLength } ? Secrets.Hash(value) : null;
    }

    private static string NameFor(HttpRequest request) => request.IsHttps ? SecureCookieName : CookieName;
}
