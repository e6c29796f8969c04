// Benchmarks you can run (never tests that fail on a slow day):
//   dotnet run -c Release --project QrLoginPortal.Benchmarks [-- audit | engine [sqlite|postgres] | render | load | browser [N] | paint [N] | pages [N [S]] | multinode]   (audit and engine when none is named)
// audit: seeds 100,000 audit events into a temporary SQLite file and times the admin audit-log
//        queries (first page, a deep page, type / user / date filters) and the CSV export.
// engine: QR and badge image rendering, transaction creation, whole approvals (create, approve,
//         ticket, redeem) and the approval-to-push latency, on SQLite (EngineBenchmarks.cs).
// load:   whole QR sign-ins through the REST API over HTTP on loopback against the portal as its own
//         process, 16 clients (LoadBenchmark.cs); not part of "all" (it starts a server).
// render: the QR images of the engine mode alone (no database).
// browser: a signed-in phone page approves N codes (default 30) in Chromium and a desktop page turns into
//         the signed-in page; the issue-16 step table from the browser's own clock (BrowserBenchmark.cs).
// paint:  the signed-in page alone, opened N times (default 30) in a signed-in Chromium context: server time,
//         response end → DOMContentLoaded and → first contentful paint; then N loads each in a new tab (a renderer that
//         has parsed no stylesheet yet, as after the QR sign-in's form post) (PaintBenchmark.cs).
// pages:  N waiting sign-in pages (default 200) in Chromium: the portal's managed heap per page after a full GC
//         (slope, Development-only /_diagnostics/heap) and its idle CPU over S seconds (default 30) (PagesBenchmark.cs).
// multinode: two engine nodes on one PostgreSQL database (a throw-away cluster as the PostgreSQL tests
//         start, or QRLOGIN_TEST_POSTGRES): approve → push p50/p99 on the same node and across nodes,
//         alternately in one run (MultiNodeBenchmarks.cs).
using System.Diagnostics;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using QrLoginPortal.Admin;
using QrLoginPortal.Audit;
using QrLoginPortal.Data;

var which = args.FirstOrDefault() ?? "all";
if (which == "load")
{
    await QrLoginPortal.Benchmarks.LoadBenchmark.RunAsync();
    return;
}

if (which is "render")
{
    QrLoginPortal.Benchmarks.EngineBenchmarks.RenderBenchmarks();
    return;
}

if (which is "browser")
{
    var count = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 30;
    await QrLoginPortal.Benchmarks.BrowserBenchmark.RunAsync(count);
    return;
}

if (which is "paint")
{
    var count = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 30;
    await QrLoginPortal.Benchmarks.PaintBenchmark.RunAsync(count);
    return;
}

if (which is "pages")
{
    var count = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 200;
    var idle = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 30;
    await QrLoginPortal.Benchmarks.PagesBenchmark.RunAsync(count, idle);
    return;
}

if (which is "multinode")
{
    await QrLoginPortal.Benchmarks.MultiNodeBenchmarks.RunAsync();
    return;
}

if (which is "engine" or "all")
{
    // "engine sqlite" or "engine postgres": that database only (quicker A/B runs).
    await QrLoginPortal.Benchmarks.EngineBenchmarks.RunAsync(args.Length > 1 ? args[1] : null);
}

if (which is not ("audit" or "all"))
{
    return;
}

var folder = Directory.CreateTempSubdirectory("qrlogin-bench-").FullName;
try
{
    var services = new ServiceCollection()
        .Configure<IdentityOptions>(o => o.Stores.SchemaVersion = IdentitySchemaVersions.Version3)
        .BuildServiceProvider();
    var options = new DbContextOptionsBuilder<ApplicationDbContext>()
        .UseDatabase(DatabaseProvider.Sqlite, $"DataSource={Path.Combine(folder, "bench.db")}")
        .UseApplicationServiceProvider(services)
        .Options;
    var factory = new Factory(options);
    await using (var db = factory.CreateDbContext())
    {
        await db.Database.MigrateAsync();
        await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
        var users = Enumerable.Range(0, 200).Select(i => new ApplicationUser
        {
            Id = $"user-{i}", UserName = $"user{i}@bench.local", NormalizedUserName = $"USER{i}@BENCH.LOCAL",
            Email = $"user{i}@bench.local", NormalizedEmail = $"USER{i}@BENCH.LOCAL",
        }).ToList();
        db.Users.AddRange(users);
        await db.SaveChangesAsync();
    }

    var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    var seed = Stopwatch.StartNew();
    for (var batch = 0; batch < 10; batch++)
    {
        await using var db = factory.CreateDbContext();
        for (var i = 0; i < 10_000; i++)
        {
            var n = batch * 10_000 + i;
            db.AuditEvents.Add(new AuditEvent
            {
                At = start.AddSeconds(n * 30),
                Type = AuditTypes.All[n % AuditTypes.All.Length],
                Outcome = n % 7 == 0 ? AuditOutcomes.Refused : AuditOutcomes.Success,
                UserId = $"user-{n % 200}",
                Subject = Guid.NewGuid().ToString(),
                Ip = $"203.0.113.{n % 250}",
                Details = "benchmark row",
            });
        }

        await db.SaveChangesAsync();
    }

    Console.WriteLine($"seeded 100,000 audit events in {seed.Elapsed.TotalSeconds:0.0} s");
    var queries = new AuditQueries(factory);
    await Time("first page (50)", () => queries.PageAsync(new AuditFilter(), 0, 50));
    await Time("page at offset 99,900", () => queries.PageAsync(new AuditFilter(), 99_900, 50));
    await Time("filter by type", () => queries.PageAsync(new AuditFilter(Type: AuditTypes.QrApprove), 0, 50));
    await Time("filter by user email", () => queries.PageAsync(new AuditFilter(User: "user17@bench.local"), 0, 50));
    await Time("filter by one day", () => queries.PageAsync(new AuditFilter(From: start.AddDays(10), To: start.AddDays(11)), 0, 50));
    await Time("CSV export of all 100,000", async () =>
    {
        await using var sink = new MemoryStream();
        await queries.WriteCsvAsync(new AuditFilter(), sink);
        return sink.Length;
    });
}
finally
{
    Directory.Delete(folder, recursive: true);
}

static async Task Time<T>(string name, Func<Task<T>> run)
{
    await run(); // warm-up: query compilation and page cache
    var samples = new List<double>();
    for (var i = 0; i < 5; i++)
    {
        var clock = Stopwatch.StartNew();
        await run();
        samples.Add(clock.Elapsed.TotalMilliseconds);
    }

    samples.Sort();
    Console.WriteLine($"{name,-28} median {samples[2],8:0.0} ms   max {samples[^1],8:0.0} ms");
}

sealed class Factory(DbContextOptions<ApplicationDbContext> options) : IDbContextFactory<ApplicationDbContext>
{
    public ApplicationDbContext CreateDbContext() => new(options);
}
