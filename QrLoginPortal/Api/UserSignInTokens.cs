using System.Security.Claims;
using Microsoft.Extensions.Options;
using QrLoginPortal.Data;
using QrLoginPortal.Sessions;
using QrLoginPortal.SignIn;

namespace QrLoginPortal.Api;

/// <summary>What an API sign-in hands back (the module chain's Success, a completed authn flow).</summary>
public sealed record SignInTokenSet(string Token, string JwtToken, string Oauth2Token, int ExpiresIn, ModuleChainUserData UserData,
    ModuleChainSettings Settings);

/// <summary>
/// Signs a user in through the API: opens a session (listed on their signed-in browsers page) and
/// issues, within it, a single sign-on token for the browser that started the flow (bound to its
/// binding cookie), a JWT about the user and a bearer token
/// for the portal's API. Ending the session ends them all.
/// </summary>
public sealed class UserSignInTokens(SessionStore sessions, SessionBearerTokens bearerTokens, SignedJwts jwts, IOptions<ApiOptions> options)
{
    /// <summary>How long the single sign-on token may wait for the browser that redeems it.</summary>
    public static readonly TimeSpan SingleSignOnLifetime = TimeSpan.FromMinutes(2);

    public async Task<SignInTokenSet> IssueAsync(HttpContext context, ApplicationUser user, string sessionMethod, string amr,
        IEnumerable<Claim> extraClaims, byte[] browserBindingHash, CancellationToken ct)
    {
        var userName = user.UserName ?? user.Id;
        var displayName = user.ShownName;
        var sessionId = await sessions.StartAsync(user.Id, sessionMethod, persistent: false, context.ClientIp(),
            context.Request.Headers.UserAgent.ToString(), ct);
        var singleSignOn = await sessions.IssueSsoTokenAsync(sessionId, SingleSignOnLifetime, browserBindingHash, ct)
                           ?? throw new InvalidOperationException("A session just opened must take a single sign-on token.");
        var accessToken = bearerTokens.Issue(user.Id, userName, user.SecurityStamp, sessionId, sessionMethod);
        List<Claim> claims =
        [
            new("sub", user.Id),
            new("name", displayName),
            new("preferred_username", userName),
            new("sid", sessionId.ToString()),
            .. extraClaims,
        ];
        if (user.Email is { } email)
        {
            claims.Add(new Claim("email", email));
        }

        var origin = PublicOrigin.Of(context);
        return new SignInTokenSet(singleSignOn, jwts.Create(context, claims, context.User.ClientId(), [amr]), accessToken, (int)SessionBearerTokens.Lifetime.TotalSeconds,
            new ModuleChainUserData(user.Id, userName, user.Email, displayName),
            new ModuleChainSettings(options.Value.SuccessRedirectUrl(origin), origin + SingleSignOnEndpoint.Path));
    }
}
