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

    [Fact]
    public async Task GuessingTheDsi_OnThePollApi_Is429_WithRetryAfter_WhileTheRightDsiFromElsewhereStillReads()
    {
        using var api = await _portal.CreateApiClientAsync();
        var created = await api.GetFromJsonAsync<JsonElement>("/v2.0/factors/qr/authenticate?profileId=default");
        var url = $"/v2.0/factors/qr/{created.GetProperty("id").GetString()}";
        using var guesser = _portal.CreateDefaultClient();
        guesser.DefaultRequestHeaders.Add(TestClientAddress.Header, "198.51.100.7");

        HttpResponseMessage? refused = null;
        for (var guess = 0; guess < 50 && refused is null; guess++)
        {
            var response = await guesser.GetAsync($"{url}?dsi=GUESS{guess:D8}");
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
        using var owner = _portal.CreateDefaultClient();
        owner.DefaultRequestHeaders.Add(TestClientAddress.Header, "203.0.113.99");
        var read = await owner.GetAsync($"{url}?dsi={created.GetProperty("dsi").GetString()}");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
    }
}
