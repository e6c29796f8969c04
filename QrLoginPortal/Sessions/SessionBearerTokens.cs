using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace QrLoginPortal.Sessions;

/// <summary>
/// A user's OAuth2 bearer access token, issued by ASP.NET Core's bearer-token handler (data-protected,
/// opaque) and tied to a session row like a cookie is: ending the session (the user's "signed-in
/// browsers" page, a lock, an admin) refuses the token on its next use.
/// </summary>
public sealed class SessionBearerTokens(IOptionsMonitor<BearerTokenOptions> options, TimeProvider clock)
{
    public static readonly string Scheme = IdentityConstants.BearerScheme;
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(1);

    /// <summary>Identity's claim for the security stamp: a password change or reset changes the stamp and ends the token.</summary>
    public const string SecurityStampClaim = "AspNet.Identity.SecurityStamp";

    /// <summary>An access token for <paramref name="userId"/> within session <paramref name="sessionId"/>; valid <see cref="Lifetime"/>.</summary>
    public string Issue(string userId, string userName, string? securityStamp, Guid sessionId, string method)
    {
        var identity = new ClaimsIdentity(Scheme, ClaimTypes.Name, ClaimTypes.Role);
        identity.AddClaim(new Claim(ClaimTypes.NameIdentifier, userId));
        identity.AddClaim(new Claim(ClaimTypes.Name, userName));
        identity.AddClaim(new Claim(ClaimTypes.AuthenticationMethod, method));
        identity.AddClaim(new Claim(SessionStore.SessionClaim, sessionId.ToString()));
        identity.AddClaim(new Claim(SecurityStampClaim, securityStamp ?? ""));
        var now = clock.GetUtcNow();
        var properties = new AuthenticationProperties { IssuedUtc = now, ExpiresUtc = now + Lifetime };
        var ticket = new AuthenticationTicket(new ClaimsPrincipal(identity), properties, Scheme);
        return options.Get(Scheme).BearerTokenProtector.Protect(ticket);
    }

    public static void AddScheme(AuthenticationBuilder authentication) =>
        authentication.AddBearerToken(Scheme, options =>
        {
            options.BearerTokenExpiration = Lifetime;
            // API clients send OpenIddict's JWTs to endpoints that also try this scheme. Ours are data-protected
            // base64url, never dotted: a dotted one is not ours, and trying to unprotect it only threw and caught.
            options.Events.OnMessageReceived = context =>
            {
                if (context.Request.Headers.Authorization.ToString() is { } header
                    && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && header.Contains('.', StringComparison.Ordinal))
                {
                    context.NoResult();
                }

                return Task.CompletedTask;
            };
        });

    public static bool IsBearer(ClaimsPrincipal principal) => principal.Identities.Any(i => i.AuthenticationType == Scheme && i.IsAuthenticated);
}

/// <summary>
/// A user's bearer token counts only while its session is open and the user's security stamp is the
/// one it was issued with (cookies are checked by the cookie events).
/// </summary>
public sealed class ActiveSessionRequirement : IAuthorizationRequirement;

public sealed class ActiveSessionHandler(SessionStore sessions, IHttpContextAccessor http) : AuthorizationHandler<ActiveSessionRequirement>
{
    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, ActiveSessionRequirement requirement)
    {
        var user = context.User;
        if (!SessionBearerTokens.IsBearer(user))
        {
            context.Succeed(requirement);
            return;
        }

        if (user.FindFirstValue(ClaimTypes.NameIdentifier) is { } userId
            && Guid.TryParse(user.FindFirstValue(SessionStore.SessionClaim), out var sessionId)
            && user.FindFirstValue(SessionBearerTokens.SecurityStampClaim) is { } stamp
            && await sessions.TouchAsync(sessionId, userId, stamp, http.HttpContext?.RequestAborted ?? default))
        {
            context.Succeed(requirement);
        }
    }
}

public static class SessionBearerExtensions
{
    /// <summary>The bearer scheme and the check that its session is still open.</summary>
    public static IHostApplicationBuilder AddSessionBearerTokens(this IHostApplicationBuilder builder)
    {
        SessionBearerTokens.AddScheme(builder.Services.AddAuthentication());
        builder.Services.AddSingleton<SessionBearerTokens>();
        builder.Services.AddScoped<IAuthorizationHandler, ActiveSessionHandler>();
        return builder;
    }
}
