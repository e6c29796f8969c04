using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.Security;

/// <summary>Issue 13, finding 5: budgets that protect someone must not be spendable by others.</summary>
public sealed class BudgetTests : IDisposable
{
    private readonly PortalFactory _portal = new();

    public void Dispose() => _portal.Dispose();

    [Fact]
    public async Task AnApiClientsFailedAttempts_NamingAUser_DoNotLockThatUserOut()
    {
        var userId = await _portal.CreateUserAsync("vouched@test.local");
        using var api = await _portal.CreateApiClientAsync();
        for (var i = 0; i < 15; i++)
        {
            var guess = await api.PostAsJsonAsync($"/v2.0/factors/qr/{Guid.NewGuid()}", new { lsi = $"WRONG{i}CODE", userId });
            Assert.True(guess.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.TooManyRequests, guess.StatusCode.ToString());
        }

        using var phone = _portal.CreateBrowser();
        await phone.SignInWithPasswordAsync("vouched@test.local", PortalFactory.DemoPassword);
        var created = await api.GetFromJsonAsync<JsonElement>("/v2.0/factors/qr/authenticate?profileId=default");
        var approve = await phone.Http.PostAsJsonAsync($"/v2.0/factors/qr/{created.GetProperty("id").GetString()}",
            new { lsi = created.GetProperty("lsi").GetString() });

        Assert.Equal(HttpStatusCode.NoContent, approve.StatusCode);
    }
}
