using System.Net;
using Bunit;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using QrLoginPortal.Admin;
using QrLoginPortal.Audit;
using QrLoginPortal.SignIn;

namespace QrLoginPortal.Tests.Admin;

/// <summary>
/// Admin pages take the acting address from the circuit's own state, captured when its connection
/// came up, not from IHttpContextAccessor while the circuit runs (where there is no request of theirs).
/// </summary>
public sealed class CircuitClientTests : AdminPageTestContext
{
    [Fact]
    public async Task AnAdminAction_IsAuditedWithTheAddressTheCircuitConnectedFrom()
    {
        var connection = new DefaultHttpContext();
        connection.Connection.RemoteIpAddress = IPAddress.Parse("203.0.113.7");
        var client = Services.GetRequiredService<CircuitClient>();
        // On a flow of its own, as the connection's hub call is: the accessor's request does not leak into the test's.
        await Task.Run(() => new CircuitClientHandler(client, new HttpContextAccessor { HttpContext = connection })
            .OnConnectionUpAsync(null!, Xunit.TestContext.Current.CancellationToken));
        // While the circuit runs, no request is at hand.
        Assert.Null(Services.GetRequiredService<IHttpContextAccessor>().HttpContext);

        var cut = Render<RolesPage>();
        cut.WaitForAssertion(() => cut.Find("[data-testid=roles]"));
        await cut.Find("input[data-testid=new-role]").ChangeAsync(new() { Value = "Pupils" });
        await cut.Find("button[data-testid=create-role]").ClickAsync(new());
        cut.WaitForAssertion(() => Assert.Contains("Pupils was created", cut.Find("[data-testid=message]").TextContent));

        await using var db = Engine.Database.CreateDbContext();
        Assert.Equal("203.0.113.7", (await db.AuditEvents.SingleAsync(e => e.Type == AuditTypes.RoleCreate)).Ip);
    }

    [Fact]
    public async Task AReconnectionFromANewAddress_IsTheAddressFromThenOn()
    {
        var client = new CircuitClient();
        foreach (var address in new[] { "198.51.100.1", "198.51.100.2" })
        {
            var connection = new DefaultHttpContext();
            connection.Connection.RemoteIpAddress = IPAddress.Parse(address);
            await Task.Run(() => new CircuitClientHandler(client, new HttpContextAccessor { HttpContext = connection })
                .OnConnectionUpAsync(null!, Xunit.TestContext.Current.CancellationToken));
        }

        Assert.Equal("198.51.100.2", client.Ip);
    }
}
