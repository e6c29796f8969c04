using System.Diagnostics;

namespace QrLoginPortal.BrowserTests.Infrastructure;

/// <summary>The Debian programs the browser suite needs, found on PATH (or CHROMIUM_PATH for the browser).</summary>
public static class ExternalTools
{
    public static string ChromiumPath => Environment.GetEnvironmentVariable("CHROMIUM_PATH") ?? "/usr/bin/chromium";

    public static readonly string[] ChromiumArgs =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
    ];

    /// <summary>What is missing, in words a person can act on; empty when everything is there.</summary>
    public static IReadOnlyList<string> Missing()
    {
        var missing = new List<string>();
        if (!File.Exists(ChromiumPath))
        {
            missing.Add($"Chromium ({ChromiumPath})");
        }

        foreach (var tool in new[] { "zbarimg", "ffmpeg" })
        {
            if (Which(tool) is null)
            {
                missing.Add(tool);
            }
        }

        return missing;
    }

    public const string InstallHint = "install them with: sudo apt-get update && sudo apt-get install -y chromium zbar-tools ffmpeg (or run .ci/run)";

    /// <summary>Decodes the QR code in a PNG with zbarimg; null when none is found.</summary>
    public static async Task<string?> DecodeQrAsync(string pngPath)
    {
        var (exit, output, _) = await RunAsync("zbarimg", "--raw", "-q", pngPath);
        return exit == 0 ? output.Trim() : null;
    }

    /// <summary>Turns a PNG into the looping Y4M video that Chromium's fake camera plays.</summary>
    public static async Task MakeCameraVideoAsync(string pngPath, string y4mPath)
    {
        var (exit, _, error) = await RunAsync("ffmpeg", "-y", "-loglevel", "error", "-loop", "1", "-i", pngPath,
            "-vf", "scale=480:480:flags=neighbor,pad=640:480:80:0:white,format=yuv420p", "-t", "2", "-r", "10", y4mPath);
        if (exit != 0)
        {
            throw new InvalidOperationException($"ffmpeg failed: {error}");
        }
    }

    private static string? Which(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
            .Select(dir => Path.Combine(dir, program))
            .FirstOrDefault(File.Exists);

    private static async Task<(int Exit, string Output, string Error)> RunAsync(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }
}
