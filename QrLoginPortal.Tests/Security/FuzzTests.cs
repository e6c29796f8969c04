using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using QrLoginPortal.Tests.Infrastructure;
using Xunit.Sdk;

namespace QrLoginPortal.Tests.Security;

/// <summary>
/// Malformed bodies, query strings, headers and form keys against every endpoint the app maps
/// (read from its EndpointDataSource, so a new endpoint is covered without touching this test):
/// no answer may be a 5xx, and the portal must still sign people in afterwards. The inputs come
/// from a fixed seed, so a failure repeats.
/// </summary>
public sealed class FuzzTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    private const int Seed = 20261124;
    private const int RequestsPerEndpoint = 24;

    [Fact]
    public async Task MalformedInput_OnEveryEndpoint_NeverAnswers5xx_AndThePortalStaysUp()
    {
        var endpoints = Endpoints();
        Assert.Contains(endpoints, e => e.Pattern == "/v1.0/endpoint/default/token");
        Assert.Contains(endpoints, e => e.Pattern == "/login");
        Assert.Contains(endpoints, e => e.Pattern.StartsWith("/qr/", StringComparison.Ordinal));

        using var anonymous = portal.CreateClient(new() { AllowAutoRedirect = false });
        using var bearer = await portal.CreateApiClientAsync();
        using var signedIn = portal.CreateBrowser();
        await signedIn.SignInWithPasswordAsync(PortalFactory.DemoEmail, PortalFactory.DemoPassword);
        HttpClient[] callers = [anonymous, bearer, signedIn.Http];

        var random = new Random(Seed);
        var requests = new List<(string Label, Func<HttpRequestMessage> Make, HttpClient Caller)>();
        foreach (var endpoint in endpoints)
        {
            foreach (var method in endpoint.Methods)
            {
                for (var i = 0; i < RequestsPerEndpoint; i++)
                {
                    var caseNumber = random.Next(Cases.Length);
                    var path = endpoint.Concrete(random);
                    var caller = callers[random.Next(callers.Length)];
                    var seed = random.Next();
                    requests.Add(($"{method} {path} case {caseNumber} seed {seed}",
                        () => Cases[caseNumber](new HttpRequestMessage(new HttpMethod(method), path), new Random(seed)), caller));
                }
            }
        }

        Assert.InRange(requests.Count, 1000, 20_000);
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Parallel.ForEachAsync(requests, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (request, ct) =>
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(20));
            try
            {
                using var response = await request.Caller.SendAsync(request.Make(), timeout.Token);
                if ((int)response.StatusCode >= 500)
                {
                    failures.Add($"{(int)response.StatusCode} for {request.Label}");
                }
            }
            catch (OperationCanceledException)
            {
                failures.Add($"no answer within 20 s, for {request.Label}");
            }
            catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException)
            {
                // The in-memory server surfaces an exception the app let escape as a thrown exception.
                failures.Add($"{ex.GetType().Name} ({ex.Message}) for {request.Label}");
            }
        });

        // Grouped by endpoint, each with one case to replay, so a long list stays readable.
        Assert.True(failures.IsEmpty, $"{failures.Count} of {requests.Count} requests failed:\n" + string.Join("\n", failures
            .GroupBy(f => f[..f.IndexOf(" case ", StringComparison.Ordinal)])
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"{g.Count()} × {g.Min()}")));

        // Still alive: pages, the token endpoint and a whole QR sign-in work.
        using var browser = portal.CreateBrowser();
        Assert.Contains("QR", await browser.GetPageAsync("/login"));
        using var api = await portal.CreateApiClientAsync();
        var engine = portal.Services.GetRequiredService<QrLoginPortal.QrLogin.QrLoginService>();
        var created = await engine.CreateAsync(new QrLoginPortal.QrLogin.QrRequester("203.0.113.9", "fuzz",
            QrLoginPortal.QrLogin.Secrets.Hash(browser.Cookie(QrLoginPortal.SignIn.BrowserBinding.CookieName)!)));
        // Someone else than the fuzzing demo user, whose failed guesses above are rightly throttled.
        var userId = await portal.CreateUserAsync("still-alive@test.local");
        Assert.Equal(QrLoginPortal.QrLogin.AttemptResult.Approved, await engine.ApproveAsync(created.Lsi, userId, false, null, null));
        var ticket = await portal.Services.GetRequiredService<QrLoginPortal.QrLogin.QrTicketService>().IssueTicketAsync(created.Id, created.Dsi);
        var redeemed = await browser.Http.PostAsync("/qr/signin", new FormUrlEncodedContent(new Dictionary<string, string> { ["ticket"] = ticket! }));
        Assert.Equal(HttpStatusCode.Redirect, redeemed.StatusCode);
        Assert.Contains("still-alive@test.local", await browser.GetPageAsync("/account"));
    }

    private sealed record Endpoint(string Pattern, RoutePattern Route, string[] Methods)
    {
        public string Concrete(Random random)
        {
            var path = new StringBuilder();
            foreach (var segment in Route.PathSegments)
            {
                path.Append('/');
                foreach (var part in segment.Parts)
                {
                    path.Append(part switch
                    {
                        RoutePatternLiteralPart literal => literal.Content,
                        RoutePatternParameterPart parameter => ParameterValue(parameter, random),
                        RoutePatternSeparatorPart separator => separator.Content,
                        _ => "",
                    });
                }
            }

            return path.Length == 0 ? "/" : path.ToString();
        }

        private static string ParameterValue(RoutePatternParameterPart parameter, Random random) =>
            random.Next(4) switch
            {
                0 when parameter.ParameterPolicies.Any(p => p.Content == "guid") => Guid.NewGuid().ToString(),
                0 => "ABCDEFGHJKMNP",
                // A NUL in the path Kestrel refuses with 400 before the app (the in-memory server throws on it instead): the next byte up.
                1 => Uri.EscapeDataString(Hostile(random).Replace('\0', '\u0001')),
                2 => "%01",
                _ => new string('Z', random.Next(1, 3000)),
            };
    }

    /// <summary>Every route endpoint of the app with the methods it answers (pages answer GET and POST).</summary>
    private List<Endpoint> Endpoints()
    {
        var source = portal.Services.GetRequiredService<EndpointDataSource>();
        return source.Endpoints.OfType<RouteEndpoint>()
            // Static files are answered by the static-asset handler, not by the portal's code.
            .Where(e => !(e.RoutePattern.RawText ?? "").Contains('.') || (e.RoutePattern.RawText ?? "").StartsWith("/.well-known", StringComparison.Ordinal)
                        || (e.RoutePattern.RawText ?? "").StartsWith(".well-known", StringComparison.Ordinal)
                        || (e.RoutePattern.RawText ?? "").Contains("v1.0") || (e.RoutePattern.RawText ?? "").Contains("v2.0"))
            .Where(e => !(e.RoutePattern.RawText ?? "").StartsWith("/_framework", StringComparison.Ordinal))
            .GroupBy(e => "/" + (e.RoutePattern.RawText ?? "").TrimStart('/'))
            .Select(g => new Endpoint(g.Key, g.First().RoutePattern,
                g.SelectMany(e => e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET", "POST"]).Distinct().Order().ToArray()))
            .OrderBy(e => e.Pattern, StringComparer.Ordinal)
            .ToList();
    }

    private static readonly string[] HostileStrings =
    [
        "\0", "%00", "\u3000", "/\u3000/x", "//evil.example", "https://evil.example", "/\\evil.example", "javascript:alert(1)",
        "\r\nX-Injected: 1", "../../etc/passwd", "'\"<script>", "\uFFFF", "\uD800", "{{7*7}}", "${jndi:x}", "-1", "99999999999999999999",
        "name = \"", "lsi", "",
    ];

    private static string Hostile(Random random) => HostileStrings[random.Next(HostileStrings.Length)];

    private static string Query(Random random) => random.Next(8) switch
    {
        0 => "?" + new string('q', 3000) + "=1",
        1 => "?ReturnUrl=" + Uri.EscapeDataString(Hostile(random)) + "&returnUrl=%E3%80%80",
        2 => "?%00=%00&dsi=%00&wait=%00",
        3 => "?wait=-5&dsi=" + new string('d', 5000),
        4 => "?profileId=" + Uri.EscapeDataString(Hostile(random)) + "&search=" + Uri.EscapeDataString("name = \"" + Hostile(random)),
        5 => "?%C3%28=%FF%FE&returnJwt=%FF",
        6 => "?wait=0&dsi=abc&id=" + Uri.EscapeDataString(Hostile(random)),
        _ => "?" + string.Join("&", Enumerable.Range(0, 200).Select(i => $"k{i}=v")),
    };

    private static HttpContent Raw(byte[] bytes, string contentType)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        return content;
    }

    private static HttpContent Raw(string text, string contentType) => Raw(Encoding.UTF8.GetBytes(text), contentType);

    private const string Form = "application/x-www-form-urlencoded";
    private const string Json = "application/json";

    private static HttpRequestMessage WithQuery(HttpRequestMessage request, Random random)
    {
        request.RequestUri = new Uri(request.RequestUri!.OriginalString + Query(random), UriKind.Relative);
        return request;
    }

    private static readonly Func<HttpRequestMessage, Random, HttpRequestMessage>[] Cases =
    [
        // Forms: huge keys and values, NUL, invalid UTF-8 and percent-encoding, no boundary.
        (r, _) => { r.Content = Raw(new string('k', 2049) + "=1", Form); return r; },
        (r, _) => { r.Content = Raw("client_id=" + new string('v', 70 * 1024), Form); return r; },
        (r, _) => { r.Content = Raw("a=%00&%00=b&ticket=%00&returnUrl=%00", Form); return r; },
        (r, _) => { r.Content = Raw([0x61, 0x3D, 0xC3, 0x28, 0xFF, 0xFE, 0x26, 0xED, 0xA0, 0x80, 0x3D, 0x31], Form); return r; },
        (r, _) => { r.Content = Raw("a=%zz%&%=%%&=&&&token=%E3%80", Form); return r; },
        (r, _) => { r.Content = Raw("--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n", "multipart/form-data"); return r; },
        (r, _) => { r.Content = Raw("--x\r\nContent-Disposition: form-data; name=\"" + new string('n', 3000) + "\"\r\n\r\n1\r\n--x--\r\n", "multipart/form-data; boundary=x"); return r; },
        (r, rnd) => { r.Content = Raw("returnUrl=" + Uri.EscapeDataString(Hostile(rnd)) + "&ReturnUrl=%E3%80%80&token=x&ticket=y&provider=" + Uri.EscapeDataString(Hostile(rnd)), Form); return r; },
        (r, _) => { r.Content = Raw(string.Join("&", Enumerable.Range(0, 1100).Select(i => $"k{i}=v")), Form); return r; },
        (r, _) => { r.Content = Raw("grant_type=client_credentials&client_id=%00&client_secret=" + new string('s', 5000), Form); return r; },
        // JSON: deep, wrong types, invalid UTF-8, truncated, huge, wrong content types.
        (r, _) => { r.Content = Raw(new string('[', 5000) + new string(']', 5000), Json); return r; },
        (r, _) => { r.Content = Raw("{\"lsi\":1,\"userId\":[],\"nextModule\":{},\"type\":true,\"id\":null,\"value\":1.5e308,\"lsi2\":\"x\"}", Json); return r; },
        (r, _) => { r.Content = Raw([0x7B, 0x22, 0x6C, 0x73, 0x69, 0x22, 0x3A, 0x22, 0xC3, 0x28, 0xFF, 0x22, 0x7D], Json); return r; },
        (r, _) => { r.Content = Raw("{\"nextModule\":\"QrCodeScanRequired\",\"qrCodeTrackId\":\"", Json); return r; },
        (r, _) => { r.Content = Raw("{\"lsi\":\"" + new string('a', 100 * 1024) + "\"}", Json); return r; },
        (r, rnd) => { r.Content = Raw("{\"nextModule\":\"" + Hostile(rnd).Replace("\"", "", StringComparison.Ordinal) + "\",\"qrCodeTrackId\":\"" + Guid.NewGuid() + "\",\"nonce\":\"\\u0000\"}", Json); return r; },
        (r, _) => { r.Content = Raw("{\"lsi\":{\"charset\":5,\"length\":\"x\"},\"dsi\":null,\"expiry\":-1e9,\"enabled\":\"yes\"}", Json); return r; },
        (r, _) => { r.Content = Raw("{\"type\":\"username+password\",\"id\":\"x\",\"username\":\"\\u0000\",\"password\":" + new string('9', 400) + "}", Json); return r; },
        (r, _) => { r.Content = Raw("<xml/>", "application/xml"); return r; },
        (r, _) => { r.Content = Raw("{\"lsi\":\"x\"}", "application/json; charset=ebcdic-nonsense"); return r; },
        (r, _) => { r.Content = Raw("{\"lsi\":\"x\"}", "text/plain"); return r; },
        (r, _) => { r.Content = Raw("lsi=x", "application/x-www-form-urlencoded; charset=nonsense"); return r; },
        (r, _) => { r.Content = Raw("{}", "no/such; ;;= type"); return r; },
        // Query strings.
        (r, rnd) => WithQuery(r, rnd),
        (r, rnd) => WithQuery(r, rnd),
        (r, rnd) => WithQuery(r, rnd),
        // Headers.
        (r, _) => { r.Headers.TryAddWithoutValidation("Authorization", "Bearer " + new string('x', 6000)); return r; },
        (r, _) => { r.Headers.TryAddWithoutValidation("Authorization", "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."); return r; },
        (r, _) => { r.Headers.TryAddWithoutValidation("Authorization", "Basic %%%%"); return r; },
        (r, _) => { r.Headers.TryAddWithoutValidation("Cookie", ".AspNetCore.Identity.Application=%00garbage; qrl-bind=" + new string('b', 43) + "; __Host-qrl-bind=x; qrCodeTrackId=%E3%80%80"); return r; },
        (r, _) => { r.Headers.TryAddWithoutValidation("Origin", "https://evil.example"); r.Headers.TryAddWithoutValidation("Sec-Fetch-Site", "cross-site"); return r; },
        (r, _) => { r.Headers.TryAddWithoutValidation("User-Agent", new string('U', 8000)); r.Headers.TryAddWithoutValidation("Accept-Language", "%00;q=x"); return r; },
        (r, _) => { r.Headers.TryAddWithoutValidation("X-Forwarded-For", "not-an-ip, ::::"); r.Headers.TryAddWithoutValidation("X-Forwarded-Proto", "gopher"); return r; },
        (r, _) => { r.Headers.TryAddWithoutValidation("Accept", "application/json;q=abc, */*;;"); r.Headers.TryAddWithoutValidation("If-None-Match", "\"\0\""); return r; },
        (r, _) => { r.Content = Raw("", Form); r.Content.Headers.ContentLength = 0; return r; },
        (r, _) => { r.Content = Raw("{}", "multipart/form-data; boundary=" + new string('b', 200)); return r; },
    ];
}
