using System.Security.Claims;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace QrLoginPortal.Api;

/// <summary>The form of the client-credentials grant (RFC 6749 §4.4), as the token endpoint reads it.</summary>
public sealed record TokenRequest(
    [property: JsonPropertyName("grant_type")] string GrantType,
    [property: JsonPropertyName("client_id")] string ClientId,
    [property: JsonPropertyName("client_secret")] string ClientSecret);

/// <summary>What OpenIddict answers to a granted request (RFC 6749 §5.1); the document's description of it.</summary>
public sealed record TokenResponse(
    [property: JsonPropertyName("access_token")] string AccessToken,
    [property: JsonPropertyName("token_type")] string TokenType,
    [property: JsonPropertyName("expires_in")] int ExpiresIn);

/// <summary>What a refused request gets (RFC 6749 §5.2): 401 invalid_client for a wrong secret, 429 too_many_requests after many, else 400.</summary>
public sealed record TokenError(
    [property: JsonPropertyName("error")] string Error,
    [property: JsonPropertyName("error_description")] string? ErrorDescription);

/// <summary>
/// <c>POST /v1.0/endpoint/default/token</c>: the client-credentials grant. OpenIddict has authenticated the
/// client (and refused a wrong secret itself) before the handler runs; the handler names the client in the token
/// and adds its entitlements. OpenIddict writes both answers, so the document's shapes are declared here.
/// </summary>
public static class TokenEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapPost(ApiExtensions.TokenPath, IssueTokenAsync).DisableAntiforgery()
            .WithTags(ApiDocument.Tags.Token)
            .Accepts<TokenRequest>("application/x-www-form-urlencoded")
            .Produces<TokenResponse>()
            .Produces<TokenError>(StatusCodes.Status400BadRequest)
            .Produces<TokenError>(StatusCodes.Status401Unauthorized)
            .Produces<TokenError>(StatusCodes.Status429TooManyRequests)
            .WithName("Token")
            .WithSummary("OAuth2 client-credentials token: form fields grant_type=client_credentials, client_id, client_secret.");

    private static async Task<Results<SignInHttpResult, ForbidHttpResult>> IssueTokenAsync(HttpContext context,
        IOpenIddictApplicationManager applications, Oidc.OidcClaims claims, TimeProvider clock)
    {
        var request = context.GetOpenIddictServerRequest();
        if (request is not null && Oidc.OidcTokens.Handles(request))
        {
            // The OpenID Connect provider's grants share the one token endpoint the discovery document names.
            return await Oidc.OidcTokens.ExchangeAsync(context, claims, clock);
        }

        if (request is null || !request.IsClientCredentialsGrantType() || request.ClientId is null
            || await applications.FindByClientIdAsync(request.ClientId) is not { } application)
        {
            return TypedResults.Forbid(new AuthenticationProperties(new Dictionary<string, string?>
            {
                [OpenIddictServerAspNetCoreConstants.Properties.Error] = Errors.UnsupportedGrantType,
                [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = "Only the client_credentials, authorization_code and refresh_token grants are supported.",
            }), [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
        }

        var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, request.ClientId);
        identity.SetClaim(Claims.Name, await applications.GetDisplayNameAsync(application) ?? request.ClientId);
        foreach (var permission in await applications.GetPermissionsAsync(application))
        {
            if (permission.StartsWith(ApiEntitlements.PermissionPrefix, StringComparison.Ordinal))
            {
                identity.AddClaim(new Claim(ApiEntitlements.ClaimType, permission[ApiEntitlements.PermissionPrefix.Length..]));
            }
        }

        identity.SetDestinations(_ => [Destinations.AccessToken]);
        return TypedResults.SignIn(new ClaimsPrincipal(identity), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }
}
