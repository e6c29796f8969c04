using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace QrLoginPortal.Benchmarks;

/// <summary>
/// The moment that matters, as a person meets it: a signed-in phone page taps Approve and a desktop
/// page of the same Chromium turns into the signed-in page. Every time comes from that one browser's
/// clock (performance.timeOrigin + now): the phone's click, a MutationObserver on the desktop panel's
/// data-state, the old document's beforeunload, and the new document's navigation and paint timing.
/// The portal runs as its own process (PortalProcess), the Release build when run with -c Release.
/// </summary>
public static partial class BrowserBenchmark
{
    /// <summary>The mean wait of a page that polls every 3 s, as the seeds advise (half the interval).</summary>
    public const double PollingMeanMs = 1_500;

    public static string ChromiumPath => Environment.GetEnvironmentVariable("CHROMIUM_PATH") ?? "/usr/bin/chromium";

    public static readonly string[] ChromiumArgs =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
    ];

    // Runs in every desktop document before its own scripts. sessionStorage survives the form post's
    // navigation in the same tab, so the signed-in document can hand back what the login document saw.
    private const string DesktopProbe = """
        (() => {
          const now = () => performance.timeOrigin + performance.now();
          const mark = (name) => {
            const marks = JSON.parse(sessionStorage.getItem('qrbench') || '{}');
            if (!(name in marks)) { marks[name] = now(); sessionStorage.setItem('qrbench', JSON.stringify(marks)); }
          };
          if (location.pathname.startsWith('/login')) {
            new MutationObserver(() => {
              const panel = document.querySelector('.qr-panel');
              if (panel && panel.getAttribute('data-state') === 'approved') mark('approved');
            }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'] });
            // The ticket form is submitted by script (form.submit() fires no submit event): the old
            // document's beforeunload is when the navigation to POST /qr/signin starts.
            addEventListener('beforeunload', () => mark('leave'));
          }
        })();
        """;

    // Server split (issue 16, approvepush): in the login document, when the desktop's circuit last received a WebSocket
    // message before its panel turned "approved" (the render batch that did it: Blazor applies a batch in the task that
    // received it). Splits the push into the portal and the network, and the desktop browser applying it.
    private const string PushProbe = """
        (() => {
          if (!location.pathname.startsWith('/login')) return;
          const Native = window.WebSocket;
          window.WebSocket = class extends Native {
            constructor(...args) { super(...args); this.addEventListener('message', () => { window.__qrbenchPushAt = performance.timeOrigin + performance.now(); }); }
          };
          new MutationObserver(() => {
            const panel = document.querySelector('.qr-panel');
            const marks = JSON.parse(sessionStorage.getItem('qrbench') || '{}');
            if (panel && panel.getAttribute('data-state') === 'approved' && !('push' in marks) && window.__qrbenchPushAt) {
              marks.push = window.__qrbenchPushAt;
              sessionStorage.setItem('qrbench', JSON.stringify(marks));
            }
          }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'] });
        })();
        """;

    private const string PhoneProbe = """
        addEventListener('click', (e) => {
          if (e.target.closest && e.target.closest('button') && /Approve/.test(e.target.closest('button').textContent)) {
            sessionStorage.setItem('qrbench-click', String(performance.timeOrigin + performance.now()));
          }
        }, true);
        """;

    // In the signed-in document: waits for its first contentful paint, then returns every figure (also read by
    // PaintBenchmark, whose probe sets __blazorDefinedAt).
    internal const string ReadSignedInTimings = """
        async () => {
          // When the signed-in heading (Home's elementtiming="signed-in") was painted, on the browser's clock: valid whether
          // the page came as a new document or was put into the sign-in page's document in place (no new-document paint
          // timing then). -1 when the page has no such heading.
          const signedInHeading = new Promise((resolve) => {
            new PerformanceObserver((list, observer) => {
              const entry = list.getEntries().find((e) => e.identifier === 'signed-in');
              if (entry) { observer.disconnect(); resolve(performance.timeOrigin + (entry.renderTime || entry.loadTime)); }
            }).observe({ type: 'element', buffered: true });
            setTimeout(() => resolve(-1), 10000);
          });
          const fcp = await new Promise((resolve) => {
            const found = performance.getEntriesByName('first-contentful-paint');
            if (found.length) { resolve(found[0].startTime); return; }
            new PerformanceObserver((list, observer) => {
              const entry = list.getEntriesByName('first-contentful-paint')[0];
              if (entry) { observer.disconnect(); resolve(entry.startTime); }
            }).observe({ type: 'paint', buffered: true });
          });
          const nav = performance.getEntriesByType('navigation')[0];
          return JSON.stringify({
            marks: JSON.parse(sessionStorage.getItem('qrbench') || '{}'),
            origin: performance.timeOrigin, fcp, blazor: window.__blazorDefinedAt ?? -1,
            redirectStart: nav.redirectStart, redirectEnd: nav.redirectEnd, fetchStart: nav.fetchStart,
            requestStart: nav.requestStart, responseStart: nav.responseStart, responseEnd: nav.responseEnd,
            domContentLoaded: nav.domContentLoadedEventEnd, redirectCount: nav.redirectCount,
            heading: await signedInHeading, inPlace: new URL(nav.name).pathname.startsWith('/login'),
          });
        }
        """;

    // In the phone's answer to its Approve: when its request went out and its answer came back. The approval page
    // sends the form with fetch and stays (ApproveSignIn.razor.js): that fetch's resource timing; a plain post (no
    // script, or a build before it) is a navigation to the answer: its navigation timing.
    private const string ReadPhoneTimings = """
        () => {
          const sent = performance.getEntriesByType('resource')
            .filter((e) => e.initiatorType === 'fetch' && new URL(e.name).pathname.startsWith('/qr/')).at(-1);
          if (sent) {
            return JSON.stringify({ requestStart: performance.timeOrigin + sent.requestStart, responseStart: performance.timeOrigin + sent.responseStart, inPlace: true });
          }
          const nav = performance.getEntriesByType('navigation')[0];
          return JSON.stringify({ requestStart: performance.timeOrigin + nav.requestStart, responseStart: performance.timeOrigin + nav.responseStart, inPlace: false });
        }
        """;

    // The approval page's scripts load after its first paint; a person takes longer than that to tap. Waits for them, and
    // for the page to say it answers in place when it has that script (a build before it has none: nothing to wait for).
    private const string PhoneScriptsReady = """
        () => !document.querySelector('script[type="text/x-after-paint"]')
          && (document.documentElement.dataset.approvesInPlace !== undefined || !document.querySelector('script[src*="ApproveSignIn"]'))
        """;

    public static async Task RunAsync(int count = 30, int warmUp = 3)
    {
        if (!File.Exists(ChromiumPath))
        {
            Console.WriteLine($"browser: skipped, no Chromium at {ChromiumPath} (apt-get install chromium, or set CHROMIUM_PATH)");
            return;
        }

        await using var portal = await PortalProcess.StartAsync();
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        var samples = await MeasureAsync(browser, portal.BaseUrl, count, warmUp, portal.Process.Id);
        Report(samples);
    }

    public static Task<IBrowser> LaunchAsync(IPlaywright playwright) =>
        playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = ChromiumPath, Headless = true, Args = ChromiumArgs });

    /// <summary>One row per sign-in, in milliseconds; the warm-up sign-ins are not returned.</summary>
    /// <param name="portalPid">The portal's process, for its CPU time per sign-in (none measured when 0).</param>
    public static async Task<List<Steps>> MeasureAsync(IBrowser browser, string baseUrl, int count, int warmUp, int portalPid = 0)
    {
        var phoneContext = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = baseUrl, ViewportSize = new() { Width = 412, Height = 915 }, IsMobile = true, HasTouch = true });
        await phoneContext.AddInitScriptAsync(PhoneProbe);
        await SignInWithPasswordAsync(phoneContext, PortalProcess.DemoEmail, PortalProcess.DemoPassword);
        var phone = await phoneContext.NewPageAsync();
        var samples = new List<Steps>();
        for (var i = 0; i < warmUp + count; i++)
        {
            await using var desktopContext = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = baseUrl, ViewportSize = new() { Width = 1280, Height = 900 } });
            await desktopContext.AddInitScriptAsync(DesktopProbe);
            await desktopContext.AddInitScriptAsync(PushProbe);
            var desktop = await desktopContext.NewPageAsync();
            // The redemption POST's own timing from Chromium's network stack (its redirect's answer).
            var redemption = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
            var desktopCdp = await desktopContext.NewCDPSessionAsync(desktop);
            desktopCdp.Event("Network.requestWillBeSent").OnEvent += (_, e) =>
            {
                if (e is { } ev && ev.TryGetProperty("redirectResponse", out var redirect)
                    && redirect.GetProperty("url").GetString()!.EndsWith("/qr/signin", StringComparison.Ordinal)
                    && redirect.TryGetProperty("timing", out var timing))
                {
                    redemption.TrySetResult(timing.Clone());
                }
            };
            await desktopCdp.SendAsync("Network.enable");
            await desktop.GotoAsync("/login");
            var link = desktop.Locator("a.qr-link");
            await link.WaitForAsync();
            var approvalUrl = await link.GetAttributeAsync("href") ?? throw new InvalidOperationException("the panel shows no approval link");

            await phone.GotoAsync(approvalUrl);
            await phone.GetByText("Sign in on another browser?").WaitForAsync();
            // The push of the scan reached the desktop: its circuit is up and listening.
            await desktop.Locator(".qr-panel[data-state=scanned]").WaitForAsync();
            await phone.WaitForFunctionAsync(PhoneScriptsReady);
            var cpuBefore = portalPid == 0 ? default : ProcessCpu.Read(portalPid);
            // Watched before the click: a wait started after it can miss a navigation that commits while it starts.
            var signedIn = desktop.WaitForURLAsync(baseUrl + "/", new() { WaitUntil = WaitUntilState.Commit });
            await phone.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();

            await signedIn;
            var json = await desktop.EvaluateAsync<string>(ReadSignedInTimings);
            await phone.GetByText("Approved").First.WaitForAsync();
            var clickText = await phone.EvaluateAsync<string?>("() => sessionStorage.getItem('qrbench-click')")
                            ?? throw new InvalidOperationException("the phone recorded no Approve click");
            var phoneJson = await phone.EvaluateAsync<string>(ReadPhoneTimings);
            var portalCpu = portalPid == 0 ? double.NaN : ProcessCpu.Read(portalPid).PortalMs - cpuBefore.PortalMs;
            var post = await redemption.Task.WaitAsync(TimeSpan.FromSeconds(30));
            if (i >= warmUp)
            {
                samples.Add((Steps.From(double.Parse(clickText, CultureInfo.InvariantCulture), JsonDocument.Parse(json).RootElement,
                    JsonDocument.Parse(phoneJson).RootElement) with
                {
                    PortalCpuMs = portalCpu,
                    // Offsets from the request's start: until it is sent (connection, queue), and sent -> the redirect's headers.
                    RedeemUntilSent = post.GetProperty("sendEnd").GetDouble(),
                    RedeemServer = post.GetProperty("receiveHeadersEnd").GetDouble() - post.GetProperty("sendEnd").GetDouble(),
                }).WithPush(JsonDocument.Parse(json).RootElement, JsonDocument.Parse(phoneJson).RootElement));
            }
        }

        await phoneContext.DisposeAsync();
        return samples;
    }

    private static void Report(List<Steps> samples)
    {
        Console.WriteLine($"browser: {samples.Count} QR sign-ins, Release portal on loopback, Chromium (all times from the browser's clock), ms:");
        Console.WriteLine($"{"step",-62} {"p50",7} {"p90",7} {"p99",7}");
        Row("Approve click -> desktop panel shows \"approved\"", samples.Select(s => s.ClickToApproved));
        Row("  click -> the phone's Approve request sent", samples.Select(s => s.ClickToPhoneRequest));
        Row("  phone's request sent -> its answer starts (server)", samples.Select(s => s.PhoneServer));
        Row("  phone's request sent -> desktop shows \"approved\"", samples.Select(s => s.PhoneRequestToApproved));
        Row("  desktop shows \"approved\" -> phone's answer starts", samples.Select(s => s.ApprovedToPhoneAnswer));
        // Server split: the push, from the phone's request to the desktop's WebSocket, and the desktop applying it.
        Row("  phone's request sent -> desktop receives the push (portal)", samples.Select(s => s.PhoneRequestToPush));
        Row("  desktop receives the push -> shows \"approved\" (browser)", samples.Select(s => s.PushToApproved));
        Row("\"approved\" -> the ticket form's navigation starts", samples.Select(s => s.ApprovedToNavigation));
        Row("POST /qr/signin -> its redirect answered", samples.Select(s => s.RedeemRequest));
        Row("  POST started -> sent (Chromium: connection, queue)", samples.Select(s => s.RedeemUntilSent));
        Row("  POST sent -> its redirect's headers (portal)", samples.Select(s => s.RedeemServer));
        Row("redirect -> signed-in page's response starts", samples.Select(s => s.RedirectToResponse));
        Row("response start -> response end", samples.Select(s => s.ResponseBody));
        Row("response end -> DOMContentLoaded (scripts)", samples.Select(s => s.ResponseEndToDomContentLoaded));
        Row("navigation start -> first contentful paint", samples.Select(s => s.NavigationToPaint));
        Row("Approve click -> signed-in page first contentful paint", samples.Select(s => s.ClickToPaint));
        Row("Approve click -> signed-in heading painted (Element Timing)", samples.Select(s => s.ClickToHeadingPainted));
        // /proc counts in 10 ms ticks: only the mean over many sign-ins means anything.
        Console.WriteLine($"portal CPU per sign-in (Approve click -> signed-in page and phone answer), mean: {samples.Average(s => s.PortalCpuMs):0.0} ms");
        Console.WriteLine($"phone's Approve sent in place (fetch, the page stays): {samples.Count(s => s.PhoneInPlace)} of {samples.Count}");
        // In place, the lines of the new document's navigation and paint timing describe the sign-in page's document instead.
        Console.WriteLine($"signed-in page put into the sign-in page's document in place: {samples.Count(s => s.SignedInInPlace)} of {samples.Count} (the others: a full navigation); signed-in heading painted seen in {samples.Count(s => !double.IsNaN(s.ClickToHeadingPainted))} of {samples.Count}");
        var panel = Median(samples.Select(s => s.ClickToApproved));
        Console.WriteLine($"push versus polling every 3 s (mean wait {PollingMeanMs:0} ms): {PollingMeanMs / panel:0}x faster at p50");
    }

    private static void Row(string name, IEnumerable<double> values)
    {
        var sorted = values.Where(v => !double.IsNaN(v)).Order().ToList();
        Console.WriteLine($"{name,-62} {Percentile(sorted, 0.50),7:0.0} {Percentile(sorted, 0.90),7:0.0} {Percentile(sorted, 0.99),7:0.0}");
    }

    private static double Median(IEnumerable<double> values) => Percentile(values.Order().ToList(), 0.5);

    public static double Percentile(List<double> sorted, double p) => sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];

    /// <summary>Signs a context in with the password form over its request API, so its cookies land in the context.</summary>
    public static async Task SignInWithPasswordAsync(IBrowserContext context, string email, string password)
    {
        var request = context.APIRequest;
        var loginPage = await request.GetAsync("/login");
        var token = AntiforgeryToken().Match(await loginPage.TextAsync());
        if (!token.Success)
        {
            throw new InvalidOperationException("the sign-in page has no antiforgery token");
        }

        var form = request.CreateFormData();
        form.Set("_handler", "login");
        form.Set("__RequestVerificationToken", WebUtility.HtmlDecode(token.Groups[1].Value));
        form.Set("Input.Email", email);
        form.Set("Input.Password", password);
        var response = await request.PostAsync("/login", new APIRequestContextOptions { Form = form, MaxRedirects = 0 });
        if (response.Status != 302)
        {
            throw new InvalidOperationException($"the password sign-in answered {response.Status}");
        }
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();

    /// <summary>One sign-in, step by step, in milliseconds.</summary>
    public sealed record Steps(double ClickToApproved, double ApprovedToNavigation, double RedeemRequest, double RedirectToResponse,
        double ResponseBody, double ResponseEndToDomContentLoaded, double NavigationToPaint, double ClickToPaint,
        double ClickToPhoneRequest, double PhoneServer, double PhoneRequestToApproved, double ApprovedToPhoneAnswer)
    {
        /// <summary>The portal's CPU time over this sign-in (10 ms ticks); NaN when not measured.</summary>
        public double PortalCpuMs { get; init; } = double.NaN;

        /// <summary>Approve click → the signed-in heading painted (Element Timing), by either path; NaN without the heading.</summary>
        public double ClickToHeadingPainted { get; init; } = double.NaN;

        /// <summary>The signed-in page was put into the sign-in page's document (no new document); false for a full navigation.</summary>
        public bool SignedInInPlace { get; init; }

        /// <summary>The phone sent its Approve with fetch and kept its page; false for a plain form post (a navigation).</summary>
        public bool PhoneInPlace { get; init; }

        /// <summary>The phone's request sent until the desktop's circuit received the batch that showed "approved" (portal and loopback).</summary>
        public double PhoneRequestToPush { get; init; } = double.NaN;

        /// <summary>That batch received until the desktop's panel showed "approved" (the desktop's browser applying it).</summary>
        public double PushToApproved { get; init; } = double.NaN;

        /// <summary>With the push split from the desktop's marks and the phone's timings (NaN when the push was not seen).</summary>
        public Steps WithPush(JsonElement desktop, JsonElement phone)
        {
            var marks = desktop.GetProperty("marks");
            if (!marks.TryGetProperty("push", out var push) || !marks.TryGetProperty("approved", out var approved))
            {
                return this;
            }

            return this with
            {
                PhoneRequestToPush = push.GetDouble() - phone.GetProperty("requestStart").GetDouble(),
                PushToApproved = approved.GetDouble() - push.GetDouble(),
            };
        }

        /// <summary>The redemption POST from its start until Chromium had sent it (connection, queueing).</summary>
        public double RedeemUntilSent { get; init; } = double.NaN;

        /// <summary>The redemption POST from sent until its redirect's headers arrived: the portal's time, on loopback.</summary>
        public double RedeemServer { get; init; } = double.NaN;

        public static Steps From(double clickAt, JsonElement t, JsonElement phone)
        {
            var marks = t.GetProperty("marks");
            double Get(string name) => t.GetProperty(name).GetDouble();
            var origin = Get("origin");
            var approvedAt = marks.TryGetProperty("approved", out var a) ? a.GetDouble() : double.NaN;
            // Chromium exposes same-origin redirect timing; without it the POST is counted from navigation start.
            var redirectStart = Get("redirectStart") > 0 ? Get("redirectStart") : 0;
            var redirectEnd = Get("redirectEnd") > 0 ? Get("redirectEnd") : Get("fetchStart");
            var phoneRequest = phone.GetProperty("requestStart").GetDouble();
            var phoneResponse = phone.GetProperty("responseStart").GetDouble();
            var inPlace = t.TryGetProperty("inPlace", out var signedInInPlace) && signedInInPlace.GetBoolean();
            // In place there is no new document: its navigation and paint timing would be the sign-in page's (left out).
            double NewDocument(double value) => inPlace ? double.NaN : value;
            return new Steps(
                ClickToApproved: approvedAt - clickAt,
                ApprovedToNavigation: NewDocument(origin - approvedAt),
                RedeemRequest: NewDocument(redirectEnd - redirectStart),
                RedirectToResponse: NewDocument(Get("responseStart") - redirectEnd),
                ResponseBody: NewDocument(Get("responseEnd") - Get("responseStart")),
                ResponseEndToDomContentLoaded: NewDocument(Get("domContentLoaded") - Get("responseEnd")),
                NavigationToPaint: NewDocument(Get("fcp")),
                ClickToPaint: NewDocument(origin + Get("fcp") - clickAt),
                ClickToPhoneRequest: phoneRequest - clickAt,
                PhoneServer: phoneResponse - phoneRequest,
                PhoneRequestToApproved: approvedAt - phoneRequest,
                ApprovedToPhoneAnswer: phoneResponse - approvedAt)
            {
                PhoneInPlace = phone.TryGetProperty("inPlace", out var phoneInPlace) && phoneInPlace.GetBoolean(),
                ClickToHeadingPainted = t.TryGetProperty("heading", out var heading) && heading.GetDouble() > 0 ? heading.GetDouble() - clickAt : double.NaN,
                SignedInInPlace = inPlace,
            };
        }
    }
}
