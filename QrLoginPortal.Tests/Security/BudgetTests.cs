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

    [Fact]
    public async Task WrongClientSecrets_FromOneAddress_Are429WithRetryAfter_AfterTheLimit()
    {
        using var attacker = Anonymous("203.0.113.80");
        var responses = new List<HttpResponseMessage>();
        for (var i = 0; i < 40; i++)
        {
            responses.Add(await attacker.PostAsync(TokenPath, WrongSecret()));
        }

        var firstRefusal = responses.FindIndex(r => r.StatusCode == HttpStatusCode.TooManyRequests);
        Assert.InRange(firstRefusal, 1, 30);
        Assert.All(responses.Take(firstRefusal), r => Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode));
        Assert.All(responses.Skip(firstRefusal), r => Assert.Equal(HttpStatusCode.TooManyRequests, r.StatusCode));
        Assert.True(responses[firstRefusal].Headers.RetryAfter?.Delta > TimeSpan.Zero);
        // The client itself, from its own address, still gets its token.
        using var api = await _portal.CreateApiClientAsync();
    }

    [Fact]
    public async Task WrongClientSecrets_FromManyAddresses_AreThrottledPerClient_ButNotTheClientItself()
    {
        var statuses = new List<HttpStatusCode>();
        for (var address = 1; address <= 40; address++)
        {
            using var attacker = Anonymous($"203.0.113.{address}");
            statuses.Add((await attacker.PostAsync(TokenPath, WrongSecret())).StatusCode);
            statuses.Add((await attacker.PostAsync(TokenPath, WrongSecret())).StatusCode);
        }

        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[^1]);
        using var api = await _portal.CreateApiClientAsync();
    }

    private const string TokenPath = "/v1.0/endpoint/default/token";

    private static FormUrlEncodedContent WrongSecret() => new(new Dictionary<string, string>
    {
        ["grant_type"] = "client_credentials",
        ["client_id"] = PortalFactory.ApiClientId,
        ["client_secret"] = "wrong-secret-wrong-secret",
    });

    private HttpClient Anonymous(string address)
    {
        var client = _portal.CreateDefaultClient();
        client.DefaultRequestHeaders.Add(TestClientAddress.Header, address);
        return client;
    }
}
