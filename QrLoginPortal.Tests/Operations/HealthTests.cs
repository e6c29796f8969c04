using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using QrLoginPortal.Data;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.Operations;

/// <summary>What a load balancer asks each node: alive, and ready to serve sign-ins.</summary>
public sealed class HealthTests : IDisposable
{
    private readonly PortalFactory _portal = new();

    [Fact]
    public async Task ANodeThatStartedIsAliveAndReady()
    {
        var http = _portal.CreateClient();

        var alive = await http.GetAsync("/healthz");
        var ready = await http.GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        Assert.Equal("Healthy", await alive.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Healthy", await ready.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ANodeWhoseDatabaseIsGoneIsAliveButNotReady()
    {
        var http = _portal.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/readyz")).StatusCode);

        // SQLite: a fresh, empty file where the database was (its migrations pending);
        // PostgreSQL: the database dropped (unreachable).
        _portal.Database.Dispose();

        var ready = await http.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal("Unhealthy", await ready.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public async Task ANodeShuttingDownIsNoLongerReady()
    {
        var http = _portal.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/readyz")).StatusCode);
        var lifetime = _portal.Services.GetRequiredService<IHostApplicationLifetime>();
        HttpStatusCode? whileStopping = null;
        // Asked while the node is stopping (its requests still served), as a load balancer would.
        lifetime.ApplicationStopping.Register(() => whileStopping = http.GetAsync("/readyz").GetAwaiter().GetResult().StatusCode);

        lifetime.StopApplication();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, whileStopping);
    }

    [Fact]
    public void AnUnknownDatabaseProviderStopsTheStartNamingTheKey()
    {
        using var portal = new PortalFactory { Settings = { [DatabaseProviders.ConfigurationKey] = "Oracle" } };

        var error = Assert.ThrowsAny<Exception>(() => portal.CreateClient());

        Assert.Contains("Database:Provider", error.ToString());
        Assert.Contains("Postgres", error.ToString());
    }

    public void Dispose() => _portal.Dispose();
}
