using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.Operations;

/// <summary>
/// The managed heap after a full collection, for the benchmark's pages mode: only in Development and
/// only from the machine itself, so a deployed portal has no way to be made to run full collections.
/// </summary>
public sealed class DevelopmentDiagnosticsTests
{
    private const string HeapPath = "/_diagnostics/heap";

    [Fact]
    public async Task InDevelopment_FromLoopback_TheHeapAfterAFullCollectionIsAnswered()
    {
        using var portal = new PortalFactory();
        var http = portal.CreateClient();
        http.DefaultRequestHeaders.Add(TestClientAddress.Header, "127.0.0.1");

        var response = await http.GetAsync(HeapPath, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.True(body.GetProperty("heapBytes").GetInt64() > 0);
    }

    [Fact]
    public async Task InDevelopment_FromAnotherAddress_ItIsNotFound()
    {
        using var portal = new PortalFactory();
        var http = portal.CreateClient();
        http.DefaultRequestHeaders.Add(TestClientAddress.Header, "203.0.113.7");

        var response = await http.GetAsync(HeapPath, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task InProduction_ItIsNotFound_EvenFromLoopback()
    {
        using var portal = new ProductionPortalFactory();
        var http = portal.CreateClient();
        http.DefaultRequestHeaders.Add(TestClientAddress.Header, "127.0.0.1");

        var response = await http.GetAsync(HeapPath, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
