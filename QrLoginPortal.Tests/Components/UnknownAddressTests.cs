using System.Net;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.Components;

/// <summary>An address the portal does not have is the app's not-found page whatever the method; a known address keeps its 405.</summary>
public sealed class UnknownAddressTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Theory]
    [InlineData("POST")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    public async Task AnyMethodToAnUnknownAddress_IsThePortalsNotFound(string method)
    {
        using var browser = portal.CreateBrowser();

        var response = await browser.Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), "/no-such-address")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["x"] = "1" }),
        });

        Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{response.StatusCode} Allow: {string.Join(",", response.Content.Headers.Allow)} {await response.Content.ReadAsStringAsync()}");
    }

    [Fact]
    public async Task AGetToAnUnknownAddress_IsThePortalsNotFoundPage()
    {
        using var browser = portal.CreateBrowser();

        var response = await browser.Http.GetAsync("/no-such-address");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("<title>Page not found</title>", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AWrongMethodToAKnownEndpoint_IsMethodNotAllowed()
    {
        using var browser = portal.CreateBrowser();

        var response = await browser.Http.PutAsync("/Account/Logout", new FormUrlEncodedContent(new Dictionary<string, string>()));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }
}
