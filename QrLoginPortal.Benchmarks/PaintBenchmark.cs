using System.Globalization;
using System.Text.Json;
using Microsoft.Playwright;

namespace QrLoginPortal.Benchmarks;

/// <summary>
/// The signed-in page alone, as the last steps of a QR sign-in meet it: a signed-in Chromium context opens
/// "/" N times (warm caches, as after the ticket redirect) and reports, from the navigation timing, the
/// server's response, response end → DOMContentLoaded and first contentful paint. Quicker to A/B than the
/// browser mode, which needs a phone approval per sample.
/// </summary>
public static class PaintBenchmark
{
    // Runs before the page's own scripts: notes when blazor.web.js has run (it defines window.Blazor).
    private const string BlazorProbe = """
        (() => {
          let value;
          Object.defineProperty(window, 'Blazor', { configurable: true, enumerable: true,
            get() { return value; },
            set(v) { if (window.__blazorDefinedAt === undefined) window.__blazorDefinedAt = performance.now(); value = v; } });
        })();
        """;

    public static async Task RunAsync(int count)
    {
        if (!File.Exists(BrowserBenchmark.ChromiumPath))
        {
            Console.WriteLine($"paint: skipped, no Chromium at {BrowserBenchmark.ChromiumPath}");
            return;
        }

        await using var portal = await PortalProcess.StartAsync();
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await BrowserBenchmark.LaunchAsync(playwright);
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = portal.BaseUrl, ViewportSize = new() { Width = 1280, Height = 900 } });
        await context.AddInitScriptAsync(BlazorProbe);
        await BrowserBenchmark.SignInWithPasswordAsync(context, PortalProcess.DemoEmail, PortalProcess.DemoPassword);
        var server = new List<double>();
        var scripts = new List<double>();
        var paint = new List<double>();
        var paintedFirst = 0;
        var metrics = new Dictionary<string, List<double>>();
        const int warmUp = 3;
        // One tab navigating to "/" again and again, as the ticket form's navigation does in the sign-in tab.
        var page = await context.NewPageAsync();
        var cdp = await context.NewCDPSessionAsync(page);
        await cdp.SendAsync("Performance.enable");
        // Which requests of a load reach the portal (each one passes its middleware, authentication included).
        var requests = new RequestCounter(portal.BaseUrl);
        await requests.AttachAsync(cdp);
        var cpuBefore = default(ProcessCpu.Sample);
        var previous = new Dictionary<string, double>();
        for (var i = 0; i < warmUp + count; i++)
        {
            if (i == warmUp)
            {
                cpuBefore = ProcessCpu.Read(portal.Process.Id);
                requests.Start();
            }

            await page.GotoAsync("/", new() { WaitUntil = WaitUntilState.Commit });
            var t = JsonDocument.Parse(await page.EvaluateAsync<string>(BrowserBenchmark.ReadSignedInTimings)).RootElement;
            var reply = await cdp.SendAsync("Performance.getMetrics");
            foreach (var metric in reply!.Value.GetProperty("metrics").EnumerateArray())
            {
                var name = metric.GetProperty("name").GetString()!;
                if (name is "ScriptDuration" or "RecalcStyleDuration" or "LayoutDuration" or "TaskDuration")
                {
                    // Cumulative per renderer: the difference from the last reading is this load's share.
                    var value = metric.GetProperty("value").GetDouble() * 1000;
                    var delta = value - previous.GetValueOrDefault(name);
                    previous[name] = value;
                    if (i >= warmUp && delta >= 0)
                    {
                        (metrics.TryGetValue(name, out var list) ? list : metrics[name] = []).Add(delta);
                    }
                }
            }

            if (i < warmUp)
            {
                continue;
            }

            double Get(string name) => t.GetProperty(name).GetDouble();
            server.Add(Get("responseStart") - Get("requestStart"));
            scripts.Add(Get("domContentLoaded") - Get("responseEnd"));
            paint.Add(Get("fcp") - Get("responseEnd"));
            paintedFirst += Get("blazor") < 0 || Get("fcp") < Get("blazor") ? 1 : 0;
        }

        var cpuAfter = ProcessCpu.Read(portal.Process.Id);
        Console.WriteLine($"paint: the signed-in page \"/\" opened {count} times in one signed-in Chromium context, ms:");
        Console.WriteLine($"{"step",-50} {"p50",7} {"p90",7}");
        Row("request start -> response start (server)", server);
        Row("response end -> DOMContentLoaded", scripts);
        Row("response end -> first contentful paint", paint);
        Console.WriteLine($"first contentful paint before blazor.web.js had run: {paintedFirst} of {count} loads");
        foreach (var (name, values) in metrics.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            Row($"main thread per load: {name}", values);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"CPU per load (circuit start included): portal {(cpuAfter.PortalMs - cpuBefore.PortalMs) / count:0.0} ms, Chromium {(cpuAfter.ChromiumMs - cpuBefore.ChromiumMs) / count:0.0} ms"));
        requests.Report(count);
        await page.CloseAsync();

        // The QR sign-in's form post lands in a document that often gets a renderer of its own (Chromium swaps the
        // browsing instance on a navigation), which has parsed no stylesheet yet: a new tab per load meets the
        // same cold renderer, with the HTTP cache as warm as after the sign-in page.
        var coldCpuBefore = ProcessCpu.Read(portal.Process.Id);
        var (coldScripts, coldPaint) = await NewTabLoadsAsync(context, "/", count);
        var coldCpuAfter = ProcessCpu.Read(portal.Process.Id);
        Row("new tab: response end -> DOMContentLoaded", coldScripts);
        Row("new tab: response end -> first contentful paint", coldPaint);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"CPU per load in a new tab: portal {(coldCpuAfter.PortalMs - coldCpuBefore.PortalMs) / count:0.0} ms, Chromium {(coldCpuAfter.ChromiumMs - coldCpuBefore.ChromiumMs) / count:0.0} ms"));

        // The floor: a page of one heading, no stylesheet and no script, answered by Chromium's own request interception
        // (the portal not asked): what a new document costs this machine's Chromium before any of the portal's page.
        await context.RouteAsync("**/paint-floor", route => route.FulfillAsync(new() { Status = 200, ContentType = "text/html; charset=utf-8", Body = FloorPage }));
        var floorTab = await context.NewPageAsync();
        var floorPaint = new List<double>();
        for (var i = 0; i < warmUp + count; i++)
        {
            await floorTab.GotoAsync("/paint-floor", new() { WaitUntil = WaitUntilState.Commit });
            var t = JsonDocument.Parse(await floorTab.EvaluateAsync<string>(BrowserBenchmark.ReadSignedInTimings)).RootElement;
            if (i >= warmUp)
            {
                floorPaint.Add(t.GetProperty("fcp").GetDouble() - t.GetProperty("responseEnd").GetDouble());
            }
        }

        await floorTab.CloseAsync();
        Row("floor, one heading, same tab: response end -> FCP", floorPaint);
        Row("floor, one heading, new tab: response end -> FCP", (await NewTabLoadsAsync(context, "/paint-floor", count)).Paint);
    }

    private const string FloorPage = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Signed in</title></head>" +
                                     "<body><h1 elementtiming=\"signed-in\">Hello, you are signed in</h1></body></html>";

    // Each load of path in a tab of its own: response end -> DOMContentLoaded and -> first contentful paint.
    private static async Task<(List<double> Scripts, List<double> Paint)> NewTabLoadsAsync(IBrowserContext context, string path, int count)
    {
        var scripts = new List<double>();
        var paint = new List<double>();
        for (var i = 0; i < count; i++)
        {
            var tab = await context.NewPageAsync();
            await tab.GotoAsync(path, new() { WaitUntil = WaitUntilState.Commit });
            var t = JsonDocument.Parse(await tab.EvaluateAsync<string>(BrowserBenchmark.ReadSignedInTimings)).RootElement;
            scripts.Add(t.GetProperty("domContentLoaded").GetDouble() - t.GetProperty("responseEnd").GetDouble());
            paint.Add(t.GetProperty("fcp").GetDouble() - t.GetProperty("responseEnd").GetDouble());
            await tab.CloseAsync();
        }

        return (scripts, paint);
    }

    private static void Row(string name, List<double> values)
    {
        var sorted = values.Order().ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-50} {BrowserBenchmark.Percentile(sorted, 0.5),7:0.0} {BrowserBenchmark.Percentile(sorted, 0.9),7:0.0}"));
    }

    /// <summary>
    /// Counts, from Chromium's network events, the requests that reached the portal (not served from the browser's
    /// cache) by path, WebSockets included.
    /// </summary>
    private sealed class RequestCounter(string baseUrl)
    {
        private readonly Dictionary<string, string> _pending = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> _byPath = new(StringComparer.Ordinal);
        private readonly Lock _lock = new();
        private bool _counting;

        public async Task AttachAsync(ICDPSession cdp)
        {
            cdp.Event("Network.requestWillBeSent").OnEvent += (_, e) => Note(e, sent: true);
            cdp.Event("Network.requestServedFromCache").OnEvent += (_, e) => Note(e, sent: false);
            cdp.Event("Network.webSocketCreated").OnEvent += (_, e) => Note(e, sent: true);
            await cdp.SendAsync("Network.enable");
        }

        public void Start()
        {
            lock (_lock)
            {
                _pending.Clear();
                _byPath.Clear();
                _counting = true;
            }
        }

        private void Note(JsonElement? e, bool sent)
        {
            if (e is not { } ev || !ev.TryGetProperty("requestId", out var idElement))
            {
                return;
            }

            var id = idElement.GetString()!;
            lock (_lock)
            {
                if (!_counting)
                {
                    return;
                }

                if (!sent)
                {
                    // Counted when sent; a cached answer never reached the portal.
                    if (_pending.Remove(id, out var cachedPath))
                    {
                        _byPath[cachedPath]--;
                    }

                    return;
                }

                var url = ev.TryGetProperty("request", out var request) ? request.GetProperty("url").GetString()! : ev.GetProperty("url").GetString()!;
                var httpUrl = url.StartsWith("ws", StringComparison.Ordinal) ? "http" + url[2..] : url;
                if (!httpUrl.StartsWith(baseUrl, StringComparison.Ordinal))
                {
                    return;
                }

                var path = new Uri(httpUrl).AbsolutePath + (url.StartsWith("ws", StringComparison.Ordinal) ? " (WebSocket)" : "");
                _pending[id] = path;
                _byPath[path] = _byPath.GetValueOrDefault(path) + 1;
            }
        }

        public void Report(int loads)
        {
            lock (_lock)
            {
                _counting = false;
                var total = _byPath.Values.Sum();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"requests per load that reach the portal: {(double)total / loads:0.0}"));
                foreach (var (path, n) in _byPath.Where(p => p.Value > 0).OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal))
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {(double)n / loads,5:0.0} {path}"));
                }
            }
        }
    }
}
