using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.Api;

/// <summary>
/// The API describes itself (STYLE 13): /openapi/v1.json passes Redocly CLI's recommended rules with
/// no error and no warning. The same rules that matter here are also checked in C#, so the test
/// says what is wrong even where Redocly (Node.js) is not installed.
/// </summary>
public sealed class OpenApiDocumentTests(OpenApiDocumentTests.PublicPortalFactory portal) : IClassFixture<OpenApiDocumentTests.PublicPortalFactory>
{
    /// <summary>The portal at a public origin, as deployed (the document's server is that origin, not localhost).</summary>
    public sealed class PublicPortalFactory : PortalFactory
    {
        public const string Origin = "https://portal.qrlogin.test";

        protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Portal:PublicOrigin", Origin);
        }
    }

    private const string Redocly = "@redocly/cli@2.77.0";

    [Fact]
    public async Task Document_PassesRedoclysRecommendedRules()
    {
        var path = await SaveDocumentAsync();
        var npx = FindOnPath("npx");
        if (npx is null)
        {
            Assert.False(string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase),
                "CI must provide Node.js (npx) for the OpenAPI lint: apt-get install -y nodejs npm");
            Assert.Skip("npx (Node.js) is not installed: the Redocly lint is skipped here; the C# checks still run.");
        }

        var start = new ProcessStartInfo(npx, ["--yes", Redocly, "lint", path, "--format=json"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var errors = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);

        var json = await output;
        var report = JsonDocument.Parse(json[json.IndexOf('{')..]).RootElement;
        var totals = report.GetProperty("totals");
        var problems = report.GetProperty("problems").EnumerateArray()
            .Select(p => $"{p.GetProperty("severity").GetString()} {p.GetProperty("ruleId").GetString()}: {p.GetProperty("message").GetString()} "
                         + string.Join(" ", p.GetProperty("location").EnumerateArray().Select(l => l.GetProperty("pointer").GetString())))
            .ToList();
        Assert.True(totals.GetProperty("errors").GetInt32() == 0 && totals.GetProperty("warnings").GetInt32() == 0,
            $"Redocly found {totals.GetProperty("errors")} errors and {totals.GetProperty("warnings")} warnings:{Environment.NewLine}"
            + string.Join(Environment.NewLine, problems) + Environment.NewLine + await errors);
    }

    /// <summary>Redocly's recommended rules that matter here, in C#, and the one it cannot know: which operations need a token.</summary>
    [Fact]
    public async Task Document_DescribesEveryOperation_AndTheSecurityItNeeds()
    {
        var document = JsonDocument.Parse(await portal.CreateClient().GetStringAsync("/openapi/v1.json")).RootElement;
        var problems = new List<string>();
        if (!document.GetProperty("info").TryGetProperty("license", out var license) || !license.TryGetProperty("name", out _))
        {
            problems.Add("info.license is missing");
        }

        var servers = document.TryGetProperty("servers", out var s) ? s.EnumerateArray().Select(x => x.GetProperty("url").GetString()!).ToList() : [];
        if (servers.Count == 0)
        {
            problems.Add("no servers");
        }

        problems.AddRange(servers.Where(u => u.EndsWith('/')).Select(u => $"server {u} ends with a slash"));
        var tags = document.TryGetProperty("tags", out var t)
            ? t.EnumerateArray().ToDictionary(x => x.GetProperty("name").GetString()!, x => x.TryGetProperty("description", out _))
            : [];
        problems.AddRange(tags.Where(x => !x.Value).Select(x => $"tag {x.Key} has no description"));
        var schemes = document.GetProperty("components").TryGetProperty("securitySchemes", out var c)
            ? c.EnumerateObject().Select(x => x.Name).ToHashSet()
            : [];

        var secured = SecuredOperations();
        Assert.NotEmpty(secured);
        var operationIds = new HashSet<string>();
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                var name = $"{operation.Name.ToUpperInvariant()} {path.Name}";
                var op = operation.Value;
                if (!op.TryGetProperty("operationId", out var id) || !operationIds.Add(id.GetString()!))
                {
                    problems.Add($"{name}: no operationId, or one used twice");
                }

                if (!op.TryGetProperty("summary", out _))
                {
                    problems.Add($"{name}: no summary");
                }

                var statuses = op.GetProperty("responses").EnumerateObject().Select(r => r.Name).ToList();
                if (!statuses.Any(code => code.StartsWith('2')))
                {
                    problems.Add($"{name}: no 2xx response");
                }

                if (!statuses.Any(code => code.StartsWith('4')))
                {
                    problems.Add($"{name}: no 4xx response");
                }

                problems.AddRange((op.TryGetProperty("tags", out var opTags) ? opTags.EnumerateArray().Select(x => x.GetString()!) : [])
                    .Where(tag => !tags.ContainsKey(tag)).Select(tag => $"{name}: tag {tag} is not declared"));
                if (!op.TryGetProperty("security", out var security))
                {
                    problems.Add($"{name}: security is not declared (an empty list when it needs none)");
                    continue;
                }

                var named = security.EnumerateArray().SelectMany(r => r.EnumerateObject().Select(x => x.Name)).ToList();
                problems.AddRange(named.Where(n => !schemes.Contains(n)).Select(n => $"{name}: security scheme {n} is not defined"));
                if (secured.Contains(name) && named.Count == 0)
                {
                    problems.Add($"{name}: needs a token but declares no security");
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    /// <summary>
    /// The handlers that answer with typed results list every status they can answer and the schema of each JSON
    /// body: a client generated from the document then knows the 404 of a used code or the 429 of a spent budget.
    /// </summary>
    [Theory]
    [InlineData("AttemptQrTransaction", "200:AttemptAssertion 204 400:ApiError 401 403:ApiError 404:ApiError 413:ApiError 429:ApiError")]
    // Two 200 shapes (a step, or the success): the document keeps one schema per status, the last declared.
    [InlineData("ModuleChainAuthenticate", "200:ModuleChainSuccess 400:ApiError 401 403:ApiError 413:ApiError 429:ApiError 503:ApiError")]
    [InlineData("ModuleChainSingleSignOn", "200 302 400 403:ApiError 429")]
    // Four 200 shapes (started, the next step, the ID badge's password step, signed in): likewise one is kept.
    [InlineData("Authn", "200:AuthnCompleted 400:ApiError 401:ApiError 413:ApiError 429:ApiError")]
    [InlineData("Token", "200:TokenResponse 400:TokenError 401:TokenError 429:TokenError")]
    public async Task ConvertedOperations_ListEveryStatus_AndTheSchemaOfEachJsonBody(string operationId, string expected)
    {
        var document = JsonDocument.Parse(await portal.CreateClient().GetStringAsync("/openapi/v1.json")).RootElement;
        var operation = document.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Select(o => o.Value))
            .Single(o => o.TryGetProperty("operationId", out var id) && id.GetString() == operationId);

        var listed = operation.GetProperty("responses").EnumerateObject().Select(r =>
        {
            var schema = r.Value.TryGetProperty("content", out var content)
                ? content.EnumerateObject().Select(c => c.Value.TryGetProperty("schema", out var x) && x.TryGetProperty("$ref", out var reference)
                    ? reference.GetString()!.Split('/')[^1] : null).FirstOrDefault(x => x is not null)
                : null;
            return schema is null ? r.Name : $"{r.Name}:{schema}";
        }).Order(StringComparer.Ordinal);

        Assert.Equal(expected, string.Join(" ", listed));
    }

    /// <summary>"METHOD /path" of every API endpoint the portal protects with an authorization policy.</summary>
    private HashSet<string> SecuredOperations() =>
        portal.Services.GetRequiredService<Microsoft.AspNetCore.Routing.EndpointDataSource>().Endpoints
            .OfType<Microsoft.AspNetCore.Routing.RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Authorization.IAuthorizeData>() is not null
                        && e.Metadata.GetMetadata<Microsoft.AspNetCore.Authorization.IAllowAnonymous>() is null)
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.IHttpMethodMetadata>()?.HttpMethods ?? [])
                .Select(m => $"{m} {System.Text.RegularExpressions.Regex.Replace("/" + e.RoutePattern.RawText!.TrimStart('/'), @":[^}]+", "")}"))
            .ToHashSet();

    private async Task<string> SaveDocumentAsync()
    {
        var document = await portal.CreateClient().GetStringAsync("/openapi/v1.json");
        var path = Path.Combine(AppContext.BaseDirectory, "openapi-v1.json");
        await File.WriteAllTextAsync(path, document);
        return path;
    }

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
        .Select(dir => Path.Combine(dir, program))
        .FirstOrDefault(File.Exists);
}
