using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using QrLoginPortal.SignIn;

namespace QrLoginPortal.Api;

/// <summary>
/// What /openapi/v1.json says beyond the endpoints themselves: the server, the licence, a described
/// tag per endpoint family and, on every operation, the security it needs (linted in the tests with
/// Redocly's recommended rules).
/// </summary>
public static class ApiDocument
{
    /// <summary>The client-credentials access token from the token endpoint (<see cref="ApiExtensions.TokenPath"/>).</summary>
    public const string ClientToken = "clientToken";

    /// <summary>A signed-in user's own bearer token (module chain) or session cookie; or a client token with verifyAsAuthenticator.</summary>
    public const string UserSession = "userSession";

    public static class Tags
    {
        public const string Token = "Token";
        public const string Qr = "QR transactions";
        public const string ModuleChain = "Module chain";
        public const string Authn = "Badge and password sign-in";
        public const string Config = "QR settings";
        public const string Profiles = "Authenticator clients";
        public const string Users = "Users";
    }

    private static readonly Dictionary<string, string> TagDescriptions = new()
    {
        [Tags.Token] = "OAuth2 client credentials: an API client trades its id and secret for an access token.",
        [Tags.Qr] = "The IBM Verify-compatible QR login: create a transaction, poll it with its dsi, complete it with its lsi.",
        [Tags.ModuleChain] = "The module-chain flow (seed 000): QrCodeAuthentication, then QrCodeScanRequired until Success; single sign-on into the portal.",
        [Tags.Authn] = "RapidIdentity-style sign-in (seed 002) with a QR badge, a password, or both.",
        [Tags.Config] = "The QR settings: charsets, lengths, lifetime and the on/off switch.",
        [Tags.Profiles] = "Registration profiles (IBM's authenticator clients) a QR transaction belongs to.",
        [Tags.Users] = "Users as SCIM 2.0 core User resources.",
    };

    public static void Configure(OpenApiOptions options)
    {
        options.ShouldInclude = description => description.RelativePath is { } path && ApiExtensions.IsApiPath(new PathString("/" + path));
        options.AddDocumentTransformer((document, context, _) =>
        {
            document.Info.Title = "QrLoginPortal API";
            document.Info.Description = "Sign-in by QR code, REST API compatible with the IBM Security Verify QR-login API.";
            // The repository names no open licence: the operator's own terms, as an SPDX reference.
            document.Info.License = new OpenApiLicense { Name = "Proprietary", Identifier = "LicenseRef-Proprietary" };
            // The origin phones and API clients use (Portal:PublicOrigin, or the request's own), without a trailing slash.
            var http = context.ApplicationServices.GetService<IHttpContextAccessor>()?.HttpContext;
            document.Servers = http is null ? [] : [new OpenApiServer { Url = PublicOrigin.Of(http), Description = "This portal" }];
            document.Tags = new HashSet<OpenApiTag>(TagDescriptions.Select(t => new OpenApiTag { Name = t.Key, Description = t.Value }));
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[ClientToken] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.OAuth2,
                Description = "An API client's access token (client credentials), sent as Authorization: Bearer.",
                Flows = new OpenApiOAuthFlows
                {
                    ClientCredentials = new OpenApiOAuthFlow { TokenUrl = new Uri(ApiExtensions.TokenPath, UriKind.Relative), Scopes = new Dictionary<string, string>() },
                },
            };
            document.Components.SecuritySchemes[UserSession] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "A signed-in user: the bearer token the module chain gave them, or the portal's session cookie.",
            };
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            var policies = metadata.OfType<IAuthorizeData>().Select(a => a.Policy).ToList();
            // Anonymous operations say so with an empty list; the others name the scheme their policy takes.
            operation.Security = [];
            if (policies.Contains(ApiExtensions.BearerPolicy))
            {
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ClientToken, context.Document)] = [] });
            }
            else if (policies.Contains(AttemptEndpoint.Policy))
            {
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(UserSession, context.Document)] = [] });
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ClientToken, context.Document)] = [] });
            }

            return Task.CompletedTask;
        });
    }
}
