using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.Security;

/// <summary>Guessing codes through the API is refused with 429 and a Retry-After, as on the pages (see RateLimitTests, FailedAttemptPageTests).</summary>
public sealed class GuessingTests : IDisposable
{
    // A portal of its own: the budgets spent here must not throttle other test classes.
    private readonly PortalFactory _portal = new();

    public void Dispose() => _portal.Dispose();

    [Fact]
    public async Task GuessingCodes_OnTheAttemptApi_Is429_WithRetryAfter()
    {
        using var api = await _portal.CreateApiClientAsync();
        var created = await api.GetFromJsonAsync<JsonElement>("/v2.0/factors/qr/authenticate?profileId=default");
        var url = $"/v2.0/factors/qr/{created.GetProperty("id").GetString()}";
        using var phone = _portal.CreateBrowser();
        await phone.SignInWithPasswordAsync(PortalFactory.DemoEmail, PortalFactory.DemoPassword);

        HttpResponseMessage? refused = null;
        for (var guess = 0; guess < 50 && refused is null; guess++)
        {
            var response = await phone.Http.PostAsJsonAsync(url, new { lsi = $"GUESS{guess:D8}" });
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                refused = response;
            }
            else
            {
                Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            }
        }

        Assert.NotNull(refused);
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero);
    }
}
