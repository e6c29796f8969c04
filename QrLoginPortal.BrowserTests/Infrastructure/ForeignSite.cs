using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace QrLoginPortal.BrowserTests.Infrastructure;

/// <summary>
/// Another site, as an attacker runs one: a tiny Kestrel on its own port that serves one HTML page.
/// Its URL says "localhost" while the portal is at 127.0.0.1, so to the browser it is another site
/// (another origin and another registrable host), as a page on the open web would be.
/// </summary>
public sealed class ForeignSite : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ForeignSite(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    /// <summary>e.g. http://localhost:41235/</summary>
    public string Url { get; }

    public static async Task<ForeignSite> StartAsync(string html)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.MapGet("/", () => Results.Content(html, "text/html; charset=utf-8"));
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return new ForeignSite(app, $"http://localhost:{address.Port}/");
    }

    /// <summary>A page that posts <paramref name="fields"/> to <paramref name="action"/> as soon as it loads, as a login-CSRF page does.</summary>
    public static string AutoSubmittingForm(string action, IReadOnlyDictionary<string, string> fields) =>
        $"""
        <!DOCTYPE html><html><body><h1>Cute cats</h1>
        <form method="post" action="{WebUtility.HtmlEncode(action)}">
        {string.Concat(fields.Select(f => $"<input type=\"hidden\" name=\"{WebUtility.HtmlEncode(f.Key)}\" value=\"{WebUtility.HtmlEncode(f.Value)}\" />"))}
        </form>
        <script>document.forms[0].submit();</script>
        </body></html>
        """;

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
