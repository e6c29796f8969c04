using System.Collections.Immutable;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace QrLoginPortal.Oidc;

/// <summary>The applications that sign people in through the portal: how one is described to OpenIddict, and those provisioned from configuration.</summary>
public sealed class OidcApplications(IOpenIddictApplicationManager applications, IOptions<OidcOptions> options, ILogger<OidcApplications> logger)
{
    /// <summary>The scopes an application may be allowed besides openid (always allowed).</summary>
    public static readonly IReadOnlyList<string> Scopes = [OpenIddictConstants.Scopes.Profile, OpenIddictConstants.Scopes.Email,
        OpenIddictConstants.Scopes.Roles, OpenIddictConstants.Scopes.OfflineAccess];

    /// <summary>The property of the OpenIddict application that holds its logo address (the name OpenID Connect registration gives it).</summary>
    public const string LogoProperty = "logo_uri";

    /// <summary>The longest logo address accepted.</summary>
    public const int MaxLogoUriLength = 2000;

    /// <summary>
    /// Why <paramref name="uri"/> cannot be an application's logo (absolute https, no user name or password in it,
    /// at most <see cref="MaxLogoUriLength"/> characters), or null. Only https: the consent page must not load
    /// anything over plain http.
    /// </summary>
    public static string? LogoUriProblem(string? uri)
    {
        if (uri is null || uri.Length > MaxLogoUriLength)
        {
            return $"must be an https address of at most {MaxLogoUriLength} characters.";
        }

        if (!Uri.TryCreate(uri, UriKind.Absolute, out var parsed) || parsed.Scheme != Uri.UriSchemeHttps)
        {
            return "must be an absolute https address.";
        }

        return parsed.UserInfo.Length > 0 ? "must not carry a user name or password." : null;
    }

    /// <summary>The logo address kept in an application's properties, or null.</summary>
    public static string? LogoUri(ImmutableDictionary<string, JsonElement> properties) =>
        properties.TryGetValue(LogoProperty, out var value) && value.ValueKind == JsonValueKind.String
        && value.GetString() is { } uri && LogoUriProblem(uri) is null ? uri : null;

    /// <summary>Sets (or, with null, removes) the logo address of an application being described.</summary>
    public static void SetLogoUri(OpenIddictApplicationDescriptor descriptor, string? uri)
    {
        if (string.IsNullOrWhiteSpace(uri))
        {
            descriptor.Properties.Remove(LogoProperty);
        }
        else
        {
            descriptor.Properties[LogoProperty] = JsonSerializer.SerializeToElement(uri.Trim());
        }
    }

    /// <summary>Why <paramref name="uri"/> cannot be a redirect address (absolute https, or http on this machine; no fragment), or null.</summary>
    public static string? RedirectUriProblem(string? uri)
    {
        if (!Uri.TryCreate(uri, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("https" or "http"))
        {
            return "must be an absolute https address.";
        }

        if (parsed.Scheme == "http" && !parsed.IsLoopback)
        {
            return "must use https (plain http only for localhost).";
        }

        return parsed.Fragment.Length > 0 ? "must not have a fragment (#…)." : null;
    }

    /// <summary>
    /// The OpenIddict registration of a web application: the code flow with PKCE, refresh tokens, end-session, the
    /// allowed scopes. Confidential with a secret, or public (PKCE only) without one.
    /// </summary>
    public static OpenIddictApplicationDescriptor Describe(OidcOptions.ConfiguredApplication application)
    {
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = application.ClientId,
            ClientSecret = application.ClientSecret,
            ClientType = application.ClientSecret is null ? ClientTypes.Public : ClientTypes.Confidential,
            ConsentType = application.ConsentType == OidcConsent.Explicit ? ConsentTypes.Explicit : ConsentTypes.Implicit,
            DisplayName = application.DisplayName ?? application.ClientId,
        };
        foreach (var uri in application.RedirectUris)
        {
            descriptor.RedirectUris.Add(new Uri(uri));
        }

        foreach (var uri in application.PostLogoutRedirectUris)
        {
            descriptor.PostLogoutRedirectUris.Add(new Uri(uri));
        }

        descriptor.Permissions.UnionWith([
            Permissions.Endpoints.Authorization, Permissions.Endpoints.Token, Permissions.Endpoints.EndSession,
            Permissions.GrantTypes.AuthorizationCode, Permissions.GrantTypes.RefreshToken, Permissions.ResponseTypes.Code]);
        foreach (var scope in application.Scopes.Count == 0 ? Scopes : application.Scopes.Distinct())
        {
            // offline_access needs no permission of its own: the refresh_token grant is it.
            if (scope != OpenIddictConstants.Scopes.OfflineAccess)
            {
                descriptor.Permissions.Add(Permissions.Prefixes.Scope + scope);
            }
        }

        descriptor.Requirements.Add(Requirements.Features.ProofKeyForCodeExchange);
        SetLogoUri(descriptor, application.LogoUri);
        return descriptor;
    }

    /// <summary>
    /// The origin of the application a page's forms end at, or null. Signing in for an application is a form posted
    /// to the portal, redirected to the authorization request (the page's ReturnUrl), redirected on to the
    /// application's redirect URI; a consent form or a form_post answer on the authorization endpoint goes there too.
    /// Chromium checks CSP form-action against every hop of that chain, so the page must name that origin beside
    /// 'self'. Only a redirect URI registered for the client counts: a crafted link widens nothing.
    /// </summary>
    public static async Task<string?> FormActionOriginAsync(HttpContext context)
    {
        var request = context.Request;
        var authorize = request.PathBase + OidcEndpoints.AuthorizePath;
        IReadOnlyDictionary<string, Microsoft.Extensions.Primitives.StringValues> query;
        if (request.Path == OidcEndpoints.AuthorizePath)
        {
            query = request.Query.ToDictionary();
        }
        else
        {
            var returnUrl = request.Query.FirstOrDefault(p => string.Equals(p.Key, "ReturnUrl", StringComparison.OrdinalIgnoreCase)).Value.ToString();
            if (!returnUrl.StartsWith(authorize + "?", StringComparison.Ordinal))
            {
                return null;
            }

            query = QueryHelpers.ParseQuery(returnUrl[authorize.Length..]);
        }

        var clientId = query.GetValueOrDefault(Parameters.ClientId).ToString();
        var redirectUri = query.GetValueOrDefault(Parameters.RedirectUri).ToString();
        if (clientId.Length == 0 || !Uri.TryCreate(redirectUri, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
        {
            return null;
        }

        // Only now the database: every other response of the portal stops above.
        var applications = context.RequestServices.GetRequiredService<IOpenIddictApplicationManager>();
        if (await applications.FindByClientIdAsync(clientId, context.RequestAborted) is not { } application
            || !await applications.ValidateRedirectUriAsync(application, redirectUri, context.RequestAborted))
        {
            return null;
        }

        return uri.GetLeftPart(UriPartial.Authority);
    }

    /// <summary>Creates or updates the applications named in configuration (at start, on one node at a time).</summary>
    public async Task ProvisionAsync(CancellationToken ct = default)
    {
        foreach (var application in options.Value.Applications)
        {
            var descriptor = Describe(application);
            if (await applications.FindByClientIdAsync(application.ClientId, ct) is { } existing)
            {
                await applications.UpdateAsync(existing, descriptor, ct);
            }
            else
            {
                await applications.CreateAsync(descriptor, ct);
            }

            logger.LogInformation("Provisioned OpenID Connect application {ClientId} from configuration", application.ClientId);
        }
    }
}

/// <summary>What the portal's security headers ask the Oidc feature: <see cref="OidcApplications.FormActionOriginAsync"/>.</summary>
public sealed class OidcFormActionSource : SignIn.IFormActionSource
{
    public Task<string?> OriginAsync(HttpContext context) => OidcApplications.FormActionOriginAsync(context);
}
