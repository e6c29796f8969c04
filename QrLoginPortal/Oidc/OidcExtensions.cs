using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace QrLoginPortal.Oidc;

/// <summary>
/// The OpenID Connect provider: authorization code flow with PKCE (S256 only), rolling refresh tokens, userinfo and
/// end-session, on the OpenIddict server the API already runs (same keys, same token endpoint).
/// </summary>
public static class OidcExtensions
{
    public static IHostApplicationBuilder AddOidcProvider(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<OidcOptions>()
            .BindConfiguration(OidcOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddScoped<OidcClaims>();
        builder.Services.AddScoped<OidcApplications>();
        builder.Services.AddScoped<OidcConsents>();
        builder.Services.AddSingleton<SignIn.IFormActionSource, OidcFormActionSource>();
        builder.Services.AddOpenIddict().AddServer(options =>
        {
            options.SetAuthorizationEndpointUris(OidcEndpoints.AuthorizePath.TrimStart('/'))
                .SetUserInfoEndpointUris(OidcEndpoints.UserInfoPath.TrimStart('/'))
                .SetEndSessionEndpointUris(OidcEndpoints.EndSessionPath.TrimStart('/'));
            options.AllowAuthorizationCodeFlow().RequireProofKeyForCodeExchange();
            options.AllowRefreshTokenFlow();
            options.RegisterScopes(Scopes.OpenId, Scopes.Profile, Scopes.Email, Scopes.Roles, Scopes.OfflineAccess);
            options.RegisterClaims(Claims.Subject, Claims.Name, Claims.PreferredUsername, Claims.Email, Claims.EmailVerified, Claims.Role,
                OidcClaims.AuthenticationMethods, OidcClaims.AuthenticationTime, OidcClaims.SessionId, OidcClaims.AuthenticationContext);
            // Short-lived codes; a redeemed refresh token is never accepted again, so a reuse revokes its family at once.
            options.SetAuthorizationCodeLifetime(TimeSpan.FromMinutes(1));
            options.SetRefreshTokenReuseLeeway(TimeSpan.Zero);
            OidcRequestLimit.Register(options);
            options.UseAspNetCore()
                .EnableAuthorizationEndpointPassthrough()
                .EnableUserInfoEndpointPassthrough()
                .EnableEndSessionEndpointPassthrough();
        });
        // S256 only: "plain" PKCE protects nothing against someone who can read the authorization request.
        builder.Services.Configure<OpenIddictServerOptions>(options =>
        {
            options.CodeChallengeMethods.Clear();
            options.CodeChallengeMethods.Add(CodeChallengeMethods.Sha256);
        });
        return builder;
    }

    public static async Task ProvisionOidcApplicationsAsync(this WebApplication app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<OidcApplications>().ProvisionAsync();
    }

    public static IEndpointRouteBuilder MapOidcProvider(this IEndpointRouteBuilder app)
    {
        OidcEndpoints.Map(app);
        return app;
    }
}
