using System.Net;
using Microsoft.AspNetCore.Http.HttpResults;

namespace QrLoginPortal.Operations;

/// <summary>
/// What the benchmark's pages mode reads from a running portal: the managed heap after a full,
/// compacting collection (the cost of each waiting sign-in page is its slope). Mapped only in
/// Development and answered only to the machine itself: a full collection on demand would be a
/// denial-of-service lever on a deployed node.
/// </summary>
public static class DevelopmentDiagnostics
{
    public const string HeapPath = "/_diagnostics/heap";

    public static WebApplication MapDevelopmentDiagnostics(this WebApplication app)
    {
        if (!app.Environment.IsDevelopment())
        {
            return app;
        }

        app.MapGet(HeapPath, Results<Ok<HeapReading>, NotFound> (HttpContext http) =>
        {
            if (http.ClientIpAddress() is not { } address || !IPAddress.IsLoopback(address))
            {
                return TypedResults.NotFound();
            }

            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            return TypedResults.Ok(new HeapReading(GC.GetTotalMemory(forceFullCollection: true)));
        }).AllowAnonymous().ExcludeFromDescription();
        return app;
    }

    public sealed record HeapReading(long HeapBytes);
}
