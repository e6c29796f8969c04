using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Playwright;

namespace QrLoginPortal.BrowserTests.Infrastructure;

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "browser";
}

/// <summary>
/// One portal on Kestrel and one headless Chromium for the whole suite. Without Chromium, zbarimg
/// or ffmpeg the tests skip with the install command, except in CI (CI=true), where that is a failure.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    private readonly ConcurrentBag<double> _approvalToSignedInMs = [];
    private IPlaywright? _playwright;

    public PortalServer Server { get; } = new();
    public string BaseUrl { get; private set; } = "";
    public IBrowser Browser { get; private set; } = null!;
    public IPlaywright Playwright => _playwright!;
    public IReadOnlyList<string> MissingTools { get; } = ExternalTools.Missing();

    /// <summary>An application that signs people in through the portal (registered in its configuration).</summary>
    public OidcRelyingPartySite RelyingParty { get; private set; } = null!;

    public static string OutputFolder => Path.Combine(AppContext.BaseDirectory, "browser-test-output");

    public async ValueTask InitializeAsync()
    {
        if (MissingTools.Count > 0)
        {
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException(
                    $"The browser tests need {string.Join(", ", MissingTools)}, which CI must provide: {ExternalTools.InstallHint}.");
            }

            return;
        }

        Directory.CreateDirectory(OutputFolder);
        // CI runs this suite beside the other test projects on two cores: allow a loaded machine
        // the same time for an assertion as for an action (the contexts' default timeout).
        Assertions.SetDefaultExpectTimeout(15_000);
        // Before the portal, whose configuration names the application's addresses.
        RelyingParty = await OidcRelyingPartySite.StartAsync(() => BaseUrl);
        Server.AddSettings(RelyingParty.PortalSettings);
        BaseUrl = Server.BaseUrl;
        _playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await LaunchAsync();
    }

    public Task<IBrowser> LaunchAsync(params string[] extraArgs) =>
        Playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExternalTools.ChromiumPath,
            Headless = true,
            Args = [.. ExternalTools.ChromiumArgs, .. extraArgs],
        });

    /// <summary>Skips the calling test, with the install command, when a tool is missing outside CI.</summary>
    public void SkipIfUnavailable() =>
        Assert.SkipWhen(MissingTools.Count > 0,
            $"Browser tests skipped: {string.Join(", ", MissingTools)} not installed; {ExternalTools.InstallHint}.");

    public void RecordApprovalToSignedIn(TimeSpan elapsed) => _approvalToSignedInMs.Add(elapsed.TotalMilliseconds);

    public async ValueTask DisposeAsync()
    {
        if (!_approvalToSignedInMs.IsEmpty)
        {
            var sorted = _approvalToSignedInMs.Order().ToArray();
            var line = string.Create(CultureInfo.InvariantCulture,
                $"approve click -> signed-in page: n={sorted.Length} p50={sorted[sorted.Length / 2]:0} ms max={sorted[^1]:0} ms (all: {string.Join(", ", sorted.Select(v => v.ToString("0", CultureInfo.InvariantCulture)))})");
            await File.AppendAllTextAsync(Path.Combine(OutputFolder, "timings.txt"), $"{DateTimeOffset.UtcNow:u} {line}{Environment.NewLine}");
        }

        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        await Server.DisposeAsync();
        if (RelyingParty is not null)
        {
            await RelyingParty.DisposeAsync();
        }
    }
}
