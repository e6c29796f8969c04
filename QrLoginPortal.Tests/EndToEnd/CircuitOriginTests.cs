using System.Net;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.EndToEnd;

public sealed class CircuitOriginTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task CircuitNegotiation_FromAnotherSite_IsRefused()
    {
        using var browser = portal.CreateBrowser();
        var request = new HttpRequestMessage(HttpMethod.Post, "/_blazor/negotiate?negotiateVersion=1");
        request.Headers.Add("Origin", "https://evil.example");

        var response = await browser.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task CircuitNegotiation_FromThePortalItself_IsAccepted()
    {
        using var browser = portal.CreateBrowser();
        var request = new HttpRequestMessage(HttpMethod.Post, "/_blazor/negotiate?negotiateVersion=1");
        request.Headers.Add("Origin", browser.Http.BaseAddress!.GetLeftPart(UriPartial.Authority));

        var response = await browser.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("connectionToken", await response.Content.ReadAsStringAsync());
    }
}
