using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using QrLoginPortal.Admin;
using QrLoginPortal.Api;
using QrLoginPortal.Data;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.Admin;

public sealed class ProfileAdminTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    private ProfileAdmin Profiles => portal.Services.GetRequiredService<ProfileAdmin>();

    [Fact]
    public async Task AProfileMadeByAnAdmin_IsFoundByName_RenamedAndDisabled_AsTheApiSees()
    {
        var admin = await portal.AdminActorAsync();
        using var api = await portal.CreateApiClientAsync();

        Assert.True((await Profiles.CreateAsync(admin, "Kiosk app")).Succeeded);
        var found = await api.GetFromJsonAsync<JsonElement>("/v1.0/authenticators/clients?search=name%20%3D%20%22Kiosk%20app%22");
        var id = found.GetProperty("clients")[0].GetProperty("id").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync($"/v2.0/factors/qr/authenticate?profileId={id}")).StatusCode);

        Assert.True((await Profiles.RenameAsync(admin, id, "Kiosk app v2")).Succeeded);
        Assert.Equal(0, (await api.GetFromJsonAsync<JsonElement>("/v1.0/authenticators/clients?search=name%20%3D%20%22Kiosk%20app%22")).GetProperty("total").GetInt32());

        Assert.True((await Profiles.SetEnabledAsync(admin, id, false)).Succeeded);
        Assert.Equal(HttpStatusCode.BadRequest, (await api.GetAsync($"/v2.0/factors/qr/authenticate?profileId={id}")).StatusCode);
    }

    [Fact]
    public async Task AProfileDisabledAtOnce_IsRefusedByTheNextCreate_EvenRightAfterOneThatUsedIt()
    {
        var admin = await portal.AdminActorAsync();
        using var api = await portal.CreateApiClientAsync();
        var id = await NewProfileAsync(admin, "Till app");
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync($"/v2.0/factors/qr/authenticate?profileId={id}")).StatusCode);

        Assert.True((await Profiles.SetEnabledAsync(admin, id, false)).Succeeded);
        var refused = await api.GetAsync($"/v2.0/factors/qr/authenticate?profileId={id}");
        Assert.True((await Profiles.SetEnabledAsync(admin, id, true)).Succeeded);
        var again = await api.GetAsync($"/v2.0/factors/qr/authenticate?profileId={id}");

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("profileId", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateObject().Single().Name);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }

    [Fact]
    public async Task AProfileDisabledByAnotherNode_IsRefusedHere_OnceTheRecheckTimeHasPassed()
    {
        var admin = await portal.AdminActorAsync();
        using var api = await portal.CreateApiClientAsync();
        var id = await NewProfileAsync(admin, "Door app");
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync($"/v2.0/factors/qr/authenticate?profileId={id}")).StatusCode);

        // Another node shares the database: its change reaches this node's memory only through the database.
        await using (var db = await portal.Services.GetRequiredService<IDbContextFactory<ApplicationDbContext>>().CreateDbContextAsync())
        {
            await db.RegistrationProfiles.Where(p => p.Id == id).ExecuteUpdateAsync(s => s.SetProperty(p => p.Enabled, false));
        }

        portal.Clock.Advance(RegistrationProfiles.RecheckAfter);
        var response = await api.GetAsync($"/v2.0/factors/qr/authenticate?profileId={id}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    private async Task<string> NewProfileAsync(AdminActor admin, string name)
    {
        Assert.True((await Profiles.CreateAsync(admin, name)).Succeeded);
        return (await Profiles.ListAsync()).Single(p => p.Name == name).Id;
    }

    [Fact]
    public async Task DuplicateNames_AndDisablingTheDefault_AreRefusedWithAMessage()
    {
        var admin = await portal.AdminActorAsync();

        var duplicate = await Profiles.CreateAsync(admin, RegistrationProfile.DefaultName);
        var defaultOff = await Profiles.SetEnabledAsync(admin, RegistrationProfile.DefaultId, false);

        Assert.Contains("already exists", duplicate.Message);
        Assert.Contains("cannot be disabled", defaultOff.Message);
        Assert.True((await Profiles.ListAsync()).Single(p => p.Id == RegistrationProfile.DefaultId).Enabled);
    }
}
