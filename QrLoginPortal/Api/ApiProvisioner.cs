using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using QrLoginPortal.Data;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace QrLoginPortal.Api;

/// <summary>At start: the default registration profile, and the API clients and profiles named in configuration.</summary>
public sealed class ApiProvisioner(
    ApplicationDbContext db,
    IOpenIddictApplicationManager applications,
    IOptions<ApiOptions> options,
    TimeProvider clock,
    ILogger<ApiProvisioner> logger)
{
    public async Task ProvisionAsync(CancellationToken ct = default)
    {
        var names = new[] { RegistrationProfile.DefaultName }.Concat(options.Value.Profiles).Distinct(StringComparer.Ordinal).ToList();
        foreach (var name in names)
        {
            if (!await db.RegistrationProfiles.AnyAsync(p => p.Name == name, ct))
            {
                db.RegistrationProfiles.Add(new RegistrationProfile
                {
                    Id = name == RegistrationProfile.DefaultName ? RegistrationProfile.DefaultId : Guid.NewGuid().ToString(),
                    Name = name,
                    CreatedAt = clock.GetUtcNow(),
                });
            }
        }

        await db.SaveChangesAsync(ct);

        foreach (var client in options.Value.Clients)
        {
            var descriptor = Describe(client.ClientId, client.Name ?? client.ClientId, client.ClientSecret!, client.Entitlements, enabled: true);
            if (await applications.FindByClientIdAsync(client.ClientId, ct) is { } existing)
            {
                await applications.UpdateAsync(existing, descriptor, ct);
            }
            else
            {
                await applications.CreateAsync(descriptor, ct);
            }

            logger.LogInformation("Provisioned API client {ClientId} from configuration", client.ClientId);
        }
    }

    /// <summary>An OpenIddict application for the client-credentials grant carrying <paramref name="entitlements"/>.</summary>
    public static OpenIddictApplicationDescriptor Describe(string clientId, string name, string secret, IEnumerable<string> entitlements, bool enabled)
    {
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = clientId,
            ClientSecret = secret,
            ClientType = ClientTypes.Confidential,
            DisplayName = name,
        };
        if (enabled)
        {
            descriptor.Permissions.Add(Permissions.Endpoints.Token);
        }

        descriptor.Permissions.Add(Permissions.GrantTypes.ClientCredentials);
        foreach (var entitlement in entitlements.Distinct())
        {
            descriptor.Permissions.Add(ApiEntitlements.PermissionPrefix + entitlement);
        }

        return descriptor;
    }
}
