using System.Security.Claims;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using OpenIddict.Validation.AspNetCore;
using Microsoft.Extensions.Options;
using QrLoginPortal.Data;
using QrLoginPortal.QrLogin;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace QrLoginPortal.Api;

public static class ApiExtensions
{
    public const string TokenPath = "/v1.0/endpoint/default/token";
    public const string BearerPolicy = "ApiBearer";

    /// <summary>Single sign-on tokens of the API posted by browsers, per client address (a budget of its own).</summary>
    public const string SingleSignOnRateLimitPolicy = "api-sso";

    /// <summary>The anonymous authn API (passwords and badges), per client address: a budget of its own, so it cannot use up ticket redemptions.</summary>
    public const string AuthnRateLimitPolicy = "api-authn";

    private static readonly string[] ApiPrefixes = ["/v1.0", "/v2.0", "/config", "/idp"];

    public static bool IsApiPath(PathString path) => ApiPrefixes.Any(prefix => path.StartsWithSegments(prefix));

    /// <summary>OpenIddict (client credentials, EF Core stores in the portal's database) and the API's services.</summary>
    public static IHostApplicationBuilder AddQrLoginApi(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ApiOptions>()
            .BindConfiguration(ApiOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddScoped<ApiProvisioner>();
        builder.Services.AddSingleton<SignedJwts>();
        builder.Services.AddSingleton<RegistrationProfiles>();
        builder.Services.AddSingleton<UserSignInTokens>();
        builder.Services.AddSingleton<AuthnFlows>();
        builder.Services.AddAttemptLimiter(SecretGuessLimiter.Use, p => SecretGuessLimiter.LimitsOf(p.GetRequiredService<IOptions<ApiOptions>>().Value));
        builder.Services.AddSingleton<SecretGuessLimiter>();
        builder.Services.AddAttemptLimiter(ClientSecretThrottle.Use, p => ClientSecretThrottle.LimitsOf(p.GetRequiredService<IOptions<ApiOptions>>().Value));
        builder.Services.AddSingleton<ClientSecretThrottle>();
        builder.Services.AddOpenApi(ApiDocument.Configure);
        builder.Services.AddRateLimiter(options =>
        {
            var permitsPerMinute = SignIn.SignInLimitsOptions.RequestsPerMinutePerIpOf(builder.Configuration);
            options.AddPerAddressPolicy(SingleSignOnRateLimitPolicy, permitsPerMinute);
            options.AddPerAddressPolicy(AuthnRateLimitPolicy, permitsPerMinute);
        });

        builder.Services.AddOptions<ServerKeyOptions>()
            .BindConfiguration(ServerKeyOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<ServerKeyRing>();
        builder.Services.AddSingleton<IConfigureOptions<OpenIddictServerOptions>, ConfigureServerKeys>();

        var development = builder.Environment.IsDevelopment();
        builder.Services.AddOpenIddict()
            .AddCore(options => options.UseEntityFrameworkCore().UseDbContext<ApplicationDbContext>())
            .AddServer(options =>
            {
                options.SetTokenEndpointUris(TokenPath.TrimStart('/'));
                // Where the keys that sign tokens and attempt assertions are published.
                options.SetConfigurationEndpointUris(".well-known/openid-configuration");
                options.SetJsonWebKeySetEndpointUris(".well-known/jwks");
                options.AllowClientCredentialsFlow();
                ClientSecretThrottle.Register(options);
                options.SetAccessTokenLifetime(TimeSpan.FromHours(1));
                // The keys come from ServerKeyRing (configured certificate files, or the database every node shares).
                // Plain JWTs (signed, not encrypted), as IBM's clients expect bearer tokens they can pass along.
                options.DisableAccessTokenEncryption();
                var aspNetCore = options.UseAspNetCore().EnableTokenEndpointPassthrough();
                if (development)
                {
                    // Plain http only for trying the API out locally; HTTPS is required everywhere else.
                    aspNetCore.DisableTransportSecurityRequirement();
                }
            })
            .AddValidation(options =>
            {
                options.UseLocalServer();
                options.UseAspNetCore();
            });

        var authorization = builder.Services.AddAuthorizationBuilder()
            .AddPolicy(BearerPolicy, policy => policy
                .AddAuthenticationSchemes(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme)
                .RequireAuthenticatedUser());
        AttemptEndpoint.AddPolicy(authorization);
        return builder;
    }

    /// <summary>API errors are JSON, never the HTML not-found page the status-code pages would re-execute.</summary>
    public static IApplicationBuilder UseStatusCodePagesOutsideApi(this IApplicationBuilder app, string pathFormat) =>
        app.UseWhen(context => !IsApiPath(context.Request.Path), branch => branch.UseStatusCodePagesWithReExecute(pathFormat, createScopeForStatusCodePages: true));

    public static async Task ProvisionApiAsync(this WebApplication app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<ApiProvisioner>().ProvisionAsync();
        await app.Services.GetRequiredService<ServerKeyRing>().EnsureAsync();
    }

    public static IEndpointRouteBuilder MapQrLoginApi(this IEndpointRouteBuilder app)
    {
        app.MapOpenApi("/openapi/{documentName}.json");
        TokenEndpoint.Map(app);

        // Every secured operation may answer 401 (no or a bad token) and 403 (an entitlement it lacks).
        var secured = app.MapGroup("").RequireAuthorization(BearerPolicy).DisableAntiforgery()
            // typeof(void): a status without a type is left out of the document.
            .WithMetadata(new ProducesResponseTypeMetadata(StatusCodes.Status401Unauthorized, typeof(void)),
                new ProducesResponseTypeMetadata(StatusCodes.Status403Forbidden, typeof(ApiError), ["application/json"]));
        QrEndpoints.Map(app, secured);
        AttemptEndpoint.Map(app);
        ModuleChainEndpoints.Map(secured);
        SingleSignOnEndpoint.Map(app);
        AuthnEndpoints.Map(app);
        ConfigEndpoints.Map(secured);
        ProfileEndpoints.Map(secured);
        ScimEndpoints.Map(secured);
        return app;
    }

    /// <summary>The interactive API page at /api-docs, served from the package's own files (no CDN).</summary>
    public static IApplicationBuilder UseApiDocs(this IApplicationBuilder app) =>
        app.UseSwaggerUI(options =>
        {
            options.SwaggerEndpoint("/openapi/v1.json", "QrLoginPortal API");
            options.RoutePrefix = "api-docs";
            options.DocumentTitle = "QrLoginPortal API";
            // Swagger UI's own colours fall below WCAG contrast; this sheet darkens them.
            options.InjectStylesheet("/api-docs.css");
        });
}
