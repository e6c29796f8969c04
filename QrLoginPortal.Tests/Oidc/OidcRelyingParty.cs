using Microsoft.IdentityModel.JsonWebTokens;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using QrLoginPortal.Tests.Infrastructure;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace QrLoginPortal.Tests.Oidc;

/// <summary>An application doing the authorization code flow by hand, as RFC 6749 and 7636 describe it.</summary>
public sealed class OidcRelyingParty(PortalFactory portal, string clientId, string redirectUri)
{
    public const string TokenPath = "/v1.0/endpoint/default/token";

    public string ClientId => clientId;
    public string RedirectUri => redirectUri;
    public string Verifier { get; private set; } = NewVerifier();
    public string State { get; } = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(16));
    public string Nonce { get; } = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(16));

    /// <summary>Registers a public client (PKCE only) that may use the code flow, refresh tokens and every scope.</summary>
    public static async Task<OidcRelyingParty> RegisterAsync(PortalFactory portal, string? clientId = null, string redirectUri = "https://app.example/signin-oidc",
        string consentType = ConsentTypes.Implicit)
    {
        clientId ??= "app-" + Guid.NewGuid().ToString("N")[..8];
        await using var scope = portal.Services.CreateAsyncScope();
        var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = clientId,
            ClientType = ClientTypes.Public,
            ConsentType = consentType,
            DisplayName = "Test application",
            RedirectUris = { new Uri(redirectUri) },
            PostLogoutRedirectUris = { new Uri("https://app.example/signed-out") },
            Permissions =
            {
                Permissions.Endpoints.Authorization, Permissions.Endpoints.Token, Permissions.Endpoints.EndSession,
                Permissions.GrantTypes.AuthorizationCode, Permissions.GrantTypes.RefreshToken, Permissions.ResponseTypes.Code,
                Permissions.Scopes.Profile, Permissions.Scopes.Email, Permissions.Scopes.Roles,
            },
            Requirements = { Requirements.Features.ProofKeyForCodeExchange },
        };
        await applications.CreateAsync(descriptor);
        return new OidcRelyingParty(portal, clientId, redirectUri);
    }

    public string AuthorizeUrl(IDictionary<string, string?>? extra = null, string challengeMethod = "S256", bool pkce = true)
    {
        var query = new Dictionary<string, string?>
        {
            ["client_id"] = clientId,
            ["redirect_uri"] = redirectUri,
            ["response_type"] = "code",
            ["scope"] = "openid profile email roles offline_access",
            ["state"] = State,
            ["nonce"] = Nonce,
        };
        if (pkce)
        {
            query["code_challenge"] = challengeMethod == "S256" ? Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(Verifier))) : Verifier;
            query["code_challenge_method"] = challengeMethod;
        }

        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            query[key] = value;
        }

        return QueryHelpers.AddQueryString("/connect/authorize", query);
    }

    /// <summary>The code the portal sent back to the redirect URI (asserting it went there, with the state).</summary>
    public string CodeFrom(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!;
        Assert.StartsWith(redirectUri + "?", location.OriginalString);
        var query = QueryHelpers.ParseQuery(location.Query);
        Assert.Equal(State, query["state"].ToString());
        return query["code"].ToString();
    }

    public async Task<string> CodeAsync(PortalFactory.BrowserClient browser, IDictionary<string, string?>? extra = null) =>
        CodeFrom(await browser.Http.GetAsync(AuthorizeUrl(extra)));

    public Task<HttpResponseMessage> RedeemAsync(string code, string? verifier = null, string? clientSecret = null)
    {
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["client_id"] = clientId,
            ["code"] = code,
            ["redirect_uri"] = redirectUri,
            ["code_verifier"] = verifier ?? Verifier,
        };
        if (clientSecret is not null)
        {
            form["client_secret"] = clientSecret;
        }

        return PostTokenAsync(form);
    }

    public Task<HttpResponseMessage> RefreshAsync(string refreshToken) =>
        PostTokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["client_id"] = clientId,
            ["refresh_token"] = refreshToken,
        });

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement;
    }

    public static JsonWebToken IdToken(JsonElement tokens) => new(tokens.GetProperty("id_token").GetString());

    private async Task<HttpResponseMessage> PostTokenAsync(Dictionary<string, string> form)
    {
        using var http = portal.CreateDefaultClient();
        return await http.PostAsync(TokenPath, new FormUrlEncodedContent(form));
    }

    private static string NewVerifier() => Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
}
