using OpenIddict.Abstractions;
using QrLoginPortal.Audit;
using QrLoginPortal.Oidc;
using QrLoginPortal.QrLogin;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace QrLoginPortal.Admin;

/// <summary>A web application that signs people in through the portal, as the Applications page lists it.</summary>
public sealed record ApplicationRow(string ClientId, string Name, IReadOnlyList<string> RedirectUris, IReadOnlyList<string> PostLogoutRedirectUris,
    IReadOnlyList<string> Scopes, bool Confidential, bool Enabled, string? LogoUri = null, string ConsentType = OidcConsent.Implicit);

/// <summary>
/// What an administrator enters for an application: addresses one per line, scopes from <see cref="OidcApplications.Scopes"/>,
/// an optional https logo, and <see cref="OidcConsent.Implicit"/> (first-party, no consent page) or <see cref="OidcConsent.Explicit"/>.
/// </summary>
public sealed record ApplicationInput(string? Name, IReadOnlyList<string> RedirectUris, IReadOnlyList<string> PostLogoutRedirectUris,
    IReadOnlyList<string> Scopes, bool Confidential, string? LogoUri = null, string ConsentType = OidcConsent.Implicit);

/// <summary>The outcome of an application action; <see cref="Secret"/> is set once, when a secret was made, and never again.</summary>
public sealed record ApplicationResult(bool Succeeded, string Message, string? ClientId = null, string? Secret = null);

/// <summary>
/// OpenID Connect applications for administrators: register (confidential with a secret shown once, or public with
/// PKCE only), change addresses and scopes, rotate the secret, disable. Each action is checked by
/// <see cref="AdminGuard"/> and audited; secrets are never logged.
/// </summary>
public sealed class ApplicationAdmin(IServiceScopeFactory scopeFactory, AdminGuard guard, AuditLog audit)
{
    public async Task<IReadOnlyList<ApplicationRow>> ListAsync(CancellationToken ct = default)
    {
        await using var scope = scopeFactory.CreateAsyncScope();
        var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        var rows = new List<ApplicationRow>();
        await foreach (var application in applications.ListAsync(1000, 0, ct))
        {
            var permissions = await applications.GetPermissionsAsync(application, ct);
            if (!IsWebApplication(permissions))
            {
                continue;
            }

            rows.Add(new ApplicationRow(
                await applications.GetClientIdAsync(application, ct) ?? "",
                await applications.GetDisplayNameAsync(application, ct) ?? "",
                [.. await applications.GetRedirectUrisAsync(application, ct)],
                [.. await applications.GetPostLogoutRedirectUrisAsync(application, ct)],
                [.. permissions.Where(p => p.StartsWith(Permissions.Prefixes.Scope, StringComparison.Ordinal))
                    .Select(p => p[Permissions.Prefixes.Scope.Length..]).Order()],
                await applications.HasClientTypeAsync(application, ClientTypes.Confidential, ct),
                permissions.Contains(Permissions.Endpoints.Authorization),
                OidcApplications.LogoUri(await applications.GetPropertiesAsync(application, ct)),
                await applications.HasConsentTypeAsync(application, ConsentTypes.Explicit, ct) ? OidcConsent.Explicit : OidcConsent.Implicit));
        }

        return [.. rows.OrderBy(r => r.Name, StringComparer.OrdinalIgnoreCase)];
    }

    public async Task<ApplicationResult> RegisterAsync(AdminActor actor, ApplicationInput input, CancellationToken ct = default)
    {
        await guard.EnsureAsync(actor, ct);
        if (Problem(input) is { } problem)
        {
            return new(false, problem);
        }

        var clientId = "app-" + Secrets.Generate(QrLoginDefaults.UnambiguousCharset.ToLowerInvariant(), 12);
        var secret = input.Confidential ? Secrets.NewToken() : null;
        await using var scope = scopeFactory.CreateAsyncScope();
        var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        await applications.CreateAsync(OidcApplications.Describe(Configured(clientId, secret, input)), ct);
        await audit.WriteAsync(AuditTypes.ApplicationCreate, AuditOutcomes.Success, actor.UserId, clientId, actor.Ip, Summary(input), ct);
        return new(true, secret is null
            ? $"Registered {input.Name!.Trim()} as a public application (PKCE only, no secret)."
            : $"Registered {input.Name!.Trim()}. Copy the secret now: it is shown only once.", clientId, secret);
    }

    /// <summary>Changes the name, addresses, scopes, logo and consent type; the secret and the client type stay as they are.</summary>
    public Task<ApplicationResult> ChangeAsync(AdminActor actor, string clientId, ApplicationInput input, CancellationToken ct = default) =>
        WithApplicationAsync(actor, clientId, async (applications, application) =>
        {
            if (Problem(input) is { } problem)
            {
                return new ApplicationResult(false, problem);
            }

            var current = new OpenIddictApplicationDescriptor();
            await applications.PopulateAsync(current, application, ct);
            var enabled = current.Permissions.Contains(Permissions.Endpoints.Authorization);
            var descriptor = OidcApplications.Describe(Configured(clientId, null, input));
            // Keep what this form does not edit: the client type (and its hashed secret), and properties it does not own.
            descriptor.ClientType = current.ClientType;
            // The stored (hashed) secret as it is: OpenIddict re-hashes only a secret that differs from the stored one,
            // and without it a confidential application failed to update at all.
            descriptor.ClientSecret = current.ClientSecret;
            foreach (var (key, value) in current.Properties.Where(p => p.Key != OidcApplications.LogoProperty))
            {
                descriptor.Properties.TryAdd(key, value);
            }

            SetEnabled(descriptor, enabled);
            await applications.UpdateAsync(application, descriptor, ct);
            await audit.WriteAsync(AuditTypes.ApplicationChange, AuditOutcomes.Success, actor.UserId, clientId, actor.Ip, Summary(input), ct);
            return new ApplicationResult(true, $"{clientId} was changed.");
        }, ct);

    public Task<ApplicationResult> RotateSecretAsync(AdminActor actor, string clientId, CancellationToken ct = default) =>
        WithApplicationAsync(actor, clientId, async (applications, application) =>
        {
            if (!await applications.HasClientTypeAsync(application, ClientTypes.Confidential, ct))
            {
                return new ApplicationResult(false, "A public application has no secret (it proves itself with PKCE).");
            }

            var secret = Secrets.NewToken();
            await applications.UpdateAsync(application, secret, ct);
            await audit.WriteAsync(AuditTypes.ApplicationRotate, AuditOutcomes.Success, actor.UserId, clientId, actor.Ip, ct: ct);
            return new ApplicationResult(true, "New secret made; the old one no longer works. Copy it now: it is shown only once.", clientId, secret);
        }, ct);

    public Task<ApplicationResult> SetEnabledAsync(AdminActor actor, string clientId, bool enabled, CancellationToken ct = default) =>
        WithApplicationAsync(actor, clientId, async (applications, application) =>
        {
            var descriptor = new OpenIddictApplicationDescriptor();
            await applications.PopulateAsync(descriptor, application, ct);
            SetEnabled(descriptor, enabled);
            await applications.UpdateAsync(application, descriptor, ct);
            await audit.WriteAsync(enabled ? AuditTypes.ApplicationEnable : AuditTypes.ApplicationDisable, AuditOutcomes.Success, actor.UserId,
                clientId, actor.Ip, ct: ct);
            return new ApplicationResult(true, enabled ? $"{clientId} is enabled." : $"{clientId} is disabled: nobody is signed in to it and it gets no new tokens.");
        }, ct);

    /// <summary>Disabled: without the authorization and token endpoints it can neither send people here nor refresh its tokens.</summary>
    private static void SetEnabled(OpenIddictApplicationDescriptor descriptor, bool enabled)
    {
        foreach (var endpoint in new[] { Permissions.Endpoints.Authorization, Permissions.Endpoints.Token })
        {
            if (enabled)
            {
                descriptor.Permissions.Add(endpoint);
            }
            else
            {
                descriptor.Permissions.Remove(endpoint);
            }
        }
    }

    private static string? Problem(ApplicationInput input)
    {
        var name = input.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 100)
        {
            return "Give the application a name of 1 to 100 characters.";
        }

        if (input.RedirectUris.Count == 0)
        {
            return "Give at least one redirect address (where the application receives the sign-in).";
        }

        foreach (var uri in input.RedirectUris.Concat(input.PostLogoutRedirectUris))
        {
            if (OidcApplications.RedirectUriProblem(uri) is { } problem)
            {
                return $"'{uri}' {problem}";
            }
        }

        if (!string.IsNullOrWhiteSpace(input.LogoUri) && OidcApplications.LogoUriProblem(input.LogoUri.Trim()) is { } logoProblem)
        {
            return $"Logo address '{input.LogoUri.Trim()}' {logoProblem}";
        }

        if (input.ConsentType is not (OidcConsent.Implicit or OidcConsent.Explicit))
        {
            return $"Consent must be {OidcConsent.Implicit} or {OidcConsent.Explicit}.";
        }

        return input.Scopes.FirstOrDefault(s => !OidcApplications.Scopes.Contains(s)) is { } unknown ? $"Unknown scope '{unknown}'." : null;
    }

    private static OidcOptions.ConfiguredApplication Configured(string clientId, string? secret, ApplicationInput input) => new()
    {
        ClientId = clientId,
        ClientSecret = secret,
        DisplayName = input.Name!.Trim(),
        RedirectUris = [.. input.RedirectUris],
        PostLogoutRedirectUris = [.. input.PostLogoutRedirectUris],
        LogoUri = string.IsNullOrWhiteSpace(input.LogoUri) ? null : input.LogoUri.Trim(),
        ConsentType = input.ConsentType,
        // An administrator's empty choice means "openid only", not configuration's "all scopes".
        Scopes = input.Scopes.Count == 0 ? ["openid"] : [.. input.Scopes],
    };

    private static string Summary(ApplicationInput input) =>
        $"{input.Name?.Trim()}: {(input.Confidential ? "confidential" : "public")}, redirect {string.Join(" ", input.RedirectUris)}, " +
        $"after sign-out {string.Join(" ", input.PostLogoutRedirectUris)}, scopes {string.Join(" ", input.Scopes)}, consent {input.ConsentType}, " +
        $"logo {(string.IsNullOrWhiteSpace(input.LogoUri) ? "none" : input.LogoUri.Trim())}";

    /// <summary>OpenID Connect applications are those of the code flow; API clients (client credentials) are managed on their own page.</summary>
    private static bool IsWebApplication(System.Collections.Immutable.ImmutableArray<string> permissions) =>
        permissions.Contains(Permissions.GrantTypes.AuthorizationCode);

    private async Task<ApplicationResult> WithApplicationAsync(AdminActor actor, string clientId,
        Func<IOpenIddictApplicationManager, object, Task<ApplicationResult>> action, CancellationToken ct)
    {
        await guard.EnsureAsync(actor, ct);
        await using var scope = scopeFactory.CreateAsyncScope();
        var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        return await applications.FindByClientIdAsync(clientId, ct) is { } application
               && IsWebApplication(await applications.GetPermissionsAsync(application, ct))
            ? await action(applications, application)
            : new ApplicationResult(false, "That application no longer exists.");
    }
}
