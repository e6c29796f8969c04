using System.Collections.Immutable;
using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using QrLoginPortal.Data;
using QrLoginPortal.Sessions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace QrLoginPortal.Oidc;

/// <summary>The signed-in browser an OpenID Connect sign-in rides on: its session row, and what it says about how the person signed in.</summary>
public sealed record OidcSession(Guid Id, string UserId, string Method, DateTimeOffset SignedInAt)
{
    /// <summary>The one definition of "a QR (phone-approved) sign-in", which <c>acr_values=qr</c> asks for.</summary>
    public bool IsQr => Method == OidcClaims.QrAcr;
}

/// <summary>
/// The identity an application receives: the one place that turns a portal user and the browser session they
/// signed in with into claims, for the authorization endpoint, the token endpoint (refresh) and userinfo alike.
/// </summary>
public sealed class OidcClaims(IDbContextFactory<ApplicationDbContext> databases,
    Microsoft.AspNetCore.Identity.UserManager<ApplicationUser> users)
{
    public const string SessionId = "sid";
    public const string AuthenticationMethods = "amr";
    public const string AuthenticationContext = "acr";
    public const string AuthenticationTime = "auth_time";

    /// <summary>The acr value (and session method) of a sign-in approved on a phone by scanning the QR code.</summary>
    public const string QrAcr = "qr";

    /// <summary>RFC 8176 method references for the portal's session methods (<see cref="UserSession.Method"/>).</summary>
    public static ImmutableArray<string> MethodReferences(string method) => method switch
    {
        "qr" or "qr-api" => ["qr"],
        "pwd" => ["pwd"],
        // A passkey: whether it is bound to hardware is not known without attestation; hwk is the common case.
        "passkey" or "pk" => ["hwk"],
        "pwd+badge" => ["pwd", "mfa"],
        "badge" or "badge-api" => ["badge"],
        _ => [method],
    };

    /// <summary>The open session <paramref name="sessionId"/> of <paramref name="userId"/>, or null when it ended.</summary>
    public async Task<OidcSession?> FindSessionAsync(string? userId, string? sessionId, CancellationToken ct = default)
    {
        if (userId is null || !Guid.TryParse(sessionId, out var id))
        {
            return null;
        }

        await using var db = await databases.CreateDbContextAsync(ct);
        return await db.UserSessions.AsNoTracking()
            .Where(s => s.Id == id && s.UserId == userId)
            .Where(UserSession.IsOpen)
            .Select(s => new OidcSession(s.Id, s.UserId, s.Method, s.CreatedAt))
            .FirstOrDefaultAsync(ct);
    }

    /// <summary>The user still allowed to sign in to applications (exists, not locked), or null.</summary>
    public async Task<ApplicationUser?> FindUserAsync(string? userId, DateTimeOffset now)
    {
        var user = userId is null ? null : await users.FindByIdAsync(userId);
        return user is not null && user.IsUnlockedAt(now) ? user : null;
    }

    /// <summary>
    /// The one rule for a code, refresh token or access token of an application: it is good while its person may
    /// still sign in and the portal session (sid) it was issued from is still open. Null when either has ended.
    /// </summary>
    public async Task<(ApplicationUser User, OidcSession Session)?> StillSignedInAsync(ClaimsPrincipal? granted, DateTimeOffset now,
        CancellationToken ct = default)
    {
        var user = await FindUserAsync(granted?.GetClaim(Claims.Subject), now);
        var session = await FindSessionAsync(user?.Id, granted?.GetClaim(SessionId), ct);
        return user is null || session is null ? null : (user, session);
    }

    /// <summary>The principal OpenIddict turns into the codes and tokens: the user's claims now, the session's sign-in facts.</summary>
    public async Task<ClaimsPrincipal> PrincipalAsync(ApplicationUser user, OidcSession session, IEnumerable<string> scopes)
    {
        var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, user.Id)
            .SetClaim(Claims.Name, user.UserName)
            .SetClaim(Claims.PreferredUsername, user.UserName)
            .SetClaim(Claims.Email, user.Email)
            .SetClaim(Claims.EmailVerified, user.EmailConfirmed)
            .SetClaim(SessionId, session.Id.ToString())
            .SetClaim(AuthenticationTime, session.SignedInAt.ToUnixTimeSeconds())
            .SetClaims(AuthenticationMethods, MethodReferences(session.Method))
            .SetClaims(Claims.Role, [.. await users.GetRolesAsync(user)]);
        if (session.IsQr)
        {
            identity.SetClaim(AuthenticationContext, QrAcr);
        }

        identity.SetScopes(scopes);
        identity.SetDestinations(claim => Destinations(claim, identity));
        return new ClaimsPrincipal(identity);
    }

    /// <summary>Which token each claim goes into; profile, email and roles only with their scope.</summary>
    private static IEnumerable<string> Destinations(Claim claim, ClaimsIdentity identity)
    {
        string[] both = [OpenIddictConstants.Destinations.AccessToken, OpenIddictConstants.Destinations.IdentityToken];
        return claim.Type switch
        {
            Claims.Subject or SessionId or AuthenticationTime or AuthenticationMethods or AuthenticationContext => both,
            Claims.Name or Claims.PreferredUsername when identity.HasScope(Scopes.Profile) => both,
            Claims.Email or Claims.EmailVerified when identity.HasScope(Scopes.Email) => both,
            Claims.Role when identity.HasScope(Scopes.Roles) => both,
            _ => [],
        };
    }
}
