using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using QrLoginPortal.QrLogin;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.Api;

public sealed class ConfigApiTests : IDisposable
{
    private readonly PortalFactory _portal = new();

    public void Dispose() => _portal.Dispose();

    [Fact]
    public async Task Seed003_Get_ThenPutTheSamplePayload_IsApplied()
    {
        using var api = await _portal.CreateApiClientAsync();

        var current = await api.GetFromJsonAsync<JsonElement>("/config/v2.0/factors/qr");
        Assert.Equal(13, current.GetProperty("lsi").GetProperty("length").GetInt32());
        Assert.Equal(120, current.GetProperty("expiry").GetInt32());
        Assert.True(current.GetProperty("enabled").GetBoolean());

        var put = await api.PutAsync("/config/v2.0/factors/qr", Json("""
            { "lsi": { "charset": "ABCDEFG123456789", "length": 6 },
              "dsi": { "charset": "ABCDEFGHIJKLMNOPQRSTqrstuvwxyz0123456789", "length": 40 },
              "expiry": 60, "enabled": true }
            """));

        Assert.Equal(HttpStatusCode.NoContent, put.StatusCode);
        var after = await api.GetFromJsonAsync<JsonElement>("/config/v2.0/factors/qr");
        Assert.Equal("ABCDEFG123456789", after.GetProperty("lsi").GetProperty("charset").GetString());
        Assert.Equal(60, after.GetProperty("expiry").GetInt32());
        var next = await _portal.Services.GetRequiredService<QrLoginService>().CreateAsync(new QrRequester(null, null));
        Assert.Equal(6, next.Lsi.Length);
    }

    [Fact]
    public async Task Put_OfTheSeedPayload_KeepsTheTypedCodeAndNumberMatchingSwitches_AsTheAdministratorSetThem()
    {
        using var api = await _portal.CreateApiClientAsync();
        var store = _portal.Services.GetRequiredService<QrSettingsStore>();
        var settings = await store.GetAsync(TestContext.Current.CancellationToken);
        settings.UserCodeEnabled = false;
        settings.NumberMatching = true;
        Assert.Empty(await store.UpdateAsync(settings, "admin", "admin", null, ct: TestContext.Current.CancellationToken));

        var put = await api.PutAsync("/config/v2.0/factors/qr", Json("""
            { "lsi": { "charset": "ABCDEFGHJKLMNPQRSTUVWXYZ23456789", "length": 13 },
              "dsi": { "charset": "ABCDEFGHIJKLMNOPQRSTqrstuvwxyz0123456789", "length": 40 },
              "expiry": 60, "enabled": true }
            """));

        Assert.Equal(HttpStatusCode.NoContent, put.StatusCode);
        var after = await store.GetAsync(TestContext.Current.CancellationToken);
        Assert.Equal(60, after.ExpirySeconds);
        Assert.False(after.UserCodeEnabled);
        Assert.True(after.NumberMatching);
        var listed = await api.GetFromJsonAsync<JsonElement>("/config/v2.0/factors/qr");
        Assert.False(listed.GetProperty("userCode").GetBoolean());
        Assert.True(listed.GetProperty("numberMatching").GetBoolean());
    }

    [Fact]
    public async Task Put_WithTheTwoSwitches_SetsThem()
    {
        using var api = await _portal.CreateApiClientAsync();

        var put = await api.PutAsync("/config/v2.0/factors/qr", Json("""
            { "lsi": { "charset": "ABCDEFGHJKLMNPQRSTUVWXYZ23456789", "length": 13 },
              "dsi": { "charset": "ABCDEFGHIJKLMNOPQRSTqrstuvwxyz0123456789", "length": 40 },
              "expiry": 60, "enabled": true, "userCode": false, "numberMatching": true }
            """));

        Assert.Equal(HttpStatusCode.NoContent, put.StatusCode);
        var after = await _portal.Services.GetRequiredService<QrSettingsStore>().GetAsync(TestContext.Current.CancellationToken);
        Assert.False(after.UserCodeEnabled);
        Assert.True(after.NumberMatching);
    }

    [Theory]
    [InlineData("""{ "lsi": { "charset": "AB/", "length": 20 }, "dsi": { "charset": "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "length": 40 }, "expiry": 60, "enabled": true }""", "lsi.charset")]
    [InlineData("""{ "lsi": { "charset": "0123456789", "length": 5 }, "dsi": { "charset": "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "length": 40 }, "expiry": 60, "enabled": true }""", "lsi.length")]
    [InlineData("""{ "lsi": { "charset": "ABCDEFGHJKLMNPQRSTUVWXYZ23456789", "length": 13 }, "dsi": { "charset": "AABB", "length": 40 }, "expiry": 60, "enabled": true }""", "dsi.charset")]
    [InlineData("""{ "lsi": { "charset": "ABCDEFGHJKLMNPQRSTUVWXYZ23456789", "length": 13 }, "dsi": { "charset": "0123456789", "length": 30 }, "expiry": 60, "enabled": true }""", "dsi.length")]
    [InlineData("""{ "lsi": { "charset": "ABCDEFGHJKLMNPQRSTUVWXYZ23456789", "length": 13 }, "dsi": { "charset": "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "length": 40 }, "expiry": 5, "enabled": true }""", "expiry")]
    [InlineData("""{ "lsi": { "charset": "ABCDEFGHJKLMNPQRSTUVWXYZ23456789", "length": 13 }, "dsi": { "charset": "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "length": 40 }, "expiry": 60 }""", "enabled")]
    [InlineData("""{ "lsi": { "charset": "ABCDEFGHJKLMNPQRSTUVWXYZ23456789", "length": 13 }, "dsi": { "charset": "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "length": 40 }, "expiry": 60, "enabled": true, "approverPasskey": "sometimes" }""", "approverPasskey")]
    [InlineData("""{ "lsi": "nonsense" }""", "body")]
    [InlineData("not json at all", "body")]
    public async Task Put_WithAnInvalidField_Is400_NamingIt_AndChangesNothing(string body, string field)
    {
        using var api = await _portal.CreateApiClientAsync();
        var before = await api.GetStringAsync("/config/v2.0/factors/qr");

        var response = await api.PutAsync("/config/v2.0/factors/qr", Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("invalid_request", error.GetProperty("code").GetString());
        Assert.True(error.GetProperty("errors").TryGetProperty(field, out _), $"no error for {field}: {error}");
        Assert.Equal(before, await api.GetStringAsync("/config/v2.0/factors/qr"));
    }

    [Fact]
    public async Task ApproverPasskey_IsListed_SetByPut_AndKeptByAPutThatDoesNotNameIt()
    {
        using var api = await _portal.CreateApiClientAsync();
        const string Seed = """
            "lsi": { "charset": "ABCDEFGHJKLMNPQRSTUVWXYZ23456789", "length": 13 },
            "dsi": { "charset": "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "length": 40 },
            "expiry": 60, "enabled": true
            """;
        Assert.Equal("off", (await api.GetFromJsonAsync<JsonElement>("/config/v2.0/factors/qr")).GetProperty("approverPasskey").GetString());

        Assert.Equal(HttpStatusCode.NoContent, (await api.PutAsync("/config/v2.0/factors/qr", Json($$"""{ {{Seed}}, "approverPasskey": "Everyone" }"""))).StatusCode);
        Assert.Equal("everyone", (await api.GetFromJsonAsync<JsonElement>("/config/v2.0/factors/qr")).GetProperty("approverPasskey").GetString());

        // A seed 003 client knows nothing of the policy: its PUT must not switch the passkey requirement off.
        Assert.Equal(HttpStatusCode.NoContent, (await api.PutAsync("/config/v2.0/factors/qr", Json($$"""{ {{Seed}} }"""))).StatusCode);
        Assert.Equal(ApproverPasskeyPolicy.Everyone, (await _portal.Services.GetRequiredService<QrSettingsStore>().GetAsync()).ApproverPasskey);
    }

    [Fact]
    public async Task Config_WithoutTheEntitlement_Is403()
    {
        using var limited = await _portal.CreateApiClientAsync(PortalFactory.LimitedClientId);

        Assert.Equal(HttpStatusCode.Forbidden, (await limited.GetAsync("/config/v2.0/factors/qr")).StatusCode);
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
