using System.Net;
using Microsoft.Extensions.DependencyInjection;
using QrLoginPortal.Admin;
using QrLoginPortal.Api;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.Admin;

public sealed class ApiClientAdminTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    private ApiClientAdmin Clients => portal.Services.GetRequiredService<ApiClientAdmin>();

    [Fact]
    public async Task CreatedClient_GetsTokens_WithItsEntitlements_UntilRotatedDisabledOrDeleted()
    {
        var admin = await portal.AdminActorAsync();

        var created = await Clients.CreateAsync(admin, "Shop backend", [ApiEntitlements.AuthenticateAnyUser]);
        Assert.True(created.Succeeded, created.Message);
        Assert.Equal(HttpStatusCode.OK, await TokenStatusAsync(created.ClientId!, created.Secret!));
        var listed = Assert.Single(await Clients.ListAsync(), c => c.ClientId == created.ClientId);
        Assert.Equal(["authenticateAnyUser"], listed.Entitlements);
        Assert.True(listed.Enabled);

        var rotated = await Clients.RotateSecretAsync(admin, created.ClientId!);
        Assert.NotEqual(created.Secret, rotated.Secret);
        Assert.NotEqual(HttpStatusCode.OK, await TokenStatusAsync(created.ClientId!, created.Secret!));
        Assert.Equal(HttpStatusCode.OK, await TokenStatusAsync(created.ClientId!, rotated.Secret!));

        Assert.True((await Clients.SetEnabledAsync(admin, created.ClientId!, false)).Succeeded);
        Assert.NotEqual(HttpStatusCode.OK, await TokenStatusAsync(created.ClientId!, rotated.Secret!));
        Assert.True((await Clients.SetEnabledAsync(admin, created.ClientId!, true)).Succeeded);
        Assert.Equal(HttpStatusCode.OK, await TokenStatusAsync(created.ClientId!, rotated.Secret!));

        Assert.True((await Clients.DeleteAsync(admin, created.ClientId!)).Succeeded);
        Assert.NotEqual(HttpStatusCode.OK, await TokenStatusAsync(created.ClientId!, rotated.Secret!));
        Assert.DoesNotContain(await Clients.ListAsync(), c => c.ClientId == created.ClientId);
    }

    [Fact]
    public async Task OpenIdConnectApplications_AreNotListedOrChangedAsApiClients()
    {
        var admin = await portal.AdminActorAsync();
        var app = await QrLoginPortal.Tests.Oidc.OidcRelyingParty.RegisterAsync(portal);

        Assert.DoesNotContain(await Clients.ListAsync(), c => c.ClientId == app.ClientId);
        Assert.False((await Clients.DeleteAsync(admin, app.ClientId)).Succeeded);
        Assert.False((await Clients.RotateSecretAsync(admin, app.ClientId)).Succeeded);
    }

    [Theory]
    [InlineData("", "authenticateAnyUser", "name")]
    [InlineData("Valid name", "launchMissiles", "Unknown entitlement")]
    public async Task Create_WithBadInput_SaysWhy_AndCreatesNothing(string name, string entitlement, string message)
    {
        var before = (await Clients.ListAsync()).Count;

        var result = await Clients.CreateAsync(await portal.AdminActorAsync(), name, [entitlement]);

        Assert.False(result.Succeeded);
        Assert.Contains(message, result.Message);
        Assert.Null(result.Secret);
        Assert.Equal(before, (await Clients.ListAsync()).Count);
    }

    [Fact]
    public async Task ANonAdmin_CannotCreateClients()
    {
        var userId = await portal.CreateUserAsync("not-admin-api@test.local");

        var actor = await portal.ActorAsync(userId, "x");

        await Assert.ThrowsAsync<AdminAccessDeniedException>(() =>
            Clients.CreateAsync(actor, "Sneaky", [ApiEntitlements.ReadUsers]));
    }

    private async Task<HttpStatusCode> TokenStatusAsync(string clientId, string secret)
    {
        var response = await portal.CreateDefaultClient().PostAsync(ApiExtensions.TokenPath, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = clientId,
            ["client_secret"] = secret,
        }));
        return response.StatusCode;
    }
}
