using System.Net;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.EndToEnd;

public sealed class FailedAttemptPageTests : IDisposable
{
    private readonly PortalFactory _portal = new() { FailedAttemptsPerUser = 2 };

    public void Dispose() => _portal.Dispose();

    [Fact]
    public async Task APhoneThatKeepsOpeningWrongCodes_IsToldToWait_With429()
    {
        using var phone = _portal.CreateBrowser();
        await phone.SignInWithPasswordAsync(PortalFactory.DemoEmail, PortalFactory.DemoPassword);

        await phone.GetPageAsync("/qr/WRONGCODE1");
        await phone.GetPageAsync("/qr/WRONGCODE2");
        var third = await phone.Http.GetAsync("/qr/WRONGCODE3");

        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.True(third.Headers.RetryAfter?.Delta > TimeSpan.FromMinutes(10));
        Assert.Contains("Too many attempts", await third.Content.ReadAsStringAsync());
    }
}
