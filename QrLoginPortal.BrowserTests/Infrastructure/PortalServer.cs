using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using QrLoginPortal.SignIn;

namespace QrLoginPortal.BrowserTests.Infrastructure;

/// <summary>
/// The real portal on Kestrel at 127.0.0.1 and a free port (not the in-memory test server), so the
/// browser gets real WebSockets and cookies. Its own SQLite file; Development, so the demo user exists.
/// </summary>
public sealed class PortalServer : WebApplicationFactory<Program>
{
    public const string AdminEmail = "admin@browser.test";
    public const string AdminPassword = "Admin-Passw0rd!";
    public const string DemoEmail = "demo@qrlogin.local";
    public const string DemoPassword = "Demo-Passw0rd!";

    private readonly string _folder = Directory.CreateTempSubdirectory("qrlogin-browser-").FullName;
    private readonly Dictionary<string, string?> _settings = [];

    public PortalServer() => UseKestrel(options => options.Listen(IPAddress.Loopback, 0));

    /// <summary>What the portal logged at Warning and above, beside the console.</summary>
    public ServerLogs Logs { get; } = new();

    /// <summary>e.g. http://127.0.0.1:41234 (no trailing slash).</summary>
    public string BaseUrl
    {
        get
        {
            StartServer();
            var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
            return addresses.First().TrimEnd('/');
        }
    }

    /// <summary>
    /// How long the answer to the ticket's POST (the QR sign-in, and its new cookie) waits after the portal made it,
    /// before it goes to the browser: the new sign-in has happened, but the browser learns of it late.
    /// </summary>
    public TimeSpan SignInAnswerDelay { get; set; }

    /// <summary>More configuration for the portal, before it starts (e.g. an application registered under Oidc:Applications).</summary>
    public void AddSettings(IReadOnlyDictionary<string, string?> settings)
    {
        foreach (var (key, value) in settings)
        {
            _settings[key] = value;
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        builder.UseSetting("ConnectionStrings:DefaultConnection", $"DataSource={Path.Combine(_folder, "browser.db")};Pooling=False");
        builder.UseSetting("Portal:Admin:Email", AdminEmail);
        builder.UseSetting("Portal:Admin:Password", AdminPassword);
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        builder.ConfigureLogging(logging => logging.AddProvider(Logs));
        builder.ConfigureServices(services => services.AddSingleton<IStartupFilter>(new DelayedSignInAnswers(this)));
        // Mail (sign-in notices) goes to this run's folder, not the project's Data/mail.
        builder.UseSetting("Portal:Email:PickupFolder", Path.Combine(_folder, "mail"));
        // Every browser here is 127.0.0.1: per-address limits would throttle the suite, not an attacker.
        builder.UseSetting("QrLogin:CreatedPerMinutePerIp", "100000");
        builder.UseSetting("SignIn:RequestsPerMinutePerIp", "100000");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            try
            {
                Directory.Delete(_folder, recursive: true);
            }
            catch (IOException)
            {
                // Left in /tmp if a file is still held; not worth failing the run.
            }
        }
    }

    /// <summary>Outermost in the pipeline: holds the ticket POST's answer for <see cref="SignInAnswerDelay"/> once the portal has made it.</summary>
    private sealed class DelayedSignInAnswers(PortalServer server) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, portal) =>
            {
                await portal();
                if (server.SignInAnswerDelay > TimeSpan.Zero && HttpMethods.IsPost(context.Request.Method)
                    && context.Request.Path == QrSignInEndpoints.RedeemPath)
                {
                    // A started answer is on its way already: holding it would test nothing.
                    Assert.False(context.Response.HasStarted, "the ticket POST's answer started before it could be held");
                    await Task.Delay(server.SignInAnswerDelay);
                }
            });
            next(app);
        };
    }
}
