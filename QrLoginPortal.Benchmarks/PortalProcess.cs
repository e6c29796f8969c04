using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace QrLoginPortal.Benchmarks;

/// <summary>
/// The portal as its own process (the build beside this benchmark: Release when run with -c Release),
/// Kestrel on loopback and its own SQLite file, in Development so the demo user exists and plain http
/// is allowed. Shared by the modes that measure the portal from outside (load, browser, pages).
/// </summary>
public sealed class PortalProcess : IAsyncDisposable
{
    public const string DemoEmail = "demo@qrlogin.local";
    public const string DemoPassword = "Demo-Passw0rd!";

    private readonly string _folder;

    private PortalProcess(Process process, string folder, string baseUrl, string database)
    {
        Process = process;
        _folder = folder;
        BaseUrl = baseUrl;
        Database = database;
    }

    public Process Process { get; }

    /// <summary>e.g. http://127.0.0.1:41234 (no trailing slash).</summary>
    public string BaseUrl { get; }

    public string Database { get; }

    public static async Task<PortalProcess> StartAsync(IReadOnlyDictionary<string, string>? extra = null)
    {
        var portalDll = Path.Combine(AppContext.BaseDirectory, "QrLoginPortal.dll");
        var folder = Directory.CreateTempSubdirectory("qrlogin-bench-portal-").FullName;
        var port = FreePort();
        var database = Path.Combine(folder, "portal.db");
        var start = new ProcessStartInfo("dotnet", [portalDll])
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var settings = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["ConnectionStrings__DefaultConnection"] = $"DataSource={database}",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Portal__Admin__Password"] = "Benchmark-Admin-Passw0rd-1!",
            ["Portal__Email__PickupFolder"] = Path.Combine(folder, "mail"),
            // One address makes every request here: the per-address limits would measure themselves.
            ["QrLogin__CreatedPerMinutePerIp"] = "1000000",
            ["QrLogin__CreatedPerMinute"] = "1000000",
            ["QrLogin__MaxPending"] = "1000000",
            ["SignIn__RequestsPerMinutePerIp"] = "1000000",
            // Development serves every static asset with Cache-Control: no-cache (for hot reload), so each page
            // load revalidated all nine CSS/JS files before it could paint. A published portal sends its
            // fingerprinted assets as immutable; this makes the build output answer the same way.
            ["EnableStaticAssetsDevelopmentCaching"] = "true",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }

        foreach (var (key, value) in settings)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { } line) Console.Error.WriteLine("portal: " + line); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var portal = new PortalProcess(process, folder, $"http://127.0.0.1:{port}", database);
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(portal.BaseUrl) };
            await WaitForReadyAsync(http, process);
            return portal;
        }
        catch
        {
            await portal.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            Process.Kill(entireProcessTree: true);
            await Process.WaitForExitAsync();
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        Process.Dispose();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // Left in /tmp if a file is still held.
        }
    }

    private static async Task WaitForReadyAsync(HttpClient http, Process portal)
    {
        for (var i = 0; i < 240; i++)
        {
            if (portal.HasExited)
            {
                throw new InvalidOperationException("the portal stopped at start (see its output above)");
            }

            try
            {
                if ((await http.GetAsync("/readyz")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(250);
        }

        throw new TimeoutException("the portal was not ready within a minute");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
