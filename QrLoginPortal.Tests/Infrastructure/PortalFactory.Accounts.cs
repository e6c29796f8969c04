using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace QrLoginPortal.Tests.Infrastructure;

/// <summary>Accounts and mail in the test portal: its environment, registration mode, and the pickup folder its mail lands in.</summary>
public partial class PortalFactory
{
    /// <summary>Portal:Registration; null leaves the portal's default (Closed).</summary>
    public string? Registration { get; init; }

    /// <summary>Where this portal's mail is written (Portal:Email pickup mode), one folder per factory.</summary>
    public string MailFolder { get; } = Directory.CreateTempSubdirectory("qrlogin-mail-").FullName;

    /// <summary>Extra settings (e.g. an SMTP server for a failure test).</summary>
    public IDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();

    private void ConfigureAccounts(IWebHostBuilder builder)
    {
        builder.UseSetting("Portal:Email:Mode", "Pickup");
        builder.UseSetting("Portal:Email:PickupFolder", MailFolder);
        if (Registration is not null)
        {
            builder.UseSetting("Portal:Registration", Registration);
        }

        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }
    }

    /// <summary>A browser on https://localhost, so Secure cookies (as in Production) come back.</summary>
    public BrowserClient CreateHttpsBrowser(string userAgent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/140.0 Safari/537.36")
    {
        var cookies = new CookieContainer();
        var client = CreateDefaultClient(new Uri("https://localhost"), new CookieContainerHandler(cookies));
        client.DefaultRequestHeaders.UserAgent.ParseAdd(userAgent);
        return new BrowserClient(client, cookies);
    }

    /// <summary>
    /// The first mail to <paramref name="to"/> whose subject contains <paramref name="subject"/>: read
    /// from the pickup folder, waiting for the file to appear (a watcher, not a sleep). The timeout only
    /// bounds a failing test.
    /// </summary>
    public async Task<MimeMessage> WaitForMailAsync(string to, string subject)
    {
        var found = new TaskCompletionSource<MimeMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var watcher = new FileSystemWatcher(MailFolder, "*.eml");
        watcher.Created += (_, _) => Check();
        watcher.Renamed += (_, _) => Check();
        watcher.EnableRaisingEvents = true;
        Check();
        return await found.Task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        void Check()
        {
            if (FindMail(to, subject) is { } message)
            {
                found.TrySetResult(message);
            }
        }
    }

    /// <summary>The mails to <paramref name="to"/> already in the pickup folder.</summary>
    public IReadOnlyList<MimeMessage> MailsTo(string to) =>
        [.. Directory.GetFiles(MailFolder, "*.eml").Select(f => MimeMessage.Load(f))
            .Where(m => m.To.Mailboxes.Any(a => string.Equals(a.Address, to, StringComparison.OrdinalIgnoreCase)))];

    private MimeMessage? FindMail(string to, string subject) =>
        MailsTo(to).FirstOrDefault(m => m.Subject is { } s && s.Contains(subject, StringComparison.OrdinalIgnoreCase));

    private void DeleteMailFolder()
    {
        try
        {
            Directory.Delete(MailFolder, recursive: true);
        }
        catch (IOException)
        {
            // Left in /tmp if a file is still held; not worth failing the run.
        }
    }
}
