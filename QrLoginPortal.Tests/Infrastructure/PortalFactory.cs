using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Extensions.Logging;

namespace QrLoginPortal.Tests.Infrastructure;

/// <summary>
/// The real portal in process over a real SQLite file, with a fake clock and throw-away data
/// protection keys. The Development demo user exists, as on a developer's machine (see
/// <see cref="ProductionPortalFactory"/> for the portal as deployed).
/// </summary>
public partial class PortalFactory : WebApplicationFactory<Program>
{
    public const string DemoEmail = "demo@qrlogin.local";
    public const string DemoPassword = "Demo-Passw0rd!";
    public const string AdminEmail = "admin@test.local";
    public const string AdminPassword = "Admin-Passw0rd!";
    public const string ApiClientId = "test-client";
    public const string LimitedClientId = "limited-client";
    public const string ApiClientSecret = "test-client-secret-0123456789";

    private readonly TestDatabase _database = new();

    /// <summary>The database this portal runs on (SQLite, or PostgreSQL in QrLoginPortal.PostgresTests).</summary>
    public TestDatabase Database => _database;

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));

    /// <summary>Generous by default so a test class is not throttled by its own earlier tests.</summary>
    public int RequestsPerMinutePerIp { get; init; } = 10_000;

    public int FailedAttemptsPerUser { get; init; } = 10;

    /// <summary>Development by default (the demo user exists); "Production" where a test needs what production does (see <see cref="ProductionPortalFactory"/>).</summary>
    public string EnvironmentName { get; init; } = "Development";

    /// <summary>Where the test clients send their requests (https, and not localhost, lets HSTS show).</summary>
    protected virtual Uri BaseAddress => new("http://localhost");

    /// <summary>Every log message of every category, at Trace level, when <see cref="CaptureLogs"/> is set.</summary>
    public CapturedLogs Logs { get; } = new();

    /// <summary>Sends all log output (Trace and up) to <see cref="Logs"/> instead of the console.</summary>
    public bool CaptureLogs { get; init; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(EnvironmentName);
        builder.UseSetting("ConnectionStrings:DefaultConnection", _database.ConnectionString);
        builder.UseSetting(global::QrLoginPortal.Data.DatabaseProviders.ConfigurationKey, _database.Provider.ToString());
        builder.UseSetting("Portal:Admin:Email", AdminEmail);
        builder.UseSetting("Portal:Admin:Password", AdminPassword);
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        builder.UseSetting("SignIn:RequestsPerMinutePerIp", RequestsPerMinutePerIp.ToString());
        builder.UseSetting("QrLogin:FailedAttemptsPerUser", FailedAttemptsPerUser.ToString());
        builder.UseSetting("QrLogin:CreatedPerMinutePerIp", "10000");
        builder.UseSetting("Api:Clients:0:ClientId", ApiClientId);
        builder.UseSetting("Api:Clients:0:ClientSecret", ApiClientSecret);
        builder.UseSetting("Api:Clients:0:Name", "Integration tests");
        foreach (var (entitlement, i) in global::QrLoginPortal.Api.ApiEntitlements.Descriptions.Keys.Select((e, i) => (e, i)))
        {
            builder.UseSetting($"Api:Clients:0:Entitlements:{i}", entitlement);
        }

        builder.UseSetting("Api:Clients:1:ClientId", LimitedClientId);
        builder.UseSetting("Api:Clients:1:ClientSecret", ApiClientSecret);
        builder.UseSetting("Api:Clients:1:Entitlements:0", global::QrLoginPortal.Api.ApiEntitlements.ReadAuthenticatorConfig);
        builder.UseSetting("Api:Profiles:0", "Verify Profile");
        if (CaptureLogs)
        {
            // A rule for this provider alone outranks every category rule of appsettings.json.
            builder.ConfigureLogging(logging => logging.ClearProviders().AddProvider(Logs).AddFilter<CapturedLogs>(null, LogLevel.Trace));
        }

        ConfigureAccounts(builder);
        builder.ConfigureServices(services =>
        {
            services.RemoveAll<TimeProvider>();
            services.AddSingleton<TimeProvider>(Clock);
            services.AddTransient<Microsoft.AspNetCore.Hosting.IStartupFilter, TestClientAddress>();
            WatchedTransactionNotifier.Decorate(services);
        });
    }

    /// <summary>The portal's transaction notifier, watched (see <see cref="WatchedTransactionNotifier"/>).</summary>
    public WatchedTransactionNotifier Notifier => Services.GetRequiredService<WatchedTransactionNotifier>();

    protected override void ConfigureClient(HttpClient client) => client.BaseAddress = BaseAddress;

    /// <summary>The id of the user with <paramref name="email"/>.</summary>
    public async Task<string> UserIdAsync(string email)
    {
        using var scope = Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<Data.ApplicationUser>>();
        return (await users.FindByEmailAsync(email))!.Id;
    }

    /// <summary>The configured first administrator, as an admin service sees the one acting: signed in, in a live session of their own.</summary>
    public async Task<global::QrLoginPortal.Admin.AdminActor> AdminActorAsync() => await ActorAsync(await UserIdAsync(AdminEmail), AdminEmail);

    /// <summary>An actor for <paramref name="userId"/> in a new live session, as a page of their signed-in browser would act.</summary>
    public async Task<global::QrLoginPortal.Admin.AdminActor> ActorAsync(string userId, string name)
    {
        var sessionId = await Services.GetRequiredService<global::QrLoginPortal.Sessions.SessionStore>()
            .StartAsync(userId, "pwd", false, "127.0.0.1", "test");
        return new(userId, name, "127.0.0.1", sessionId);
    }

    /// <summary>Creates a confirmed user (optionally an admin) and returns their id.</summary>
    public async Task<string> CreateUserAsync(string email, string password = DemoPassword, bool admin = false)
    {
        using var scope = Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<Data.ApplicationUser>>();
        var user = new Data.ApplicationUser { UserName = email, Email = email, EmailConfirmed = true };
        var created = await users.CreateAsync(user, password);
        Assert.True(created.Succeeded, string.Join(" ", created.Errors.Select(e => e.Description)));
        if (admin)
        {
            Assert.True((await users.AddToRoleAsync(user, global::QrLoginPortal.Accounts.Roles.Admin)).Succeeded);
        }

        return user.Id;
    }

    /// <summary>An HTTP client holding a bearer token of <paramref name="clientId"/>, got from the token endpoint.</summary>
    public async Task<HttpClient> CreateApiClientAsync(string clientId = ApiClientId)
    {
        var http = CreateDefaultClient();
        var response = await http.PostAsync("/v1.0/endpoint/default/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = clientId,
            ["client_secret"] = ApiClientSecret,
        }));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"token endpoint answered {(int)response.StatusCode}: {body}");
        var token = System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString();
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    /// <summary>A client with its own cookie jar that does not follow redirects, like one browser.</summary>
    /// <param name="address">The client address the portal sees (see <see cref="TestClientAddress"/>); none when null.</param>
    public BrowserClient CreateBrowser(string userAgent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/140.0 Safari/537.36",
        string? address = null)
    {
        var cookies = new CookieContainer();
        var client = CreateDefaultClient(new CookieContainerHandler(cookies));
        client.DefaultRequestHeaders.UserAgent.ParseAdd(userAgent);
        if (address is not null)
        {
            client.DefaultRequestHeaders.Add(TestClientAddress.Header, address);
        }

        return new BrowserClient(client, cookies);
    }

    /// <summary>A browser waiting on a new code, and the demo user's phone, signed in, on that code's approval page.</summary>
    public async Task<ApprovalPage> OpenApprovalPageAsync()
    {
        var browser = CreateBrowser();
        await browser.GetPageAsync("/login");
        var created = await Services.GetRequiredService<global::QrLoginPortal.QrLogin.QrLoginService>().CreateAsync(new global::QrLoginPortal.QrLogin.QrRequester(
            "203.0.113.10", browser.Http.DefaultRequestHeaders.UserAgent.ToString(),
            global::QrLoginPortal.QrLogin.Secrets.Hash(browser.Cookie(global::QrLoginPortal.SignIn.BrowserBinding.CookieName)!)));
        var phone = CreateBrowser();
        await phone.SignInWithPasswordAsync(DemoEmail, DemoPassword);
        return new ApprovalPage(created, browser, phone, await phone.GetPageAsync($"/qr/{created.Lsi}"));
    }

    /// <summary>What <see cref="OpenApprovalPageAsync"/> opened: the code, the waiting browser, the phone and its page's HTML.</summary>
    public sealed record ApprovalPage(global::QrLoginPortal.QrLogin.NewQrTransaction Created, BrowserClient Browser, BrowserClient Phone, string Page) : IDisposable
    {
        public void Dispose()
        {
            Phone.Dispose();
            Browser.Dispose();
        }
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _database.Dispose();
            DeleteMailFolder();
        }
    }

    public sealed partial class BrowserClient(HttpClient http, CookieContainer cookies) : IDisposable
    {
        public HttpClient Http => http;
        public CookieContainer Cookies => cookies;

        public string? Cookie(string name) => cookies.GetAllCookies().FirstOrDefault(c => c.Name == name)?.Value;

        /// <summary>GETs a page and returns its HTML (throws on a non-success status).</summary>
        public async Task<string> GetPageAsync(string url)
        {
            var response = await http.GetAsync(url);
            var html = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"GET {url} answered {(int)response.StatusCode}: {html[..Math.Min(html.Length, 500)]}");
            return html;
        }

        /// <summary>Posts a Blazor SSR form as a browser would, with the antiforgery token taken from <paramref name="pageHtml"/>.</summary>
        public Task<HttpResponseMessage> PostFormAsync(string url, string pageHtml, string formName, IDictionary<string, string> fields)
        {
            var form = new Dictionary<string, string>(fields)
            {
                ["_handler"] = formName,
                ["__RequestVerificationToken"] = AntiforgeryToken(pageHtml),
            };
            return http.PostAsync(url, new FormUrlEncodedContent(form));
        }

        /// <summary>Signs in with the password form of /login.</summary>
        public async Task SignInWithPasswordAsync(string email, string password)
        {
            var page = await GetPageAsync("/login");
            var response = await PostFormAsync("/login", page, "login", new Dictionary<string, string>
            {
                ["Input.Email"] = email,
                ["Input.Password"] = password,
            });
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.True(Cookie(".AspNetCore.Identity.Application") is not null || Cookie("__Host-Identity") is not null);
        }

        public static string AntiforgeryToken(string html)
        {
            var match = TokenInput().Match(html);
            Assert.True(match.Success, "The page has no antiforgery token");
            return WebUtility.HtmlDecode(match.Groups[1].Value);
        }

        [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
        private static partial Regex TokenInput();

        public void Dispose() => http.Dispose();
    }
}
