using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace QrLoginPortal.Oidc;

/// <summary>
/// The authorization_code and refresh_token grants at the portal's token endpoint. OpenIddict has checked the code
/// or refresh token (single use, PKCE verifier, client, redirect URI; a reused refresh token revokes its whole
/// authorization) before this runs; here the person and the browser session they signed in with must still be valid.
/// </summary>
public static class OidcTokens
{
    public static bool Handles(OpenIddictRequest request) => request.IsAuthorizationCodeGrantType() || request.IsRefreshTokenGrantType();

    public static async Task<Results<SignInHttpResult, ForbidHttpResult>> ExchangeAsync(HttpContext context, OidcClaims claims, TimeProvider clock)
    {
        var granted = await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        if (granted.Principal is not { } principal
            || await claims.StillSignedInAsync(principal, clock.GetUtcNow(), context.RequestAborted) is not var (user, session))
        {
            // The portal session the tokens came from has ended (signed out, ended from another browser, user locked).
            return TypedResults.Forbid(new AuthenticationProperties(new Dictionary<string, string?>
            {
                [OpenIddictServerAspNetCoreConstants.Properties.Error] = Errors.InvalidGrant,
                [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = "The sign-in these tokens belong to has ended.",
            }), [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
        }

        return TypedResults.SignIn(await claims.PrincipalAsync(user, session, principal.GetScopes()),
            authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }
}
