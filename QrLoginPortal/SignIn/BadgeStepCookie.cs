using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;

namespace QrLoginPortal.SignIn;

/// <summary>Who gave the right password and must now show their badge; valid a few minutes.</summary>
public sealed record PendingBadgeStep(string UserId, bool RememberMe, DateTimeOffset ExpiresAt);

/// <summary>
/// Carries a password that was right, but not yet a session, to the badge step: an HttpOnly cookie
/// encrypted and signed with Data Protection (as Identity's own two-factor cookie), valid 5 minutes.
/// </summary>
public sealed class BadgeStepCookie(IDataProtectionProvider protection, TimeProvider clock, IHostEnvironment environment)
{
    // __Host- needs Secure, so plain-http development uses the unprefixed name.
    public const string SecureCookieName = "__Host-qrl-badge-step";
    public const string CookieName = "qrl-badge-step";
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);
    private readonly IDataProtector _protector = protection.CreateProtector("QrLoginPortal.BadgeStep.v1");

    public void Set(HttpContext context, string userId, bool rememberMe)
    {
        var pending = new PendingBadgeStep(userId, rememberMe, clock.GetUtcNow() + Lifetime);
        context.Response.Cookies.Append(NameFor(context), _protector.Protect(JsonSerializer.Serialize(pending)), Options(context));
    }

    /// <summary>The pending step of this browser, or null when it has none, or an expired or forged one.</summary>
    public PendingBadgeStep? Read(HttpContext context)
    {
        if (context.Request.Cookies[NameFor(context)] is not { Length: > 0 and < 4096 } value)
        {
            return null;
        }

        try
        {
            var pending = JsonSerializer.Deserialize<PendingBadgeStep>(_protector.Unprotect(value));
            return pending is not null && pending.ExpiresAt > clock.GetUtcNow() ? pending : null;
        }
        catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or JsonException)
        {
            return null;
        }
    }

    public void Clear(HttpContext context) => context.Response.Cookies.Delete(NameFor(context), Options(context));

    private bool IsSecure(HttpContext context) => context.Request.IsHttps || !environment.IsDevelopment();

    private string NameFor(HttpContext context) => IsSecure(context) ? SecureCookieName : CookieName;

    private CookieOptions Options(HttpContext context) => new()
    {
        HttpOnly = true,
        Secure = IsSecure(context),
        SameSite = SameSiteMode.Strict,
        Path = "/",
        IsEssential = true,
        MaxAge = Lifetime,
    };
}
