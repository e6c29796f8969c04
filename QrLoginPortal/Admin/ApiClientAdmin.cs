using OpenIddict.Abstractions;
using QrLoginPortal.Api;
using QrLoginPortal.Audit;
using QrLoginPortal.QrLogin;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace QrLoginPortal.Admin;

public sealed record ApiClientRow(string ClientId, string Name, IReadOnlyList<string> Entitlements, bool Enabled);

/// <summary>The outcome of an API-client action; <see cref="Secret"/> is set once, when a secret was made, and never again.</summary>
public sealed record ApiClientResult(bool Succeeded, string Message, string? ClientId = null, string? Secret = null);

/// <summary>
/// API clients for administrators: create (the secret is shown once), rotate the secret, disable,
/// delete. Each action is checked by <see cref="AdminGuard"/> and audited; secrets are never logged.
/// </summary>
public sealed class ApiClientAdmin(IServiceScopeFactory scopeFactory, AdminGuard guard, AuditLog audit)
{
    public async Task<IReadOnlyList<ApiClientRow>> ListAsync(CancellationToken ct = default)
    {
        await using var scope = scopeFactory.CreateAsyncScope();
        var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        var rows = new List<ApiClientRow>();
        await foreach (var application in applications.ListAsync(1000, 0, ct))
        {
            var permissions = await applications.GetPermissionsAsync(application, ct);
            if (!IsApiClient(permissions))
            {
                continue;
            }

            rows.Add(new ApiClientRow(
                await applications.GetClientIdAsync(application, ct) ?? "",
                await applications.GetDisplayNameAsync(application, ct) ?? "",
                [.. permissions.Where(p => p.StartsWith(ApiEntitlements.PermissionPrefix, StringComparison.Ordinal))
                    .Select(p => p[ApiEntitlements.PermissionPrefix.Length..]).Order()],
                permissions.Contains(Permissions.Endpoints.Token)));
        }

        return [.. rows.OrderBy(r => r.Name, StringComparer.OrdinalIgnoreCase)];
    }

    public async Task<ApiClientResult> CreateAsync(AdminActor actor, string? name, IReadOnlyCollection<string> entitlements,
        CancellationToken ct = default)
    {
        await guard.EnsureAsync(actor, ct);
        name = name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 100)
        {
            return new(false, "Give the client a name of 1 to 100 characters.");
        }

        if (entitlements.FirstOrDefault(e => !ApiEntitlements.Descriptions.ContainsKey(e)) is { } unknown)
        {
            return new(false, $"Unknown entitlement '{unknown}'.");
        }

        var clientId = "qrl-" + Secrets.Generate(QrLoginDefaults.UnambiguousCharset.ToLowerInvariant(), 12);
        var secret = Secrets.NewToken();
        await using var scope = scopeFactory.CreateAsyncScope();
        var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        await applications.CreateAsync(ApiProvisioner.Describe(clientId, name, secret, entitlements, enabled: true), ct);
        await audit.WriteAsync(AuditTypes.ApiClientCreate, AuditOutcomes.Success, actor.UserId, clientId, actor.Ip,
            $"{name}: {string.Join(", ", entitlements)}", ct);
        return new(true, $"Created {name}. Copy the secret now: it is shown only once.", clientId, secret);
    }

    public Task<ApiClientResult> RotateSecretAsync(AdminActor actor, string clientId, CancellationToken ct = default) =>
        WithClientAsync(actor, clientId, async (applications, application) =>
        {
            var secret = Secrets.NewToken();
            await applications.UpdateAsync(application, secret, ct);
            await audit.WriteAsync(AuditTypes.ApiClientRotate, AuditOutcomes.Success, actor.UserId, clientId, actor.Ip, ct: ct);
            return new ApiClientResult(true, "New secret made; the old one no longer works. Copy it now: it is shown only once.", clientId, secret);
        }, ct);

    public Task<ApiClientResult> SetEnabledAsync(AdminActor actor, string clientId, bool enabled, CancellationToken ct = default) =>
        WithClientAsync(actor, clientId, async (applications, application) =>
        {
            var descriptor = new OpenIddictApplicationDescriptor();
            await applications.PopulateAsync(descriptor, application, ct);
            if (enabled)
            {
                descriptor.Permissions.Add(Permissions.Endpoints.Token);
            }
            else
            {
                // Without the token endpoint permission the client cannot get new tokens.
                descriptor.Permissions.Remove(Permissions.Endpoints.Token);
            }

            await applications.UpdateAsync(application, descriptor, ct);
            await audit.WriteAsync(enabled ? AuditTypes.ApiClientEnable : AuditTypes.ApiClientDisable, AuditOutcomes.Success, actor.UserId,
                clientId, actor.Ip, ct: ct);
            return new ApiClientResult(true, enabled ? $"{clientId} is enabled." : $"{clientId} is disabled: it gets no new tokens.");
        }, ct);

    public Task<ApiClientResult> DeleteAsync(AdminActor actor, string clientId, CancellationToken ct = default) =>
        WithClientAsync(actor, clientId, async (applications, application) =>
        {
            await applications.DeleteAsync(application, ct);
            await audit.WriteAsync(AuditTypes.ApiClientDelete, AuditOutcomes.Success, actor.UserId, clientId, actor.Ip, ct: ct);
            return new ApiClientResult(true, $"{clientId} was deleted.");
        }, ct);

    private async Task<ApiClientResult> WithClientAsync(AdminActor actor, string clientId,
        Func<IOpenIddictApplicationManager, object, Task<ApiClientResult>> action, CancellationToken ct)
    {
        await guard.EnsureAsync(actor, ct);
        await using var scope = scopeFactory.CreateAsyncScope();
        var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        return await applications.FindByClientIdAsync(clientId, ct) is { } application
               && IsApiClient(await applications.GetPermissionsAsync(application, ct))
            ? await action(applications, application)
            : new ApiClientResult(false, "That API client no longer exists.");
    }

    /// <summary>
    /// API clients are the applications of the client-credentials grant; the OpenID Connect applications (Admin's
    /// Applications) share OpenIddict's table but are not listed or changed here.
    /// </summary>
    private static bool IsApiClient(System.Collections.Immutable.ImmutableArray<string> permissions) =>
        permissions.Contains(Permissions.GrantTypes.ClientCredentials);
}
