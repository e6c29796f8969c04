using System.Security.Claims;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Server;
using QrLoginPortal.SignIn;

namespace QrLoginPortal.Api;

/// <summary>
/// Short-lived JWTs about a user (the attempt assertion, the module chain's jwtToken), signed with the
/// key OpenIddict signs its tokens with, so one JWKS (/.well-known/jwks) verifies them all.
/// </summary>
public sealed class SignedJwts(IOptionsMonitor<OpenIddictServerOptions> serverOptions, TimeProvider clock)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    /// <param name="audience">The API client the token is for, when one asked (so tokens meant for one cannot be replayed to another that checks).</param>
    /// <param name="methods">How the user authenticated (RFC 8176 <c>amr</c>, an array).</param>
    public string Create(HttpContext context, IEnumerable<Claim> claims, string? audience = null, string[]? methods = null)
    {
        var issuedAt = clock.GetUtcNow();
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = PublicOrigin.Of(context) + "/",
            Subject = new ClaimsIdentity(claims),
            IssuedAt = issuedAt.UtcDateTime,
            NotBefore = issuedAt.UtcDateTime,
            Expires = (issuedAt + Lifetime).UtcDateTime,
            SigningCredentials = serverOptions.CurrentValue.SigningCredentials.First(),
            TokenType = "JWT",
            Audience = audience,
        };
        if (methods is { Length: > 0 })
        {
            descriptor.Claims = new Dictionary<string, object> { ["amr"] = methods };
        }

        return new JsonWebTokenHandler().CreateToken(descriptor);
    }
}
