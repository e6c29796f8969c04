using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using QrLoginPortal.Admin;
using QrLoginPortal.QrLogin;
using QrLoginPortal.SignIn;
using QrLoginPortal.Tests.Infrastructure;

namespace QrLoginPortal.Tests.Accounts;

/// <summary>The portal's mail: an admin's password link, and "new sign-in to your account" after a QR sign-in.</summary>
public sealed class AccountMailTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    private const string DesktopAgent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Firefox/141.0";

    [Fact]
    public async Task AnAdminsPasswordLink_IsMailedToTheUser_AndStillShownToTheAdmin()
    {
        var email = $"linked-{Guid.NewGuid():N}@test.local";
        var userId = await portal.CreateUserAsync(email);
        var admin = portal.Services.GetRequiredService<UserAdmin>();

        var result = await admin.PasswordResetLinkAsync(await portal.AdminActorAsync(), userId, "http://localhost/");

        Assert.True(result.Succeeded);
        Assert.StartsWith("http://localhost/Account/ResetPassword?code=", result.Link);
        Assert.Contains($"Password link for {email}", result.Message);
        var mail = await portal.WaitForMailAsync(email, "password");
        Assert.Contains(result.Link!, mail.TextBody);
        Assert.Contains(WebUtility.HtmlEncode(result.Link!), mail.HtmlBody);
    }

    [Fact]
    public async Task AfterAQrSignIn_TheAccountIsMailedANotice_WithBrowserSystemAddressTimeAndTheSessionsPage()
    {
        var email = $"noticed-{Guid.NewGuid():N}@test.local";
        await portal.CreateUserAsync(email);

        await SignInByQrAsync(portal, email, "198.51.100.23");

        var mail = await portal.WaitForMailAsync(email, "New sign-in");
        var text = mail.TextBody!;
        Assert.Contains("Browser: Firefox", text);
        Assert.Contains("System: Linux", text);
        Assert.Contains("Address: 198.51.100.23", text);
        Assert.Contains($"Time: {portal.Clock.GetUtcNow().UtcDateTime:yyyy-MM-dd HH:mm} UTC", text);
        Assert.Contains("http://localhost/account/sessions", text);
        Assert.Contains("href=\"http://localhost/account/sessions\"", mail.HtmlBody);
    }

    [Fact]
    public async Task APasswordSignIn_SendsNoQrNotice()
    {
        var email = $"pwd-only-{Guid.NewGuid():N}@test.local";
        await portal.CreateUserAsync(email);
        using var browser = portal.CreateBrowser();
        await browser.SignInWithPasswordAsync(email, PortalFactory.DemoPassword);
        // A QR sign-in of another account afterwards: once its notice is out, this one's would be too (one queue, in order).
        var marker = $"marker-{Guid.NewGuid():N}@test.local";
        await portal.CreateUserAsync(marker);
        await SignInByQrAsync(portal, marker, "198.51.100.24");
        await portal.WaitForMailAsync(marker, "New sign-in");

        Assert.Empty(portal.MailsTo(email));
    }

    [Fact]
    public async Task AFailingSmtpServer_NeitherDelaysNorFailsTheSignIn_AndIsLoggedWithoutItsPassword()
    {
        const string smtpPassword = "smtp-Passw0rd-never-logged";
        using var smtp = new RefusingSmtpServer();
        var logs = new CapturedLogs();
        using var failing = new PortalFactory
        {
            Settings =
            {
                ["Portal:Email:Mode"] = "Smtp",
                ["Portal:Email:Host"] = "127.0.0.1",
                ["Portal:Email:Port"] = smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Portal:Email:Security"] = "None",
                ["Portal:Email:User"] = "mailer",
                ["Portal:Email:Password"] = smtpPassword,
            },
        };
        using var withLogs = failing.WithWebHostBuilder(b => b.ConfigureLogging(l => l.AddProvider(logs)));
        var email = $"smtp-{Guid.NewGuid():N}@test.local";
        using (var scope = withLogs.Services.CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<Data.ApplicationUser>>();
            Assert.True((await users.CreateAsync(new Data.ApplicationUser { UserName = email, Email = email, EmailConfirmed = true },
                PortalFactory.DemoPassword)).Succeeded);
        }

        var signedIn = await SignInByQrAsync(withLogs, email, "198.51.100.25");

        Assert.Contains(email, await signedIn.GetPageAsync("/account"));
        var failure = await logs.WaitForAsync(m => m.Contains("new-sign-in", StringComparison.Ordinal));
        Assert.Contains("test.local", failure);
        Assert.Contains("535", failure);
        Assert.True(smtp.SawAuthentication);
        Assert.DoesNotContain(logs.All, m => m.Contains(smtpPassword, StringComparison.Ordinal)
            || m.Contains(Convert.ToBase64String(Encoding.UTF8.GetBytes(smtpPassword)), StringComparison.Ordinal));
    }

    /// <summary>The whole QR sign-in of <paramref name="email"/>: login page, phone approval, ticket redeemed from <paramref name="address"/>.</summary>
    private static async Task<PortalFactory.BrowserClient> SignInByQrAsync(WebApplicationFactory<Program> app, string email, string address)
    {
        var cookies = new CookieContainer();
        var browser = new PortalFactory.BrowserClient(app.CreateDefaultClient(new Microsoft.AspNetCore.Mvc.Testing.Handlers.CookieContainerHandler(cookies)), cookies);
        browser.Http.DefaultRequestHeaders.UserAgent.ParseAdd(DesktopAgent);
        browser.Http.DefaultRequestHeaders.Add(TestClientAddress.Header, address);
        await browser.GetPageAsync("/login");
        var engine = app.Services.GetRequiredService<QrLoginService>();
        var created = await engine.CreateAsync(new QrRequester(address, DesktopAgent, Secrets.Hash(browser.Cookie(BrowserBinding.CookieName)!)));

        var phoneCookies = new CookieContainer();
        using var phone = new PortalFactory.BrowserClient(app.CreateDefaultClient(new Microsoft.AspNetCore.Mvc.Testing.Handlers.CookieContainerHandler(phoneCookies)), phoneCookies);
        await phone.SignInWithPasswordAsync(email, PortalFactory.DemoPassword);
        var approval = await phone.GetPageAsync($"/qr/{created.Lsi}");
        await phone.PostFormAsync($"/qr/{created.Lsi}", approval, "qr-approval", new Dictionary<string, string> { ["Decision"] = "approve" });
        var ticket = await app.Services.GetRequiredService<QrTicketService>().IssueTicketAsync(created.Id, created.Dsi);
        Assert.NotNull(ticket);
        var redeemed = await browser.Http.PostAsync(QrSignInEndpoints.RedeemPath,
            new FormUrlEncodedContent(new Dictionary<string, string> { ["ticket"] = ticket, ["returnUrl"] = "/" }));
        Assert.Equal("/", redeemed.Headers.Location?.OriginalString);
        return browser;
    }

    /// <summary>An SMTP server that offers AUTH and refuses every credential (535), as a misconfigured relay does.</summary>
    private sealed class RefusingSmtpServer : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();

        public RefusingSmtpServer()
        {
            _listener.Start();
            _ = ServeAsync();
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public bool SawAuthentication { get; private set; }

        private async Task ServeAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                await using var stream = client.GetStream();
                using var reader = new StreamReader(stream, Encoding.ASCII);
                await using var writer = new StreamWriter(stream, Encoding.ASCII) { NewLine = "\r\n", AutoFlush = true };
                await writer.WriteLineAsync("220 refusing.test ESMTP");
                while (await reader.ReadLineAsync(_stop.Token) is { } line)
                {
                    var verb = line.Split(' ')[0].ToUpperInvariant();
                    if (verb is "EHLO" or "HELO")
                    {
                        await writer.WriteLineAsync("250-refusing.test");
                        await writer.WriteLineAsync("250 AUTH PLAIN LOGIN");
                    }
                    else if (verb == "AUTH")
                    {
                        SawAuthentication = true;
                        await writer.WriteLineAsync("535 5.7.8 Authentication credentials invalid");
                    }
                    else if (verb == "QUIT")
                    {
                        await writer.WriteLineAsync("221 bye");
                        break;
                    }
                    else
                    {
                        await writer.WriteLineAsync("502 5.5.2 Command not recognized");
                    }
                }
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
        }
    }

    /// <summary>Every log message the portal writes, with a way to wait for one.</summary>
    private sealed class CapturedLogs : ILoggerProvider
    {
        private readonly ConcurrentQueue<string> _messages = new();
        private readonly ConcurrentBag<(Func<string, bool> Match, TaskCompletionSource<string> Found)> _waiters = [];

        public IEnumerable<string> All => _messages;

        public Task<string> WaitForAsync(Func<string, bool> match)
        {
            var found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((match, found));
            if (_messages.FirstOrDefault(match) is { } already)
            {
                found.TrySetResult(already);
            }

            return found.Task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        }

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void Dispose()
        {
        }

        private void Add(string message)
        {
            _messages.Enqueue(message);
            foreach (var (match, found) in _waiters)
            {
                if (match(message))
                {
                    found.TrySetResult(message);
                }
            }
        }

        private sealed class Logger(CapturedLogs owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                owner.Add(formatter(state, exception) + (exception is null ? "" : " " + exception));
        }
    }
}
