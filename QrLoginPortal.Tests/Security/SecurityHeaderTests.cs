using System.Net;
using System.Text;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.Security;

/// <summary>Every response carries the security headers, including those the authentication step makes.</summary>
public sealed class SecurityHeaderTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Theory]
    [InlineData("GET", "/login", HttpStatusCode.OK)]
    [InlineData("GET", "/account", HttpStatusCode.Redirect)]
    [InlineData("GET", "/qr/ABCDEFGHJKMNP", HttpStatusCode.Redirect)]
    [InlineData("GET", "/admin", HttpStatusCode.Redirect)]
    [InlineData("GET", "/v2.0/Users/someone", HttpStatusCode.Unauthorized)]
    [InlineData("GET", "/config/v2.0/factors/qr", HttpStatusCode.Unauthorized)]
    [InlineData("POST", "/v1.0/endpoint/default/token", HttpStatusCode.BadRequest)]
    [InlineData("GET", "/no-such-page", HttpStatusCode.NotFound)]
    public async Task EveryResponse_CarriesTheSecurityHeaders(string method, string path, HttpStatusCode expected)
    {
        using var http = portal.CreateClient(new() { AllowAutoRedirect = false });
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST")
        {
            request.Content = new StringContent("grant_type=password", Encoding.ASCII, "application/x-www-form-urlencoded");
        }

        var response = await http.SendAsync(request);

        Assert.Equal(expected, response.StatusCode);
        SecurityHeaderAssert.Present(response);
    }

    [Fact]
    public async Task TheAnonymousApprovalPageRedirect_KeepsTheLsiOutOfReferrers()
    {
        using var http = portal.CreateClient(new() { AllowAutoRedirect = false });

        var response = await http.GetAsync("/qr/ABCDEFGHJKMNP");

        Assert.Contains("ABCDEFGHJKMNP", response.Headers.Location!.OriginalString);
        Assert.Equal("no-referrer", string.Join(",", response.Headers.GetValues("Referrer-Policy")));
    }
}
