using System.Net;
using Microsoft.EntityFrameworkCore;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.Operations;

/// <summary>
/// Two nodes on one database share one Data Protection key ring, kept in that database: what one
/// node signs or encrypts (the sign-in cookie, antiforgery tokens) the other reads.
/// </summary>
public sealed class SharedKeysTests : IDisposable
{
    private readonly PortalFactory _nodeA = new();
    private readonly PortalFactory _nodeB;

    public SharedKeysTests() =>
        _nodeB = new PortalFactory { Settings = { ["ConnectionStrings:DefaultConnection"] = _nodeA.Database.ConnectionString } };

    [Fact]
    public async Task ACookieMadeOnOneNode_SignsTheBrowserInOnTheOther_AndTheKeysAreInTheDatabase()
    {
        var onA = _nodeA.CreateBrowser();
        await onA.SignInWithPasswordAsync(PortalFactory.DemoEmail, PortalFactory.DemoPassword);

        var onB = _nodeB.CreateBrowser();
        onB.Cookies.Add(onA.Cookies.GetAllCookies());
        var page = await onB.Http.GetAsync("/account/sessions");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains(PortalFactory.DemoEmail, await page.Content.ReadAsStringAsync());
        await using var db = _nodeA.Database.CreateDbContext();
        Assert.NotEmpty(await db.DataProtectionKeys.ToListAsync());
    }

    [Fact]
    public async Task AFormPageServedByOneNode_IsAcceptedWhenPostedToTheOther()
    {
        var onA = _nodeA.CreateBrowser();
        var page = await onA.GetPageAsync("/login");

        var onB = _nodeB.CreateBrowser();
        onB.Cookies.Add(onA.Cookies.GetAllCookies());
        var response = await onB.PostFormAsync("/login", page, "login", new Dictionary<string, string>
        {
            ["Input.Email"] = PortalFactory.DemoEmail,
            ["Input.Password"] = PortalFactory.DemoPassword,
        });

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.NotNull(onB.Cookies.GetAllCookies().FirstOrDefault(c => c.Name is ".AspNetCore.Identity.Application" or "__Host-Identity"));
    }

    public void Dispose()
    {
        _nodeB.Dispose();
        _nodeA.Dispose();
    }
}
