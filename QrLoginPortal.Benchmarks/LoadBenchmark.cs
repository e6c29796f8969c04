using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace QrLoginPortal.Benchmarks;

/// <summary>
/// Whole QR sign-ins through the REST API over HTTP on loopback, as calling apps make them: the
/// portal runs as its own process (the Release build, Kestrel, SQLite), and concurrent clients each
/// create a transaction, complete it as an authenticator backend (attempt with the lsi and the user),
/// and poll it to SUCCESS. Reports sign-ins per second and the p50/p99 of one whole sign-in.
/// </summary>
public static class LoadBenchmark
{
    private const string ClientId = "load-benchmark";
    private const string ClientSecret = "load-benchmark-secret-0123456789";
    private const int WarmUpSignIns = 3_000;

    public static async Task RunAsync(int clients = 16, int seconds = 20)
    {
        await using var portal = await PortalProcess.StartAsync(new Dictionary<string, string>
        {
            ["Api__Clients__0__ClientId"] = ClientId,
            ["Api__Clients__0__ClientSecret"] = ClientSecret,
            ["Api__Clients__0__Entitlements__0"] = "authenticateAnyUser",
            ["Api__Clients__0__Entitlements__1"] = "verifyAsAuthenticator",
        });

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clients * 2 }) { BaseAddress = new Uri(portal.BaseUrl) };
        var userId = await DemoUserIdAsync(portal.Database);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(http));

        // Warm-up: JIT, query compilation, connection pools. By count as well as time: on a busy machine 3 s were a few
        // hundred sign-ins, and the timed run then still paid for the JIT's tier-1 compilations (a tenth of the portal's CPU).
        var warmed = 0;
        var warmUp = Stopwatch.StartNew();
        while (warmUp.Elapsed < TimeSpan.FromSeconds(3) || (warmed < WarmUpSignIns && warmUp.Elapsed < TimeSpan.FromSeconds(60)))
        {
            warmed += (await RunAsync(http, userId, clients, TimeSpan.FromSeconds(1))).Count;
        }

        Array.Clear(StepTotals);
        // For a profiler to attach to (dotnet-trace collect -p PID) before the timed run starts.
        Console.WriteLine($"portal process id {portal.Process.Id}");
        var cpuBefore = ProcessCpu.Read(portal.Process.Id).PortalMs;
        var (count, latencies, elapsed) = await RunAsync(http, userId, clients, TimeSpan.FromSeconds(seconds));
        var serverCpuMs = ProcessCpu.Read(portal.Process.Id).PortalMs - cpuBefore;
        latencies.Sort();
        Console.WriteLine($"whole QR sign-ins over HTTP (create, attempt, poll), {clients} clients, {seconds} s: " +
                          $"{count / elapsed.TotalSeconds:N0} per s, p50 {Percentile(latencies, 0.50):0.0} ms, p99 {Percentile(latencies, 0.99):0.0} ms; " +
                          $"mean per request: create {StepTotals[0] / count:0.0} ms, attempt {StepTotals[1] / count:0.0} ms, poll {StepTotals[2] / count:0.0} ms");
        // CPU time, unlike wall time, does not grow when other work shares the cores: the figure to compare on a busy machine.
        Console.WriteLine($"server CPU per whole sign-in: {serverCpuMs * 1000 / Math.Max(1, count):N0} µs " +
                          $"({serverCpuMs / 1000:0.0} s of portal CPU over {elapsed.TotalSeconds:0.0} s, {serverCpuMs / elapsed.TotalMilliseconds:0.00} cores)");
    }

    private static async Task<(int Count, List<double> Latencies, TimeSpan Elapsed)> RunAsync(HttpClient http, string userId, int clients, TimeSpan duration)
    {
        var latencies = new List<double>();
        var watch = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, clients).Select(async _ =>
        {
            var mine = new List<double>();
            while (watch.Elapsed < duration)
            {
                var one = Stopwatch.StartNew();
                await SignInAsync(http, userId);
                mine.Add(one.Elapsed.TotalMilliseconds);
            }

            lock (latencies)
            {
                latencies.AddRange(mine);
            }
        });
        await Task.WhenAll(workers);
        return (latencies.Count, latencies, watch.Elapsed);
    }

    /// <summary>Milliseconds spent in each of the three requests, summed over the run.</summary>
    private static readonly double[] StepTotals = new double[3];

    private static void AddStep(int step, Stopwatch watch)
    {
        lock (StepTotals)
        {
            StepTotals[step] += watch.Elapsed.TotalMilliseconds;
        }

        watch.Restart();
    }

    private static async Task SignInAsync(HttpClient http, string userId)
    {
        var step = Stopwatch.StartNew();
        var created = await http.GetFromJsonAsync<JsonElement>("/v2.0/factors/qr/authenticate?profileId=default");
        AddStep(0, step);
        var id = created.GetProperty("id").GetString();
        var attempt = await http.PostAsJsonAsync($"/v2.0/factors/qr/{id}", new { lsi = created.GetProperty("lsi").GetString(), userId });
        if (attempt.StatusCode != HttpStatusCode.NoContent)
        {
            throw new InvalidOperationException($"attempt answered {(int)attempt.StatusCode}: {await attempt.Content.ReadAsStringAsync()}");
        }

        AddStep(1, step);
        var state = await http.GetFromJsonAsync<JsonElement>($"/v2.0/factors/qr/authenticate/{id}?dsi={created.GetProperty("dsi").GetString()}");
        AddStep(2, step);
        if (state.GetProperty("state").GetString() != "SUCCESS")
        {
            throw new InvalidOperationException($"the transaction is {state.GetProperty("state")}, not SUCCESS");
        }
    }

    private static async Task<string> DemoUserIdAsync(string database)
    {
        await using var connection = new SqliteConnection($"DataSource={database};Mode=ReadOnly");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT Id FROM AspNetUsers WHERE NormalizedEmail = 'DEMO@QRLOGIN.LOCAL'";
        return (string?)await command.ExecuteScalarAsync() ?? throw new InvalidOperationException("the demo user is missing");
    }

    private static async Task<string> TokenAsync(HttpClient http)
    {
        var response = await http.PostAsync("/v1.0/endpoint/default/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = ClientId,
            ["client_secret"] = ClientSecret,
        }));
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;
    }

    private static double Percentile(List<double> sorted, double p) => sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];
}
