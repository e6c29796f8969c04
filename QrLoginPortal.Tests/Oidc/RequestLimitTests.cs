using System.Net;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.Oidc;

/// <summary>Per-address budgets of the OpenID Connect endpoints: browsers at the sign-in budget, application servers at theirs.</summary>
public sealed class RequestLimitTests(RequestLimitTests.Portal portal) : IClassFixture<RequestLimitTests.Portal>
{
    private const int Budget = 3;

    public sealed class Portal : PortalFactory
    {
        public Portal()
        {
            RequestsPerMinutePerIp = Budget;
            Settings = new Dictionary<string, string?> { ["Oidc:ApplicationRequestsPerMinutePerIp"] = Budget.ToString() };
        }
    }

    private HttpClient From(string address)
    {
        var http = portal.CreateDefaultClient();
        http.DefaultRequestHeaders.Add(TestClientAddress.Header, address);
        return http;
    }

    [Fact]
    public async Task ABrowserAddress_PastItsBudget_IsRefusedAtAuthorizeAndEndSession_With429AndRetryAfter()
    {
        using var http = From("198.51.100.10");
        var app = new OidcRelyingParty(portal, "never-registered", "https://app.example/cb");
        for (var i = 0; i < Budget; i++)
        {
            Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync(app.AuthorizeUrl())).StatusCode);
        }

        var authorize = await http.GetAsync(app.AuthorizeUrl());
        var endSession = await http.GetAsync("/connect/endsession");

        foreach (var refused in new[] { authorize, endSession })
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.True(int.Parse(refused.Headers.GetValues("Retry-After").Single()) is > 0 and <= 60);
            Assert.Contains("Too many requests", await refused.Content.ReadAsStringAsync());
        }

        using var other = From("198.51.100.11");
        Assert.Equal(HttpStatusCode.BadRequest, (await other.GetAsync(app.AuthorizeUrl())).StatusCode);
    }

    [Fact]
    public async Task AnApplicationServer_PastItsBudget_IsRefusedAtTheTokenEndpointInOAuthErrorForm_AndAtUserInfo_ButClientCredentialsAreNot()
    {
        using var http = From("198.51.100.20");
        var app = await OidcRelyingParty.RegisterAsync(portal);
        var refresh = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["client_id"] = app.ClientId,
            ["refresh_token"] = "not-a-token",
        });
        for (var i = 0; i < Budget; i++)
        {
            Assert.Equal(HttpStatusCode.BadRequest, (await http.PostAsync(OidcRelyingParty.TokenPath, refresh)).StatusCode);
        }

        var token = await http.PostAsync(OidcRelyingParty.TokenPath, refresh);
        var userInfo = await http.GetAsync("/connect/userinfo");

        Assert.Equal(HttpStatusCode.TooManyRequests, token.StatusCode);
        Assert.True(int.Parse(token.Headers.GetValues("Retry-After").Single()) is > 0 and <= 60);
        var error = await OidcRelyingParty.JsonAsync(token, HttpStatusCode.TooManyRequests);
        Assert.Equal("too_many_requests", error.GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.TooManyRequests, userInfo.StatusCode);
        var credentials = await http.PostAsync(OidcRelyingParty.TokenPath, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = PortalFactory.ApiClientId,
            ["client_secret"] = PortalFactory.ApiClientSecret,
        }));
        Assert.Equal(HttpStatusCode.OK, credentials.StatusCode);
    }
}
