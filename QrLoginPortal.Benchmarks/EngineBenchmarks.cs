using System.Diagnostics;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using QrLoginPortal.Accounts;
using QrLoginPortal.Audit;
using QrLoginPortal.Badges;
using QrLoginPortal.Data;
using QrLoginPortal.QrLogin;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Benchmarks;

/// <summary>The QR engine on a temporary SQLite file and, when installed, a throw-away PostgreSQL server, wired as the portal wires each (SPEC section 7 figures).</summary>
public static class EngineBenchmarks
{
    /// <param name="only">"sqlite" or "postgres" for that database alone; null for both.</param>
    public static async Task RunAsync(string? only = null)
    {
        RenderBenchmarks();
        if (only is null or "sqlite")
        {
            await DatabaseBenchmarksAsync(DatabaseProvider.Sqlite);
        }

        if (only is "sqlite")
        {
            return;
        }

        if (PostgresCluster.Available)
        {
            await DatabaseBenchmarksAsync(DatabaseProvider.Postgres);
        }
        else
        {
            Console.WriteLine("PostgreSQL: " + PostgresCluster.InstallHint);
        }
    }

    /// <summary>
    /// Creates, whole approvals and the push, wired as the portal wires that provider: SQLite with the
    /// in-process notifier and counters; PostgreSQL (a throw-away server) with NOTIFY in each change's
    /// transaction and the shared limit counters.
    /// </summary>
    private static async Task DatabaseBenchmarksAsync(DatabaseProvider provider)
    {
        Console.WriteLine($"-- {provider}");
        var folder = Directory.CreateTempSubdirectory("qrlogin-engine-").FullName;
        var connectionString = provider == DatabaseProvider.Postgres
            ? PostgresCluster.Instance.CreateDatabase()
            : $"DataSource={Path.Combine(folder, "engine.db")}";
        try
        {
            var services = new ServiceCollection()
                .Configure<IdentityOptions>(o => o.Stores.SchemaVersion = IdentitySchemaVersions.Version3)
                .BuildServiceProvider();
            var builder = new DbContextOptionsBuilder<ApplicationDbContext>().UseApplicationServiceProvider(services);
            builder.UseDatabase(provider, connectionString);
            // Pooled, as the portal registers it.
            var factory = new PooledDbContextFactory<ApplicationDbContext>((DbContextOptions<ApplicationDbContext>)builder.Options);
            await using (var db = factory.CreateDbContext())
            {
                await db.Database.MigrateAsync();
                if (provider == DatabaseProvider.Sqlite)
                {
                    await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
                }

                db.Users.Add(new ApplicationUser { Id = "bench-user", UserName = "bench@bench.local", NormalizedUserName = "BENCH@BENCH.LOCAL" });
                await db.SaveChangesAsync();
            }

            var clock = TimeProvider.System;
            var audit = new AuditLog(factory, clock);
            ITransactionNotifier notifier = provider == DatabaseProvider.Postgres
                ? new PostgresTransactionNotifier(factory, NullLogger<InProcessTransactionNotifier>.Instance, NullLogger<PostgresTransactionNotifier>.Instance)
                : new InProcessTransactionNotifier(NullLogger<InProcessTransactionNotifier>.Instance);
            // No caps: the benchmark measures the engine, not the limits.
            var options = Options.Create(new QrLoginOptions { CreatedPerMinutePerIp = int.MaxValue, MaxPending = int.MaxValue, CreatedPerMinute = int.MaxValue });
            using var sharedCounters = provider == DatabaseProvider.Postgres ? new PostgresLimitCounters(connectionString, clock) : null;
            ILimitCounters counters = (ILimitCounters?)sharedCounters ?? new InMemoryLimitCounters(clock);
            var limiter = FailedAttemptLimiter.Create(counters, options.Value);
            var capacity = new QrCapacity(new AttemptLimiter(QrCapacity.Creations, QrCapacity.LimitsOf(options.Value), counters), options,
                countsAlone: provider == DatabaseProvider.Sqlite);
            var settings = new QrSettingsStore(factory, audit, clock);
            var engine = new QrLoginService(factory, settings, new ApproverRoles(factory), notifier, limiter, capacity, audit, clock,
                NullLogger<QrLoginService>.Instance);
            var tickets = new QrTicketService(factory, settings, audit, clock);
            var binding = new byte[32];
            var requester = new QrRequester("203.0.113.10", "bench", binding);

            // One whole approval as the browser and the phone make it: create, approve (with the push), ticket, redeem.
            // Wall time of each step of the whole approvals (create, approve with its push, ticket, redeem), for the step figure line.
            var steps = new List<double>[] { [], [], [], [] };
            // With stepTimes null nothing is recorded (callers on several threads at once).
            async Task<double> WholeApprovalAsync(List<double>[]? stepTimes)
            {
                var stepStarted = Stopwatch.GetTimestamp();
                var created = await engine.CreateAsync(requester);
                stepTimes?[0].Add(Stopwatch.GetElapsedTime(stepStarted).TotalMicroseconds);
                stepStarted = Stopwatch.GetTimestamp();
                var pushed = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
                double latency;
                using (notifier.Subscribe(created.Id, change =>
                       {
                           if (change.State == QrTransactionState.Success)
                           {
                               pushed.TrySetResult(Stopwatch.GetTimestamp());
                           }

                           return Task.CompletedTask;
                       }))
                {
                    var approveStarted = Stopwatch.GetTimestamp();
                    await engine.ApproveAsync(created.Lsi, "bench-user", keepSignedIn: false, "198.51.100.1", "bench phone");
                    latency = Stopwatch.GetElapsedTime(approveStarted, await pushed.Task).TotalMilliseconds;
                }

                stepTimes?[1].Add(Stopwatch.GetElapsedTime(stepStarted).TotalMicroseconds);
                stepStarted = Stopwatch.GetTimestamp();
                var ticket = await tickets.IssueTicketAsync(created.Id, created.Dsi);
                stepTimes?[2].Add(Stopwatch.GetElapsedTime(stepStarted).TotalMicroseconds);
                stepStarted = Stopwatch.GetTimestamp();
                if (await tickets.RedeemTicketAsync(ticket, binding, "203.0.113.10") is null)
                {
                    throw new InvalidOperationException("A benchmark approval did not redeem.");
                }

                stepTimes?[3].Add(Stopwatch.GetElapsedTime(stepStarted).TotalMicroseconds);

                return latency;
            }

            // Warm-up: the portal runs for days, so measure its steady state, not the JIT's first tier
            // (with one warm-up call, most of the first second ran unoptimised code).
            for (var i = 0; i < 300; i++)
            {
                await engine.CreateAsync(requester);
                await WholeApprovalAsync(steps);
            }

            const int creates = 2000;
            // CPU time per operation beside the rate: on a machine shared with other work the rate follows the
            // load average, while the process's own CPU per operation moves far less (compare both, A/B).
            var cpu = Process.GetCurrentProcess();
            string CpuPer(TimeSpan since, int count)
            {
                cpu.Refresh();
                return $"{(cpu.TotalProcessorTime - since).TotalMicroseconds / count,6:0} µs CPU each";
            }

            TimeSpan CpuNow()
            {
                cpu.Refresh();
                return cpu.TotalProcessorTime;
            }

            var cpuStart = CpuNow();
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < creates; i++)
            {
                await engine.CreateAsync(requester);
            }

            Console.WriteLine($"{"transaction create",-34} {creates / watch.Elapsed.TotalSeconds,8:0} /s   {CpuPer(cpuStart, creates)}   (one at a time, {creates} rows)");

            const int parallel = 8;
            cpuStart = CpuNow();
            watch.Restart();
            await Task.WhenAll(Enumerable.Range(0, parallel).Select(async _ =>
            {
                for (var i = 0; i < creates / parallel; i++)
                {
                    await engine.CreateAsync(requester);
                }
            }));
            Console.WriteLine($"{"transaction create",-34} {creates / watch.Elapsed.TotalSeconds,8:0} /s   {CpuPer(cpuStart, creates)}   ({parallel} callers at once)");

            // The 8 callers above are started one after another on this thread, and a create that commits alone finishes
            // without ever yielding on SQLite (its I/O is synchronous), so they mostly take turns. Here each caller starts on
            // a pool thread, as concurrent requests do, so creates do arrive while another one commits (group commit).
            cpuStart = CpuNow();
            watch.Restart();
            await Task.WhenAll(Enumerable.Range(0, parallel).Select(_ => Task.Run(async () =>
            {
                for (var i = 0; i < creates / parallel; i++)
                {
                    await engine.CreateAsync(requester);
                }
            })));
            Console.WriteLine($"{"transaction create",-34} {creates / watch.Elapsed.TotalSeconds,8:0} /s   {CpuPer(cpuStart, creates)}   ({parallel} callers on pool threads)");

            const int approvals = 1000;
            Array.ForEach(steps, step => step.Clear());
            var pushLatencies = new List<double>(approvals);
            cpuStart = CpuNow();
            watch.Restart();
            for (var i = 0; i < approvals; i++)
            {
                pushLatencies.Add(await WholeApprovalAsync(steps));
            }

            Console.WriteLine($"{"whole approvals",-34} {approvals / watch.Elapsed.TotalSeconds,8:0} /s   {CpuPer(cpuStart, approvals)}   (create, approve, ticket, redeem)");
            // As the 8 creating callers on pool threads above: whole sign-ins of different people at once, the engine's
            // throughput (SQLite takes one writer at a time; the others wait on its busy timeout or the create batch).
            cpuStart = CpuNow();
            watch.Restart();
            await Task.WhenAll(Enumerable.Range(0, parallel).Select(_ => Task.Run(async () =>
            {
                for (var i = 0; i < approvals / parallel; i++)
                {
                    await WholeApprovalAsync(null);
                }
            })));
            Console.WriteLine($"{"whole approvals",-34} {approvals / watch.Elapsed.TotalSeconds,8:0} /s   {CpuPer(cpuStart, approvals)}   ({parallel} callers on pool threads)");
            double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
            Console.WriteLine($"{"whole approval steps, p50 wall",-34} create {Median(steps[0]),5:0} µs, approve {Median(steps[1]),5:0} µs, " +
                              $"ticket {Median(steps[2]),5:0} µs, redeem {Median(steps[3]),5:0} µs");
            pushLatencies.Sort();
            Console.WriteLine($"{"approve call → push delivered",-34} p50 {pushLatencies[approvals / 2],6:0.00} ms   p99 {pushLatencies[approvals * 99 / 100],6:0.00} ms   " +
                              "(in process: the approving request's update and audit, then the notifier; 3-second polling waits 1,500 ms on average)");

            // The process's CPU per step: each step done for a thousand approvals in a row, so the CPU clock (10 ms ticks
            // on Linux) spans each phase. It moves far less with the machine's load than the wall figures (issue 16).
            var phase = new List<NewQrTransaction>(approvals);
            var stepCpu = new double[4];
            cpuStart = CpuNow();
            for (var i = 0; i < approvals; i++)
            {
                phase.Add(await engine.CreateAsync(requester));
            }

            stepCpu[0] = (CpuNow() - cpuStart).TotalMicroseconds / approvals;
            cpuStart = CpuNow();
            foreach (var created in phase)
            {
                var pushed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                using (notifier.Subscribe(created.Id, change =>
                       {
                           if (change.State == QrTransactionState.Success)
                           {
                               pushed.TrySetResult();
                           }

                           return Task.CompletedTask;
                       }))
                {
                    await engine.ApproveAsync(created.Lsi, "bench-user", keepSignedIn: false, "198.51.100.1", "bench phone");
                    await pushed.Task;
                }
            }

            stepCpu[1] = (CpuNow() - cpuStart).TotalMicroseconds / approvals;
            var phaseTickets = new List<string?>(approvals);
            cpuStart = CpuNow();
            foreach (var created in phase)
            {
                phaseTickets.Add(await tickets.IssueTicketAsync(created.Id, created.Dsi));
            }

            stepCpu[2] = (CpuNow() - cpuStart).TotalMicroseconds / approvals;
            cpuStart = CpuNow();
            foreach (var ticket in phaseTickets)
            {
                if (await tickets.RedeemTicketAsync(ticket, binding, "203.0.113.10") is null)
                {
                    throw new InvalidOperationException("A benchmark approval did not redeem.");
                }
            }

            stepCpu[3] = (CpuNow() - cpuStart).TotalMicroseconds / approvals;
            Console.WriteLine($"{"whole approval steps, CPU each",-34} create {stepCpu[0],5:0} µs, approve {stepCpu[1],5:0} µs, " +
                              $"ticket {stepCpu[2],5:0} µs, redeem {stepCpu[3],5:0} µs   (each step {approvals} times in a row)");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
            if (provider == DatabaseProvider.Postgres)
            {
                PostgresCluster.Instance.DropDatabase(connectionString);
            }
        }
    }

    /// <summary>The QR images alone (no database): the "render" mode.</summary>
    public static void RenderBenchmarks()
    {
        RenderBenchmark("QR image (approval URL, as shown)", () => QrCodeRenderer.RenderPng("https://login.example.com/qr/ABCDEFGHJKMNP", QrCodeRenderer.OnScreenPixelsPerModule));
        RenderBenchmark("QR image (approval URL, API, 8 px)", () => QrCodeRenderer.RenderPng("https://login.example.com/qr/ABCDEFGHJKMNP"));
        RenderBenchmark("badge QR image (6 px)", () => QrCodeRenderer.RenderPng(BadgeSecret.QrContent(BadgeSecret.Generate()), 6));
    }

    private static void RenderBenchmark(string name, Func<byte[]> render)
    {
        // Warm up for a second, not a few hundred images: tiered JIT recompiles the hot methods only after a quiet
        // spell, and 200 images (a few ms) left the first figure measuring partly unoptimised code (issue 16: the
        // shown image's CPU per image halved with DOTNET_TieredCompilation=0 before this).
        var warmUp = Stopwatch.StartNew();
        while (warmUp.Elapsed < TimeSpan.FromSeconds(1))
        {
            render();
        }

        // Beside the wall clock, the process's CPU per image (it moves far less with the machine's load) and the
        // managed bytes this thread allocates per image.
        var process = Process.GetCurrentProcess();
        var samples = new List<double>();
        var cpuSamples = new List<double>();
        long allocated = 0;
        for (var round = 0; round < 5; round++)
        {
            const int count = 2000;
            process.Refresh();
            var cpuStart = process.TotalProcessorTime;
            var allocatedStart = GC.GetAllocatedBytesForCurrentThread();
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < count; i++)
            {
                render();
            }

            samples.Add(watch.Elapsed.TotalMicroseconds / count);
            allocated = (GC.GetAllocatedBytesForCurrentThread() - allocatedStart) / count;
            process.Refresh();
            cpuSamples.Add((process.TotalProcessorTime - cpuStart).TotalMicroseconds / count);
        }

        samples.Sort();
        cpuSamples.Sort();
        Console.WriteLine($"{name,-34} median {samples[2],8:0.0} µs per image   ({render().Length:N0} bytes)");
        Console.WriteLine($"{"  the same, CPU and allocations",-34} median {cpuSamples[2],8:0.0} µs CPU per image   ({allocated:N0} bytes allocated per image)");
    }
}
