using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.Deploy;

/// <summary>
/// deploy/local-cluster.sh as a person runs it: PostgreSQL, two nodes and nginx come up; a QR sign-in
/// goes through nginx; the node that served it is stopped; the next QR sign-in through nginx works on
/// the other node with the phone's cookie from the first; Ctrl+C (TERM) removes everything.
/// </summary>
public sealed partial class LocalClusterScriptTests
{
    private const string ClientId = "cluster-test";
    private const string ClientSecret = "cluster-test-secret-0123456789";

    [Fact]
    public async Task ASignInThroughNginx_StillWorksWhenTheNodeThatServedItStops()
    {
        if (!File.Exists("/usr/sbin/nginx") && !File.Exists("/usr/bin/nginx"))
        {
            Assert.True(Environment.GetEnvironmentVariable("CI") != "true", "nginx is not installed (apt-get install -y nginx); .ci/run installs it.");
            Assert.Skip("nginx is not installed: apt-get install -y nginx");
        }

        var (port, nodePorts) = (FreePort(), new[] { FreePort(), FreePort() });
        using var cluster = Start(port, nodePorts);
        var up = await cluster.WaitForAsync("cluster is up", TimeSpan.FromMinutes(6));
        Assert.True(up, "the cluster did not come up:\n" + cluster.Output);
        var work = WorkFolder().Match(cluster.Output).Groups["work"].Value;
        var nginx = new Uri($"http://127.0.0.1:{port}");

        using var phone = Browser(nginx);
        await phone.SignInWithPasswordAsync(PortalFactory.DemoEmail, PortalFactory.DemoPassword);
        await SignInByQrAsync(nginx, phone);

        // The node whose metrics counted the approval served it: stop that one.
        double[] approvals = [await ApprovedOn(nodePorts[0]), await ApprovedOn(nodePorts[1])];
        var served = Array.FindIndex(approvals, count => count > 0);
        Assert.True(served >= 0, "no node counted the approval");
        var other = 1 - served;
        var approvedOnOther = approvals[other];
        using (var node = Process.GetProcessById(int.Parse(File.ReadAllText(Path.Combine(work, $"node{served}.pid")).Trim())))
        {
            // Stopped as a person or an orchestrator stops it (TERM: in-flight requests finish), and gone.
            Process.Start("kill", ["-TERM", node.Id.ToString()])!.WaitForExit();
            Assert.True(node.WaitForExit(TimeSpan.FromSeconds(60)), "the node did not stop");
        }

        await SignInByQrAsync(nginx, phone);

        Assert.True(await ApprovedOn(nodePorts[other]) > approvedOnOther, "the second sign-in was not approved on the remaining node");
        cluster.Stop();
        Assert.False(Directory.Exists(work), "the cluster's folder was left behind");
    }

    /// <summary>The API creates a code (as a calling app would), the phone approves it on its page, the API reads SUCCESS.</summary>
    private static async Task SignInByQrAsync(Uri nginx, PortalFactory.BrowserClient phone)
    {
        using var api = new HttpClient { BaseAddress = nginx };
        var token = await api.PostAsync("/v1.0/endpoint/default/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = ClientId,
            ["client_secret"] = ClientSecret,
        }));
        Assert.Equal(HttpStatusCode.OK, token.StatusCode);
        api.DefaultRequestHeaders.Authorization = new("Bearer", (await token.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString());
        var created = await api.GetFromJsonAsync<JsonElement>("/v2.0/factors/qr/authenticate?profileId=default");
        var (id, lsi, dsi) = (created.GetProperty("id").GetString(), created.GetProperty("lsi").GetString(), created.GetProperty("dsi").GetString());

        var page = await phone.GetPageAsync($"/qr/{lsi}");
        var approved = await phone.PostFormAsync($"/qr/{lsi}", page, "qr-approval", new Dictionary<string, string> { ["Decision"] = "approve" });
        Assert.Contains("Approved", await approved.Content.ReadAsStringAsync());

        var state = await api.GetFromJsonAsync<JsonElement>($"/v2.0/factors/qr/authenticate/{id}?dsi={dsi}");
        Assert.Equal("SUCCESS", state.GetProperty("state").GetString());
    }

    private static async Task<double> ApprovedOn(int nodePort)
    {
        using var http = new HttpClient();
        try
        {
            var text = await http.GetStringAsync($"http://127.0.0.1:{nodePort}/metrics");
            var line = ApprovedSeries().Match(text);
            return line.Success ? double.Parse(line.Groups["value"].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
        }
        catch (HttpRequestException)
        {
            return 0;
        }
    }

    private static PortalFactory.BrowserClient Browser(Uri nginx)
    {
        var cookies = new CookieContainer();
        var http = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = nginx };
        http.DefaultRequestHeaders.UserAgent.ParseAdd("Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Mobile/15E148 Safari/604.1");
        return new PortalFactory.BrowserClient(http, cookies);
    }

    private static ScriptRun Start(int port, int[] nodePorts)
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "QrLoginPortal.sln")))
        {
            root = Path.GetDirectoryName(root.TrimEnd('/')) ?? throw new InvalidOperationException("repository root not found");
        }

        var start = new ProcessStartInfo("bash", [Path.Combine(root, "deploy", "local-cluster.sh")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = root,
        };
        start.Environment["PORT"] = port.ToString();
        start.Environment["NODE_PORTS"] = string.Join(' ', nodePorts);
        start.Environment["PG_PORT"] = FreePort().ToString();
        start.Environment["Api__Clients__0__ClientId"] = ClientId;
        start.Environment["Api__Clients__0__ClientSecret"] = ClientSecret;
        start.Environment["Api__Clients__0__Entitlements__0"] = "authenticateAnyUser";
        return new ScriptRun(Process.Start(start)!);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"PostgreSQL on [0-9.:]+ \((?<work>/tmp/qrlogin-cluster-[A-Za-z0-9]+)/pg\)")]
    private static partial Regex WorkFolder();

    [GeneratedRegex(@"^qrlogin_codes_approved_total(?:\{[^}]*\})? (?<value>[0-9.eE+-]+)", RegexOptions.Multiline)]
    private static partial Regex ApprovedSeries();

    /// <summary>The script's process and everything it printed; TERM (as Ctrl+C) on dispose.</summary>
    private sealed class ScriptRun : IDisposable
    {
        private readonly Process _process;
        private readonly System.Text.StringBuilder _output = new();

        public ScriptRun(Process process)
        {
            _process = process;
            process.OutputDataReceived += (_, e) => Append(e.Data);
            process.ErrorDataReceived += (_, e) => Append(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        public async Task<bool> WaitForAsync(string text, TimeSpan timeout)
        {
            var until = DateTime.UtcNow + timeout;
            while (DateTime.UtcNow < until && !_process.HasExited)
            {
                if (Output.Contains(text, StringComparison.Ordinal))
                {
                    return true;
                }

                await Task.Delay(250);
            }

            return Output.Contains(text, StringComparison.Ordinal);
        }

        /// <summary>Sends TERM, as Ctrl+C would send INT, and waits for the script's clean-up.</summary>
        public void Stop()
        {
            if (!_process.HasExited)
            {
                Process.Start("kill", ["-TERM", _process.Id.ToString()])!.WaitForExit();
                _process.WaitForExit(TimeSpan.FromSeconds(60));
            }
        }

        public void Dispose()
        {
            Stop();
            _process.Dispose();
        }

        private void Append(string? line)
        {
            if (line is not null)
            {
                lock (_output)
                {
                    _output.AppendLine(line);
                }
            }
        }
    }
}
