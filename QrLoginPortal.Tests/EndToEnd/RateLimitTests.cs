using System.Net;
using QrLoginPortal.SignIn;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.EndToEnd;

public sealed class RateLimitTests : IDisposable
{
    private readonly PortalFactory _portal = new() { RequestsPerMinutePerIp = 3 };

    public void Dispose() => _portal.Dispose();

    [Fact]
    public async Task TicketGuessing_IsThrottledWith429AndRetryAfter()
    {
        using var browser = _portal.CreateBrowser();
        await browser.GetPageAsync("/login");

        var statuses = new List<HttpResponseMessage>();
        for (var i = 0; i < 4; i++)
        {
            statuses.Add(await browser.Http.PostAsync(QrSignInEndpoints.RedeemPath,
                new FormUrlEncodedContent(new Dictionary<string, string> { ["ticket"] = $"guess-{i}" })));
        }

        Assert.All(statuses.Take(3), r => Assert.Equal(HttpStatusCode.Redirect, r.StatusCode));
        var refused = statuses[3];
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero);
    }

    [Fact]
    public async Task ApprovalPageGuessing_IsThrottled()
    {
        using var phone = _portal.CreateBrowser();
        await phone.SignInWithPasswordAsync(PortalFactory.DemoEmail, PortalFactory.DemoPassword);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            statuses.Add((await phone.Http.GetAsync($"/qr/GUESS{i}ABCDEFG")).StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
    }

    [Fact]
    public async Task TheAuthnApi_HasABudgetOfItsOwn_AndCannotUseUpTicketRedemptions()
    {
        using var browser = _portal.CreateBrowser();
        await browser.GetPageAsync("/login");

        var authn = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            authn.Add((await browser.Http.PostAsync(QrLoginPortal.Api.AuthnEndpoints.Path, null)).StatusCode);
        }

        var redeem = await browser.Http.PostAsync(QrSignInEndpoints.RedeemPath,
            new FormUrlEncodedContent(new Dictionary<string, string> { ["ticket"] = "guess" }));

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], authn);
        Assert.Equal(HttpStatusCode.Redirect, redeem.StatusCode);
    }
}
