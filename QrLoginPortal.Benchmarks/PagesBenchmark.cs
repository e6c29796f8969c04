using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;

namespace QrLoginPortal.Benchmarks;

/// <summary>
/// What waiting sign-in pages cost the server: Chromium opens N sign-in pages (each a circuit with a
/// pending code), and the portal (its own process) reports its managed heap after a full collection
/// at several page counts (the Development-only /_diagnostics/heap); the slope is the cost of one
/// page. Then its CPU time over a window in which nobody does anything, beside the same window with
/// no page open.
/// </summary>
public static class PagesBenchmark
{
    private const string ClientId = "pages-benchmark";
    private const string ClientSecret = "pages-benchmark-secret-0123456789";

    public static async Task RunAsync(int pages = 200, int idleSeconds = 30)
    {
        if (!File.Exists(BrowserBenchmark.ChromiumPath))
        {
            Console.WriteLine($"pages: skipped, no Chromium at {BrowserBenchmark.ChromiumPath} (apt-get install chromium, or set CHROMIUM_PATH)");
            return;
        }

        await using var portal = await PortalProcess.StartAsync(new Dictionary<string, string>
        {
            // Every page here comes from 127.0.0.1.
            ["Limits__CircuitsPerAddress"] = "100000",
            ["Api__Clients__0__ClientId"] = ClientId,
            ["Api__Clients__0__ClientSecret"] = ClientSecret,
            ["Api__Clients__0__Entitlements__0"] = "manageQrConfig",
            ["Api__Clients__0__Entitlements__1"] = "readAuthenticatorConfig",
        });
        using var http = new HttpClient { BaseAddress = new Uri(portal.BaseUrl) };
        // The longest expiry the settings allow, so no code runs out (and is renewed) while pages open and idle.
        await SetExpiryAsync(http, 600);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await BrowserBenchmark.LaunchAsync(playwright);
        var result = await MeasureAsync(browser, portal.BaseUrl, portal.Process, pages, idleSeconds);
        Report(result);
    }

    /// <summary>What the pages cost: heap readings at growing page counts, and the idle CPU windows.</summary>
    public sealed record Result(List<(int Pages, long Heap)> Readings, double HeapPerPage, int Open, int StillWaiting,
        int IdleSeconds, double IdleCpuWithPages, double IdleCpuWithout);

    /// <param name="portalProcess">The process that serves <paramref name="baseUrl"/>, whose CPU time is measured.</param>
    public static async Task<Result> MeasureAsync(IBrowser browser, string baseUrl, Process portalProcess, int pages, int idleSeconds)
    {
        using var http = new HttpClient { BaseAddress = new Uri(baseUrl) };
        await using var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = baseUrl });
        // The portal's start-up work (tiered JIT recompiling hot methods, the first sweeps and key checks) would
        // count as the baseline's idle CPU and make the pages look free or cheaper than free: let it end first.
        await Task.Delay(TimeSpan.FromSeconds(Math.Min(20, idleSeconds)));
        var idleBefore = await CpuPercentAsync(portalProcess, idleSeconds);
        var warm = Math.Min(10, Math.Max(1, pages / 2));
        var open = new List<IPage>();
        await OpenAsync(context, open, warm);
        var readings = new List<(int Pages, long Heap)> { (open.Count, await HeapAsync(http)) };
        var steps = Math.Max(1, (pages - warm) / 4);
        while (open.Count < pages)
        {
            await OpenAsync(context, open, Math.Min(steps, pages - open.Count));
            readings.Add((open.Count, await HeapAsync(http)));
        }

        var idleWith = await CpuPercentAsync(portalProcess, idleSeconds);
        // Still waiting after the idle window: nothing expired or broke while it was measured.
        var stillWaiting = 0;
        foreach (var page in open)
        {
            stillWaiting += await page.Locator(".qr-panel[data-state=waiting]").CountAsync();
        }

        return new Result(readings, Slope(readings), open.Count, stillWaiting, idleSeconds, idleWith, idleBefore);
    }

    private static void Report(Result result)
    {
        var (readings, perPage, open, stillWaiting, idleSeconds, idleWith, idleBefore) = result;
        Console.WriteLine($"pages: {open} waiting sign-in pages in Chromium, Release portal on loopback");
        foreach (var (count, heap) in readings)
        {
            Console.WriteLine($"  {count,5} pages: managed heap after full GC {heap / 1024.0 / 1024.0:0.00} MB");
        }

        Console.WriteLine($"managed heap per waiting page (least-squares slope, {readings[0].Pages}..{readings[^1].Pages} pages): {perPage / 1024.0:0.0} KB");
        // Each step's own figure: how far one step strays from the fit. A full collection still leaves pooled buffers and
        // caches that come and go with time rather than with pages, so one run's slope moves by several KB.
        var steps = readings.Zip(readings.Skip(1)).Where(step => step.Second.Pages > step.First.Pages)
            .Select(step => $"{step.First.Pages}..{step.Second.Pages}: {(step.Second.Heap - step.First.Heap) / (double)(step.Second.Pages - step.First.Pages) / 1024.0:0.0} KB");
        Console.WriteLine($"  per page between readings: {string.Join(", ", steps)}");
        Console.WriteLine($"portal CPU over {idleSeconds} s idle: {idleWith:0.00} % of one core with {open} pages open ({stillWaiting} still waiting), {idleBefore:0.00} % with none");
        Console.WriteLine($"  (scaled to 1,000 pages: {(idleWith - idleBefore) * 1000.0 / Math.Max(1, open) + idleBefore:0.00} % of one core)");
    }

    private static async Task OpenAsync(IBrowserContext context, List<IPage> open, int count)
    {
        // A few at a time: the machine has two cores.
        for (var done = 0; done < count;)
        {
            var batch = Math.Min(4, count - done);
            var opened = await Task.WhenAll(Enumerable.Range(0, batch).Select(async _ =>
            {
                var page = await context.NewPageAsync();
                await page.GotoAsync("/login");
                await page.Locator(".qr-panel[data-state=waiting]").WaitForAsync(new() { Timeout = 60_000 });
                return page;
            }));
            open.AddRange(opened);
            done += batch;
        }
    }

    private static async Task<long> HeapAsync(HttpClient http)
    {
        // Two readings, the smaller one: a collection can leave behind what the first one's finalizers freed.
        var first = await http.GetFromJsonAsync<JsonElement>("/_diagnostics/heap");
        var second = await http.GetFromJsonAsync<JsonElement>("/_diagnostics/heap");
        return Math.Min(first.GetProperty("heapBytes").GetInt64(), second.GetProperty("heapBytes").GetInt64());
    }

    private static async Task<double> CpuPercentAsync(Process process, int seconds)
    {
        process.Refresh();
        var before = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        process.Refresh();
        return (process.TotalProcessorTime - before).TotalMilliseconds / clock.Elapsed.TotalMilliseconds * 100;
    }

    private static double Slope(List<(int Pages, long Heap)> points)
    {
        if (points.Count < 2)
        {
            return double.NaN;
        }

        var meanX = points.Average(p => (double)p.Pages);
        var meanY = points.Average(p => (double)p.Heap);
        var numerator = points.Sum(p => (p.Pages - meanX) * (p.Heap - meanY));
        var denominator = points.Sum(p => (p.Pages - meanX) * (p.Pages - meanX));
        return numerator / denominator;
    }

    private static async Task SetExpiryAsync(HttpClient http, int seconds)
    {
        var token = await http.PostAsync("/v1.0/endpoint/default/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = ClientId,
            ["client_secret"] = ClientSecret,
        }));
        token.EnsureSuccessStatusCode();
        var accessToken = (await token.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/config/v2.0/factors/qr");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        var current = await http.SendAsync(request);
        current.EnsureSuccessStatusCode();
        var settings = JsonNode.Parse(await current.Content.ReadAsStringAsync())!.AsObject();
        settings["expiry"] = seconds;
        using var put = new HttpRequestMessage(HttpMethod.Put, "/config/v2.0/factors/qr") { Content = JsonContent.Create(settings) };
        put.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        var answer = await http.SendAsync(put);
        if (!answer.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"setting the expiry answered {(int)answer.StatusCode}: {await answer.Content.ReadAsStringAsync()}");
        }
    }
}
