using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace QrLoginPortal.Tests.Infrastructure;

/// <summary>
/// A throw-away PostgreSQL server for this test process: <c>initdb</c> into a temporary folder
/// (as the <c>postgres</c> user when running as root, since initdb refuses root), started on a
/// free loopback port and removed when the process ends. Each <see cref="TestDatabase"/> gets its
/// own database on it. Durability is switched off: a test server that loses a power cut loses nothing.
/// </summary>
public sealed class PostgresCluster
{
    public const string InstallHint = "PostgreSQL is not installed: apt-get install -y postgresql (Debian), or set QRLOGIN_TEST_POSTGRES to a server's connection string.";

    private static readonly Lazy<PostgresCluster> Shared = new(() => new PostgresCluster(), LazyThreadSafetyMode.ExecutionAndPublication);
    private static int _databases;

    private readonly string? _folder;
    private readonly string? _binaries;

    private PostgresCluster()
    {
        var existing = Environment.GetEnvironmentVariable("QRLOGIN_TEST_POSTGRES");
        if (!string.IsNullOrWhiteSpace(existing))
        {
            AdminConnectionString = existing;
            return;
        }

        _binaries = FindBinaries() ?? throw new InvalidOperationException(InstallHint);
        _folder = Directory.CreateTempSubdirectory("qrlogin-pg-").FullName;
        var data = Path.Combine(_folder, "data");
        var asRoot = Environment.UserName == "root";
        if (asRoot)
        {
            Run("chown", $"postgres {_folder}");
        }

        RunServerTool(asRoot, "initdb", $"-D {data} -A trust -U postgres --no-sync --encoding=UTF8 --locale=C");
        var port = FreePort();
        var settings = $"-p {port} -k {_folder} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400";
        RunServerTool(asRoot, "pg_ctl", $"-D {data} -l {Path.Combine(_folder, "server.log")} -w -o \"{settings}\" start");
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                RunServerTool(asRoot, "pg_ctl", $"-D {data} -m immediate -w stop");
                Directory.Delete(_folder, recursive: true);
            }
            catch (Exception)
            {
                // Leftovers live in /tmp; a failed clean-up must not turn a green run red.
            }
        };
        AdminConnectionString = $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres";
    }

    /// <summary>The server, started on first use; a missing PostgreSQL throws with <see cref="InstallHint"/>.</summary>
    public static PostgresCluster Instance => Shared.Value;

    /// <summary>Whether a test server can be had here (installed binaries or QRLOGIN_TEST_POSTGRES).</summary>
    public static bool Available =>
        !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("QRLOGIN_TEST_POSTGRES")) || FindBinaries() is not null;

    public string AdminConnectionString { get; }

    /// <summary>
    /// Creates a database and returns its connection string: empty, or a copy of
    /// <paramref name="template"/> (PostgreSQL copies a template's files, far faster than migrating again).
    /// </summary>
    public string CreateDatabase(string? template = null)
    {
        var name = $"qrlogin_test_{Environment.ProcessId}_{Interlocked.Increment(ref _databases)}";
        using (var connection = new NpgsqlConnection(AdminConnectionString))
        {
            connection.Open();
            var from = template is null ? "" : $" TEMPLATE \"{new NpgsqlConnectionStringBuilder(template).Database}\"";
            using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"{from}", connection);
            command.ExecuteNonQuery();
        }

        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name, MaxPoolSize = 30 }.ConnectionString;
    }

    /// <summary>Drops a database made by <see cref="CreateDatabase"/>, ending the connections still open on it.</summary>
    public void DropDatabase(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        NpgsqlConnection.ClearAllPools();
        using var connection = new NpgsqlConnection(AdminConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
        command.ExecuteNonQuery();
    }

    /// <summary>Ends one server process (a node's listening connection), as a dropped connection would; true when it was ended.</summary>
    public async Task<bool> TerminateBackendAsync(int processId)
    {
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT pg_terminate_backend(@pid)", connection);
        command.Parameters.AddWithValue("pid", processId);
        return await command.ExecuteScalarAsync() is true;
    }

    private static string? FindBinaries()
    {
        const string root = "/usr/lib/postgresql";
        return Directory.Exists(root)
            ? Directory.GetDirectories(root)
                .Select(d => Path.Combine(d, "bin"))
                .Where(bin => File.Exists(Path.Combine(bin, "initdb")))
                .OrderByDescending(bin => int.TryParse(Path.GetFileName(Path.GetDirectoryName(bin)), out var v) ? v : 0)
                .FirstOrDefault()
            : null;
    }

    private void RunServerTool(bool asRoot, string tool, string arguments)
    {
        var path = Path.Combine(_binaries!, tool);
        if (asRoot)
        {
            Run("runuser", $"-u postgres -- {path} {arguments}");
        }
        else
        {
            Run(path, arguments);
        }
    }

    private static void Run(string file, string arguments)
    {
        var start = new ProcessStartInfo(file, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // pg_ctl's server must not keep our output pipes open, or this would wait for the server to end.
            RedirectStandardInput = false,
            WorkingDirectory = "/tmp",
        };
        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)) || process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {arguments} failed: {output.Result} {errors.Result}");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
