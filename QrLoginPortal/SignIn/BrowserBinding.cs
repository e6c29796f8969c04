using QrLoginPortal.QrLogin;

namespace QrLoginPortal.SignIn;

/// <summary>
/// The HttpOnly cookie that ties a QR transaction to the browser that showed the code. The
/// transaction stores only its hash; the ticket endpoint wants the cookie itself, so a ticket
/// leaked to another browser (or a login-CSRF page) is worthless. The single sign-on tokens of the
/// API (authn flows, the module chain) are bound to the same cookie.
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
        context.Response.Cookies.Append(NameFor(context), value, new CookieOptions
        {
            HttpOnly = true,
            Secure = IsSecure(context),
            // Strict: the cookie never rides on a request another site started, so neither the QR
            // ticket nor a single sign-on token can be redeemed from a foreign page.
            SameSite = SameSiteMode.Strict,
            Path = "/",
            IsEssential = true,
        });
        return Secrets.Hash(value);
    }

    /// <summary>The hash of this browser's binding cookie, or null when it has none (or a malformed one).</summary>
    public static byte[]? Read(HttpContext context)
    {
        var value = context.Request.Cookies[NameFor(context)];
        return value is { Length: TokenLength } ? Secrets.Hash(value) : null;
    }

    // Secure everywhere but plain-http Development (a phone on the LAN); behind a TLS-terminating
    // proxy the request looks like http, yet the cookie must still be Secure.
    private static bool IsSecure(HttpContext context) =>
        context.Request.IsHttps || !context.RequestServices.GetRequiredService<IHostEnvironment>().IsDevelopment();

    private static string NameFor(HttpContext context) => IsSecure(context) ? SecureCookieName : CookieName;
}
